"""/quotes.csv and /quotes.bib: the quote list's parameters, every matching row, stable format."""

import csv
import io
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_script_prefix, reverse, set_script_prefix

from articles import exports
from articles.models import Article, Party, Quote, Speaker
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)

COLUMNS = [
    "id",
    "permalink",
    "text",
    "kind",
    "date",
    "speaker",
    "speaker_slug",
    "party",
    "event",
    "event_date",
    "format",
    "outlet",
    "article_headline",
    "article_url",
    "article_published",
]
LAVROV = {27, 28, 29, 30, 31, 32, 33, 34, 43, 44, 45, 46, 47, 48, 49}


def get_csv(client, params=""):
    response = client.get(reverse("articles:quote-list-csv") + params)
    assert response.status_code == HTTPStatus.OK
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_columns_are_the_documented_ones_in_order(client, archive):
    response = client.get(reverse("articles:quote-list-csv"))
    header = b"".join(response.streaming_content).decode().split("\r\n", 1)[0]
    assert header.split(",") == COLUMNS == list(exports.CSV_COLUMNS)
    assert 'filename="parley-quotes.csv"' in response["Content-Disposition"]


def test_every_row_not_one_page_in_the_list_order(client, archive):
    rows = get_csv(client)
    assert [int(r["id"]) for r in rows] == list(
        Quote.objects.newest_first().values_list("pk", flat=True)
    )
    oldest = get_csv(client, "?sort=oldest")
    assert [int(r["id"]) for r in oldest] == list(
        Quote.objects.oldest_first().values_list("pk", flat=True)
    )


def test_row_values(client, archive):
    (row,) = [r for r in get_csv(client, "?speaker=sergey-lavrov") if r["id"] == "27"]
    assert row == {
        "id": "27",
        "permalink": "http://testserver/quotes/27/",
        "text": "Moscow’s proposals on security guarantees are aimed at creating and legalizing "
        "a new system of agreements in the field of security",
        "kind": "indirect",
        "date": "2021-12-31",
        "speaker": "Sergey Lavrov",
        "speaker_slug": "sergey-lavrov",
        "party": "Russia",
        "event": "",
        "event_date": "",
        "format": "",
        "outlet": "Sputnik",
        "article_headline": Article.objects.get(pk=4).headline,
        "article_url": "",
        "article_published": "2021-12-31",
    }


def test_search_and_filters_are_the_list_pages(client, archive):
    ranked = [int(r["id"]) for r in get_csv(client, "?q=legally+binding")]
    assert len(ranked) == 34
    assert set(ranked[:4]) == {26, 30, 31, 37}
    both = get_csv(client, "?q=guarantee&speaker=sergey-lavrov")
    assert {int(r["id"]) for r in both} == LAVROV
    by_date = get_csv(client, "?q=guarantee&speaker=sergey-lavrov&sort=newest")
    assert [r["date"] for r in by_date] == sorted((r["date"] for r in by_date), reverse=True)
    assert get_csv(client, "?q=the") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("?date_from=banana", "date_from: Enter a date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ("?speaker=nobody", "speaker: There is no speaker “nobody”"),
        ("?bogus=1", "Unknown parameter bogus"),
        ("?sort=loudest", "sort: Unknown sort order “loudest”"),
        ("?q=legally%00binding", "q: Null characters are not allowed."),
    ],
)
def test_invalid_parameters_are_a_400_listing_the_errors(client, archive, params, message):
    for name in ("articles:quote-list-csv", "articles:quote-list-bibtex"):
        response = client.get(reverse(name) + params)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert message in response.content.decode()


def test_query_count_does_not_grow_with_rows(client, archive):
    from tests.test_views_queries import CACHE, HOUSEKEEPING

    def queries(params):
        with CaptureQueriesContext(connection) as ctx:
            get_csv(client, params)
        return len(
            [
                q
                for q in ctx
                if not q["sql"].startswith(HOUSEKEEPING) and not any(t in q["sql"] for t in CACHE)
            ]
        )

    # A search costs two queries more, whatever the rows: the capped count of the quotes' own
    # matches and the articles whose text matches (articles/search.py, article_tier_for). The
    # second runs with a time limit (savepoint statements) and, on PostgreSQL, its result is
    # kept in the counts' cache: neither is counted here (see tests/test_views_queries.py).
    assert queries("?q=veto") == queries("") + 2


def test_awkward_text_round_trips(client, archive):
    text = 'He said "no",\nthen, after a pause;\r\n“нет” — 100% sure\tok'
    body = f"Intro. {text} Outro."
    article = Article.objects.create(
        headline='A "quoted", headline', slug="awkward", body=body, raw_text=body,
        content_hash="1" * 64,
    )  # fmt: skip
    quote = Quote.objects.create(
        text=text,
        speaker=Speaker.objects.get(slug="joe-biden"),
        article=article,
        kind=Quote.Kind.DIRECT,
        start=7,
        end=7 + len(text),
    )
    (row,) = get_csv(client, "?q=pause")
    assert (row["id"], row["text"], row["article_headline"]) == (
        str(quote.pk),
        text,
        'A "quoted", headline',
    )


def test_every_row_agrees_with_its_quote_and_relations(client, archive):
    # The rows are read as plain values (exports.export_rows): each must say what the quote's
    # own objects say, for speakers with and without a party, quotes with and without an
    # event, articles with and without an outlet.
    article = Article.objects.get(pk=4)
    unnamed = Party.objects.create(name="Some Alliance", slug="some-alliance", kind="alliance")
    for end, slug, party in [(11, "no-party", None), (12, "long-party", unnamed)]:
        speaker = Speaker.objects.create(name=slug, slug=slug, party=party)
        Quote.objects.create(
            text=article.body[:end],
            speaker=speaker,
            article=article,
            kind="direct",
            start=0,
            end=end,
        )
    rows = {int(r["id"]): r for r in get_csv(client)}
    quotes = Quote.objects.with_relations()
    assert set(rows) == {quote.pk for quote in quotes}
    for quote in quotes:
        party, event, outlet = quote.speaker.party, quote.event, quote.article.outlet
        assert rows[quote.pk] == {
            "id": str(quote.pk),
            "permalink": f"http://testserver{quote.get_absolute_url()}",
            "text": quote.text,
            "kind": quote.kind,
            "date": quote.said_on.isoformat() if quote.said_on else "",
            "speaker": quote.speaker.name,
            "speaker_slug": quote.speaker.slug,
            "party": str(party) if party else "",
            "event": event.name if event else "",
            "event_date": event.start_date.isoformat() if event and event.start_date else "",
            "format": event.format if event else "",
            "outlet": outlet.name if outlet else "",
            "article_headline": quote.article.headline,
            "article_url": quote.article.source_url,
            "article_published": (
                quote.article.published.isoformat() if quote.article.published else ""
            ),
        }
    # The fixtures hold each side of every optional relation the rows read.
    for known in (
        lambda q: q.speaker.party,
        lambda q: q.speaker.party and q.speaker.party.short_name,
        lambda q: q.event,
        lambda q: q.said_on,
    ):
        assert {bool(known(quote)) for quote in quotes} == {True, False}


def blocks(client, route, monkeypatch) -> tuple[bytes, list[bytes]]:
    """(the whole body, its chunks when a block is 2,000 characters) of an export."""
    url = reverse(route)
    whole = b"".join(client.get(url).streaming_content)
    monkeypatch.setattr(exports, "BLOCK_CHARS", 2000)
    chunks = list(client.get(url).streaming_content)
    assert b"".join(chunks) == whole
    return whole, chunks


def test_rows_are_sent_in_blocks_of_whole_lines(client, archive, monkeypatch):
    whole, chunks = blocks(client, "articles:quote-list-csv", monkeypatch)
    assert 1 < len(chunks) < whole.count(b"\r\n") / 4
    assert all(chunk.endswith(b"\r\n") for chunk in chunks)
    assert all(len(chunk.decode()) >= 2000 for chunk in chunks[:-1])


def test_bibtex_entries_are_sent_in_blocks_of_whole_entries(client, archive, monkeypatch):
    whole, chunks = blocks(client, "articles:quote-list-bibtex", monkeypatch)
    assert 1 < len(chunks) < whole.count(b"@misc{") / 2
    assert all(chunk.startswith(b"@misc{") and chunk.endswith(b"}\n\n") for chunk in chunks)


def test_permalinks_keep_the_script_prefix(client, archive):
    # The test client does not set the prefix from SCRIPT_NAME as a WSGI server's handler does.
    set_script_prefix("/parley/")
    try:
        response = client.get("/quotes.csv?speaker=sergey-lavrov")
        text = b"".join(response.streaming_content).decode()
    finally:
        clear_script_prefix()
    links = {r["permalink"] for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert links == {f"http://testserver/parley/quotes/{pk}/" for pk in LAVROV}


@pytest.mark.django_db(transaction=True)
def test_pandas_reads_the_csv_url_as_it_is(live_server):
    pandas = pytest.importorskip("pandas")
    call_command("loaddata", "archive", verbosity=0)
    frame = pandas.read_csv(f"{live_server.url}/quotes.csv?q=guarantee&speaker=sergey-lavrov")
    assert list(frame.columns) == COLUMNS
    assert set(frame["id"]) == LAVROV
    assert set(frame["speaker"]) == {"Sergey Lavrov"}
    quote = Quote.objects.get(pk=31)
    assert frame.set_index("id").loc[31, "text"] == quote.text
    everything = pandas.read_csv(f"{live_server.url}/quotes.csv")
    assert len(everything) == Quote.objects.count()


def test_bibtex_of_a_result_set(client, archive):
    response = client.get(reverse("articles:quote-list-bibtex") + "?q=%22open+door%22")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    keys = [line.split("{")[1].rstrip(",") for line in text.splitlines() if line.startswith("@")]
    assert keys[0] == "parley-quote-51"
    assert sorted(keys) == sorted(f"parley-quote-{pk}" for pk in range(43, 53))


def test_search_help_documents_syntax_and_columns(client, archive):
    response = client.get(reverse("articles:search-help"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    section = html[html.index('id="csv-columns"') :]
    positions = [section.index(f"<dt><code>{column}</code></dt>") for column in COLUMNS]
    assert positions == sorted(positions)
    # Live example counts.
    assert "<code>&quot;open door&quot;</code></a></td>" in html
    assert "<td>10</td>" in html
