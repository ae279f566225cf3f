"""The reader's path through the archive in a real headless Chromium (Debian's /usr/bin/chromium).

Home -> timeline -> NATO–Russia Council -> quote list filtered with the form by a speaker, a
month and a format -> a quote's permalink -> its highlighted place in the article.
"""

import os
import re
import shutil

import pytest
from django.core.management import call_command

# Playwright's sync API runs an asyncio event loop in this thread, and Django refuses ORM calls
# from a thread with a running loop (SynchronousOnlyOperation). The test's own ORM calls
# (loaddata) and the live server are ordinary synchronous code, so the guard is lifted here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page():
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        if os.environ.get("PARLEY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and PARLEY_REQUIRE_BROWSER=1: install chromium.")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    call_command("loaddata", "archive", verbosity=0)
    return live_server.url


def test_from_the_timeline_to_a_statement_in_its_article(site, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Parley")

    # The skip link is the first thing the keyboard reaches.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")

    page.locator("ol.timeline").get_by_role("link", name="NATO–Russia Council meeting").click()
    expect(page).to_have_url(re.compile(r"/events/nato-russia-council-2022-01-12/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("NATO–Russia Council meeting")

    # The event's format leads to every statement made in that format.
    page.locator("dl.facts").get_by_role("link", name="NATO–Russia Council").click()
    expect(page).to_have_url(re.compile(r"/quotes/\?format=nato-russia-council$"))
    expect(page.locator("#summary")).to_contain_text("4 statements")

    form = page.locator("form.filters")
    form.get_by_role("checkbox", name=re.compile(r"^Sergey Lavrov \(1\)")).check()
    form.get_by_label("From").fill("2022-01")
    form.get_by_label("Until").fill("2022-01")
    form.get_by_label("Negotiation format").select_option("nato-russia-council")
    form.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"speaker=sergey-lavrov"))
    summary = page.locator("#summary")
    expect(summary).to_contain_text("1 statement by Sergey Lavrov")
    expect(summary).to_contain_text("January 2022")
    expect(summary).to_contain_text("at NATO–Russia Council")
    items = page.locator("li.quote-item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("(Jens) Stoltenberg, the secretary-general of NATO")

    items.first.get_by_role("link", name="permalink").click()
    expect(page).to_have_url(re.compile(r"/quotes/45/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sergey Lavrov")

    page.get_by_role("link", name="Read it in place in the article").click()
    expect(page).to_have_url(re.compile(r"\?quote=45#q-45$"))
    current = page.locator("mark.current")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("(Jens) Stoltenberg, the secretary-general of NATO")
    expect(current).to_be_in_viewport()
    expect(page.locator(".current-note")).to_contain_text("statement by Sergey Lavrov")
