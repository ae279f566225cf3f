"""Speakers, parties, events and outlets of list rows come from each process's memory.

articles/dimensions.py holds them per archive version: the first page that needs a table reads
its first WHOLE_TABLE rows (all of a small one), later pages only rows not held, by id, and a
later visit none; a write moves the version, so the next page reads them again and shows the
change.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import dimensions
from articles.models import Event, Outlet, Quote, Speaker
from tests.budgets import generous_budgets  # noqa: F401  (autouse: whole pages compared)

# The reads of attach(): speakers (joined with their parties), events, outlets, the first of
# each table in id order, the rest by a list of ids (the speaker suggestions read speakers by a
# subquery of names, not held rows).
TABLES = ("speaker", "event", "outlet")
WHOLE = re.compile(
    r'FROM "articles_(speaker|event|outlet)".* ORDER BY "articles_\1"\."id" ASC LIMIT'
)
BY_IDS = re.compile(r'WHERE "articles_(speaker|event|outlet)"\."id" IN \(\d')


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries]


def _reads(sql: list[str], pattern=BY_IDS) -> list[str]:
    """The table each read of ``pattern`` is from, in order."""
    return [found.group(1) for q in sql if (found := pattern.search(q))]


@pytest.mark.parametrize("url", ["/quotes/", "/quotes/?q=guarantees", "/", "/quotes.json"])
def test_a_second_visit_reads_no_speakers_events_or_outlets(archive, client, url):
    first, sql = _get(client, url)
    assert sorted(_reads(sql, WHOLE)) == sorted(TABLES)
    assert not _reads(sql)
    second, sql = _get(client, url)
    assert not _reads(sql) and not _reads(sql, WHOLE)
    assert second.content == first.content


def test_a_page_of_other_rows_reads_none(archive, client):
    newest = client.get("/quotes/").context["page"].rows
    _, sql = _get(client, "/quotes/?sort=oldest")
    oldest = client.get("/quotes/?sort=oldest").context["page"].rows
    # The curated archive's newest and oldest pages quote different people.
    assert {q.speaker_id for q in oldest} - {q.speaker_id for q in newest}
    assert not _reads(sql) and not _reads(sql, WHOLE)


def test_a_table_past_the_first_read_is_read_by_id(archive, client, monkeypatch):
    monkeypatch.setattr(dimensions, "WHOLE_TABLE", 2)
    _, sql = _get(client, "/quotes/")
    assert sorted(_reads(sql, WHOLE)) == sorted(TABLES)
    # The newest page quotes more than the two lowest speaker ids: those it reads by id.
    assert "speaker" in _reads(sql)
    [(_, tables)] = dimensions._held.values()
    page = client.get("/quotes/").context["page"].rows
    lowest = set(Speaker.objects.order_by("pk").values_list("pk", flat=True)[:2])
    assert set(tables["articles.Speaker"]) == lowest | {q.speaker_id for q in page}


def test_the_row_query_joins_only_the_article(archive, client):
    _, sql = _get(client, "/quotes/")
    [rows] = [
        q for q in sql if q.startswith('SELECT "articles_quote"."id", "articles_quote"."text"')
    ]
    assert 'INNER JOIN "articles_article"' in rows
    for table in ("articles_speaker", "articles_party", "articles_event", "articles_outlet"):
        assert f'"{table}"' not in rows


def test_rows_get_what_a_join_gives(archive, client):
    page = client.get("/quotes/?sort=oldest").context["page"]
    assert len(page.rows) == 20
    joined = {
        q.pk: q for q in Quote.objects.with_relations().filter(pk__in=[r.pk for r in page.rows])
    }

    def shown(quote):
        party = quote.speaker.party
        return (
            quote.speaker.name,
            party.name if party else None,
            quote.event.name if quote.event else None,
            quote.article.outlet.name if quote.article.outlet else None,
            quote.relayed_by.name if quote.relayed_by else None,
        )

    assert [shown(row) for row in page.rows] == [shown(joined[row.pk]) for row in page.rows]
    # The curated archive has rows with and without each optional relation.
    assert any(row.event is None for row in page.rows)
    assert any(row.event is not None for row in page.rows)


@pytest.mark.parametrize(
    ("model", "slug"),
    [(Speaker, "sergey-lavrov"), (Event, "nato-russia-council-2022-01-12"), (Outlet, "tass")],
)
def test_a_renamed_row_shows_on_the_next_visit(archive, client, model, slug):
    old = model.objects.get(slug=slug).name
    url = f"/quotes/?{'speaker' if model is Speaker else model.__name__.lower()}={slug}"
    assert old in client.get(url).content.decode()
    model.objects.filter(slug=slug).update(name=f"Renamed {old}")
    page = client.get(url).content.decode()
    assert f"Renamed {old}" in page
    assert f">{old}<" not in page


def test_memory_is_bounded(archive, client, monkeypatch):
    monkeypatch.setattr(dimensions, "MAX_HELD", 2)
    newest = client.get("/quotes/").context["page"].rows
    oldest = client.get("/quotes/?sort=oldest").context["page"].rows
    both = {row.speaker_id for row in newest} | {row.speaker_id for row in oldest}
    [(_, tables)] = dimensions._held.values()
    # Past the bound the process forgot what it held and kept only what the last page needed.
    assert 0 < len(tables["articles.Speaker"]) < len(both)
    assert all(row.speaker.pk == row.speaker_id for row in [*newest, *oldest])
