"""Every page runs a fixed number of SQL queries, whatever the number of rows.

A list page reads its rows with one indexed query, and with a second one when the page reaches
the rows without a date (they sort last): so a short result costs one query more than a long
one, never more than that.

Each URL is measured on the curated archive and again after adding many speakers, events and
statements: the numbers must be the same and must equal the figure pinned here (the figures are
listed in the lead's note for issue 3).

A page of statements reads its rows' speakers (with parties), events and outlets by id, one
query per table, the first time its process meets them in this archive version
(articles/dimensions.py); the figures are those of that first visit, three more than a later
one (test_a_second_visit_reads_no_speakers_events_or_outlets). Every test starts with none held.

On PostgreSQL the facet queries, and a search's list of articles whose text matches, run in a
savepoint that sets their time limit (statement_timeout, articles/facets.py), and a quote page's
row is read with a fixed join order (join_collapse_limit, articles/querysets.py): SAVEPOINT,
set_config and RELEASE statements around them are not counted in the figures below; outside a
test's transaction the setting is sent in front of its statement, in the same message
(articles/statement_local.py). Nor are the reads and writes of the facet counts' cache (see
count_queries).
"""

import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Event, NegotiationFormat, Outlet, Party, Quote, Speaker
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)

RT = "security-talks-with-west-not-very-inspiring-russian-diplomat-tells-rt"
NRC = "nato-russia-council-2022-01-12"

PAGES = [
    ("/", 9),  # four counts, the timeline, the latest statements, their speakers, events, outlets
    ("/quotes/", 6),  # capped count, one page, all facets in one query, speakers, events, outlets
    # + the slug check; + 1 because the page ends before a full page of dated rows, so the
    # undated statements that sort last are read too (a second indexed query, see pagination.py);
    # + 2 per facet with a chosen option: its own count, and its largest groups without its own
    # filter, apart from the facets whose filter is unused, still one query (articles/facets.py);
    # - 3 when the page has no rows: no speakers, events or outlets to read
    ("/quotes/?speaker=sergey-lavrov&date_from=2022-01&date_to=2022-01&format=leaders", 9),
    (f"/quotes/?party=russia&party=nato&event={NRC}&outlet=tass&kind=direct", 15),
    ("/quotes/?sort=oldest&after=2021-12-19.24", 6),
    ("/quotes/?date_from=banana", 1),  # no result query, facets for the form
    # + highlight of the shown rows, speaker suggestions, the capped count of the quotes' own
    # matches and (below the cap) the articles whose text matches (search.article_tier_for)
    # (a ranked page reads the best 1,001 ids, which give its capped count too, then the
    # page's rows by id: two queries where the list's count and rows are two; with the
    # article tier, the own matches ranked and the tier's ids read apart, where PostgreSQL
    # finds the own matches ranked by article_tier_for, SQLite, which counted them, ranks
    # them: search._best_with_tier)
    ("/quotes/?q=guarantees", {"postgresql": 10, "sqlite": 11}),
    ("/quotes/45/", 2),
    ("/articles/", 6),  # count, dated and undated rows, their events, outlet and event menus
    ("/articles/?q=guarantees", 6),
    (f"/articles/{RT}/", 3),  # article, its statements, its events
    (f"/articles/{RT}/?quote=17", 3),
    (f"/articles/{RT}/raw/", 1),
    ("/speakers/", 4),  # count, page, the party choices, the page's statement counts
    ("/speakers/sergey-lavrov/", 9),  # speaker, count, page (two parts), the facets, events
    ("/events/", 4),  # count, page, the party choices, the page's statement counts
    (f"/events/{NRC}/", 11),  # event, count, page (2), facets, participants, parties, articles
    ("/about/data/", 0),
    ("/quotes.json", 5),
    ("/quotes.json?speaker=sergey-lavrov&speaker=joe-biden", 7),
    ("/articles.json", 4),
    ("/speakers.json", 2),
    ("/events.json", 2),
]  # fmt: skip


@pytest.fixture
def grown(archive):
    """Many more rows than any page shows: 30 speakers, 12 events, 90 statements."""
    party = Party.objects.get(slug="russia")
    outlet = Outlet.objects.create(name="Extra", slug="extra")
    speakers = [
        Speaker.objects.create(name=f"Speaker {i:02}", slug=f"speaker-{i:02}", party=party)
        for i in range(30)
    ]
    formats = list(NegotiationFormat.values)
    events = [
        Event.objects.create(
            name=f"Event {i:02}",
            slug=f"event-{i:02}",
            kind="meeting",
            format=formats[i % len(formats)],
            start_date=datetime.date(2022, 2, 1) + datetime.timedelta(days=i),
        )
        for i in range(12)
    ]
    words = [f"word{i:03}" for i in range(90)]
    body = " ".join(words)
    article = Article.objects.create(
        outlet=outlet,
        headline="Many statements",
        slug="many-statements",
        published=datetime.date(2022, 3, 1),
        date_basis="stated",
        body=body,
        raw_text=body,
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
    )
    article.events.set(events)
    for i, word in enumerate(words):
        start = body.index(word)
        Quote.objects.create(
            text=word,
            speaker=speakers[i % 30],
            article=article,
            kind="direct",
            start=start,
            end=start + len(word),
            said_on=datetime.date(2022, 2, 1) + datetime.timedelta(days=i % 20),
            event=events[i % 12],
        )
        events[i % 12].participants.add(speakers[i % 30])
    assert Quote.objects.count() == 52 + 90


# Statements that bound or order a query (savepoints, set_config for statement_timeout and
# join_collapse_limit) and, on PostgreSQL, the archive version read and the counts' cache (a
# table: reads on every list, writes after a count) are not counted in the figures: the first
# set wraps the queries counted, the second is pinned by test_a_warm_list_page_reads_no_counts.
HOUSEKEEPING = ("SAVEPOINT", "RELEASE", "SELECT set_config", "SELECT current_setting")
CACHE = ("parley_cache", "parley_archive_version")


def count_queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    counted = [
        q
        for q in queries
        if not q["sql"].startswith(HOUSEKEEPING) and not any(t in q["sql"] for t in CACHE)
    ]
    return response.status_code, len(counted)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="counts are cached on PostgreSQL")
def test_a_warm_list_page_reads_no_counts(archive, client):
    from tests.caches import clear_caches

    clear_caches()
    client.get("/quotes/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/quotes/")
    sql = [q["sql"] for q in queries if not q["sql"].startswith(HOUSEKEEPING)]
    # The version token and the page's rows: the capped count and the facet counts are kept
    # under the version, and this process holds them in memory (CACHES["process"]), as it
    # holds the rows' speakers, events and outlets.
    assert len(sql) == 2
    assert sum("parley_archive_version" in q for q in sql) == 1
    assert not any(q.startswith('SELECT "cache_key"') for q in sql)
    assert not any("GROUP BY" in q or "COUNT(" in q for q in sql)

    # Another process (here: this one, its memory emptied) reads them from the shared cache
    # once, with one query, and counts nothing.
    from django.core.cache import caches

    caches["process"].clear()
    with CaptureQueriesContext(connection) as queries:
        client.get("/quotes/")
    sql = [q["sql"] for q in queries if not q["sql"].startswith(HOUSEKEEPING)]
    assert sum(q.startswith('SELECT "cache_key"') for q in sql) == 2  # counts, capped count
    assert not any("GROUP BY" in q or "COUNT(" in q for q in sql)


def _for_this_database(expected):
    return expected[connection.vendor] if isinstance(expected, dict) else expected


@pytest.mark.parametrize(("url", "expected"), PAGES)
def test_query_count_on_the_curated_archive(archive, client, url, expected):
    status, queries = count_queries(client, url)
    assert status in (200, 400)
    assert queries == _for_this_database(expected)


@pytest.mark.parametrize(("url", "expected"), PAGES)
def test_query_count_does_not_grow_with_the_rows(grown, client, url, expected):
    status, queries = count_queries(client, url)
    assert status in (200, 400)
    assert queries == _for_this_database(expected)


def test_grown_pages_do_show_more_rows(grown, client):
    # The growth is visible, so the equal counts above are not an accident of empty pages.
    assert len(client.get("/quotes/").context["page"].rows) == 20
    assert client.get("/quotes/").context["page"].count == 142
    assert len(client.get("/events/").context["page"].rows) == 20
    assert len(client.get("/articles/many-statements/").context["quotes"]) == 90


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/quotes/", [Quote]), ("/speakers/", [Speaker]), ("/quotes/?q=guarantees", [])],
)
def test_a_warm_page_compiles_only_its_rows_query(archive, client, monkeypatch, url, expected):
    # An unused speaker or party filter is no SQL to build: its empty choice cleaned to none(),
    # which compiled to find itself empty (0.3 ms each, on every statement page). A search
    # finds its ranked ids and its article tier kept by names, without building their SQL
    # again: its own matches' ranking and its tier's ids (search._built), and the articles
    # whose text matches (search.article_tier_for); and it reads its rows by their ids with
    # the SQL compiled for the first page of that shape (articles/compiled.py).
    from django.db.models.sql.compiler import SQLCompiler

    client.get(url)
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    assert client.get(url).status_code == 200
    assert compiled == expected


def test_a_first_search_builds_no_queryset_for_marks_or_for_nobody(archive, client, monkeypatch):
    # The marks' SQL is written out (search._marked: building it with SearchHeadline took as
    # long as running it), and a word that names no speaker builds no speaker query.
    from django.db.models.sql.compiler import SQLCompiler

    from tests.caches import clear_caches

    clear_caches()
    client.get("/quotes/?q=russia")  # what every page of the process reads once
    compiled = []
    as_sql = SQLCompiler.as_sql

    def recording(self, *args, **kwargs):
        compiled.append((self.query.model, ""))  # also what compiles to find itself empty
        sql, params = as_sql(self, *args, **kwargs)
        compiled[-1] = (self.query.model, sql)
        return sql, params

    monkeypatch.setattr(SQLCompiler, "as_sql", recording)
    response = client.get("/quotes/?q=guarantees")
    assert response.status_code == 200
    assert b"<mark>guarantees</mark>" in response.content
    assert {model for model, _ in compiled} <= {Quote, Article}
    assert not [sql for _, sql in compiled if "ts_headline" in sql or "highlight(" in sql]
