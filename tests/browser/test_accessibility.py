"""WCAG 2.1 A and AA checks by axe-core (shipped inside the axe-playwright-python package) on
every kind of page, at desktop and phone widths, in real headless Chromium."""

import os

import pytest

from tests.browser.test_flow import browser_page, site  # noqa: F401  (fixtures)

# See test_flow.py: Playwright's event loop and Django's ORM guard.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

RT = "security-talks-with-west-not-very-inspiring-russian-diplomat-tells-rt"
PAGES = [
    "/",
    "/quotes/",
    "/quotes/?speaker=sergey-lavrov&date_from=2022-01&date_to=2022-01&format=nato-russia-council",
    "/quotes/?date_from=banana&speaker=nobody",  # the error state
    "/quotes/?q=lavrov",
    "/quotes/45/",
    "/articles/",
    f"/articles/{RT}/?quote=17",
    "/speakers/",
    "/speakers/sergey-lavrov/",
    "/events/",
    "/events/nato-russia-council-2022-01-12/",
    "/about/data/",
]
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_have_no_wcag_violations(site, browser_page, width):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    browser_page.set_viewport_size({"width": width, "height": 900})
    # The checker is live: a page with known faults does report them.
    browser_page.set_content('<html><body><img src="x.png"><a href="/"></a></body></html>')
    seeded = {v["id"] for v in axe.run(browser_page, options=WCAG_21_AA).response["violations"]}
    assert {"image-alt", "link-name", "html-has-lang"} <= seeded
    found = {}
    for path in PAGES:
        browser_page.goto(site + path)
        violations = axe.run(browser_page, options=WCAG_21_AA).response["violations"]
        if violations:
            found[path] = [
                (v["id"], v["help"], [n["html"][:120] for n in v["nodes"][:3]]) for v in violations
            ]
    assert found == {}
