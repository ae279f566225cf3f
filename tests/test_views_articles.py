"""Article pages: every statement marked in place (overlaps included), raw text, the list."""

import re
from html import unescape
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import search
from articles.marking import context_of, mark_quotes
from articles.models import Article, Quote, Speaker
from articles.querysets import BODY_START
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)

RT = "security-talks-with-west-not-very-inspiring-russian-diplomat-tells-rt"


def make_quote(pk, start, end, body, kind="direct", name="A. Speaker"):
    return Quote(
        pk=pk, start=start, end=end, text=body[start:end], kind=kind, speaker=Speaker(name=name)
    )


def test_nested_quote_cuts_the_outer_one_into_segments():
    body = 'He said that we will use "other means" if needed.'
    outer = make_quote(1, 13, 48, body, kind="indirect")
    inner = make_quote(2, 26, 37, body, kind="partial")
    html = mark_quotes(body, [inner, outer])
    assert html == (
        "<p>He said that "
        '<span class="anchor" id="q-1"></span>'
        '<mark class="quote depth-1"><a href="/quotes/1/" '
        'title="A. Speaker, indirect (reported) speech">we will use &quot;</a></mark>'
        '<span class="anchor" id="q-2"></span>'
        '<mark class="quote depth-2"><a href="/quotes/2/" '
        'title="A. Speaker, partial quotation">other means</a></mark>'
        '<mark class="quote depth-1"><a href="/quotes/1/" '
        'title="A. Speaker, indirect (reported) speech">&quot; if needed</a></mark>'
        ".</p>"
    )


def test_crossing_quotes_and_paragraph_breaks_stay_valid_html():
    body = "One two three.\n\nFour five six."
    first = make_quote(1, 4, 20, body)  # "two three.\n\nFour"
    second = make_quote(2, 8, 25, body)  # "three.\n\nFour five"
    html = mark_quotes(body, [first, second], current_pk=2)
    assert html == (
        "<p>One "
        '<span class="anchor" id="q-1"></span>'
        '<mark class="quote depth-1"><a href="/quotes/1/" title="A. Speaker, direct quotation">'
        "two </a></mark>"
        '<span class="anchor" id="q-2"></span>'
        '<mark class="quote depth-2 current"><a href="/quotes/1/" '
        'title="A. Speaker, direct quotation">three.</a></mark>'
        "</p>\n<p>"
        '<mark class="quote depth-2 current"><a href="/quotes/1/" '
        'title="A. Speaker, direct quotation">Four</a></mark>'
        '<mark class="quote depth-1 current"><a href="/quotes/2/" '
        'title="A. Speaker, direct quotation"> five</a></mark>'
        " six.</p>"
    )


def test_everything_is_escaped():
    body = "<script>alert(1)</script> said \"x\" & 'y'"
    quote = make_quote(1, 0, 25, body, name='<img src=x onerror="alert(2)">')
    html = mark_quotes(body, [quote])
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'title="&lt;img src=x onerror=&quot;alert(2)&quot;&gt;, direct quotation"' in html
    assert html.endswith(" said &quot;x&quot; &amp; &#x27;y&#x27;</p>")


def test_context_is_the_sentence_before_and_after():
    body = "First sentence. Second one says that peace is near, he said. Third. Fourth."
    start = body.index("peace")
    end = start + len("peace is near")
    assert context_of(body, start, end) == (
        "First sentence. Second one says that ",
        "peace is near",
        ", he said. Third.…",
    )


def test_article_detail_marks_every_statement_and_says_how_it_is_dated(archive, client):
    article = Article.objects.get(slug=RT)
    response = client.get(article.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = response.text
    pks = sorted(article.quotes.values_list("pk", flat=True))
    assert pks == list(range(10, 18))
    for pk in pks:
        assert html.count(f'id="q-{pk}"') == 1
        assert f'href="/quotes/{pk}/"' in html
    # Quote 17 ("other means") sits inside 16: the outer statement is cut around it.
    assert re.search(
        r'<span class="anchor" id="q-16"></span><mark class="quote depth-1">'
        r'<a href="/quotes/16/"[^>]*>if the talks fall apart completely, the Kremlin will resort '
        r"to “</a></mark>"
        r'<span class="anchor" id="q-17"></span><mark class="quote depth-2">'
        r'<a href="/quotes/17/"[^>]*>other means</a></mark>'
        r'<mark class="quote depth-1"><a href="/quotes/16/"[^>]*>” of ensuring',
        html,
    )
    assert "Stated in the text: A blog copy of an RT interview" in html
    assert f'href="/articles/{RT}/raw/"' in html
    assert '<a href="/events/nato-russia-council-2022-01-12/">NATO–Russia Council meeting</a>' in (
        html
    )
    # The marked body, stripped of tags, is exactly the stored body.
    body = re.search(r'<section class="body"[^>]*>(.*?)</section>', html, re.S).group(1)
    text = re.sub(r"</p>\n<p>", "\n\n", body.strip())
    text = re.sub(r"<[^>]+>", "", text.replace("<br>", "\n"))
    assert _unescape(text) == re.sub(r"\n\s*\n\s*", "\n\n", article.body)


def _unescape(text):
    from html import unescape

    return unescape(text)


def test_article_detail_highlights_the_statement_you_came_from(archive, client):
    response = client.get(f"/articles/{RT}/?quote=17")
    assert response.status_code == HTTPStatus.OK
    assert '<mark class="quote depth-2 current"><a href="/quotes/17/"' in response.text
    assert response.text.count(" current") == 1
    assert "the statement by Konstantin Gavrilov you came from" in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("quote=1", "This article holds no statement with that number."),
        ("quote=abc", "quote must be the number of a statement in this article."),
    ],
)
def test_article_detail_rejects_a_statement_it_does_not_hold(archive, client, query, message):
    response = client.get(f"/articles/{RT}/?{query}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.text


def test_raw_text_is_plain_text_exactly_as_received(archive, client):
    article = Article.objects.get(slug=RT)
    response = client.get(f"/articles/{RT}/raw/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == article.raw_text


def test_article_list_filters_and_counts_statements(archive, client):
    response = client.get("/articles/?event=nato-russia-council-2022-01-12")
    assert response.status_code == HTTPStatus.OK
    rows = response.context["page"].rows
    assert [(a.pk, a.quote_count) for a in rows] == [(2, 8), (5, 10), (4, 16)]
    assert "3 articles at or about NATO–Russia Council meeting" in re.sub(
        r"<[^>]+>|×", "", response.text
    )


def test_article_list_rejects_bad_dates(archive, client):
    response = client.get("/articles/?date_from=2022-13")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, for example 2022-01." in response.text


TEXT_COLUMNS = {f'"articles_article"."{name}"' for name in ("body", "raw_text", "search_vector")}


def _columns_read(sql: str) -> set[str]:
    """The plain columns a SELECT lists (expressions over a column do not read it out)."""
    select_list = sql.split(" FROM ", 1)[0].removeprefix("SELECT ")
    return {item.strip() for item in select_list.split(", ")}


def test_the_article_list_leaves_bodies_in_the_database(archive, client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/articles/?q=guarantees")
    assert response.status_code == 200
    rows = [
        q["sql"] for q in captured if '"articles_article"."headline"' in _columns_read(q["sql"])
    ]
    assert len(rows) == 1
    assert not _columns_read(rows[0]) & TEXT_COLUMNS
    assert response.context["page"].rows


def test_a_listed_article_without_a_marked_passage_shows_its_body_start(archive):
    article = Article.objects.for_listing().get(pk=2)
    article.standfirst = ""
    with CaptureQueriesContext(connection) as captured:
        (shown,) = search.highlight_articles([article], "zebra")
    full = Article.objects.get(pk=2).body
    # SQLite marks nothing and shows the body's first BODY_START characters; PostgreSQL's
    # ts_headline gives the body's first words when nothing matches. Either way no query
    # reads the whole body out.
    words = unescape(re.sub(r"<[^>]+>", "", str(shown.snippet)))
    assert words.startswith(full[:60]) and len(words) <= BODY_START
    rereads = [q["sql"] for q in captured if _columns_read(q["sql"]) & TEXT_COLUMNS]
    assert not [q for q in rereads if "ts_headline(" not in q]  # marking passes it to a function
