"""Speakers, parties, events and outlets of list rows come from each process's memory.

articles/dimensions.py holds them per archive version: a page reads the ones its process has
not met, by id, and none on a later visit; a write moves the version, so the next page reads
them again and shows the change.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import dimensions
from articles.models import Event, Outlet, Quote, Speaker
from tests.budgets import generous_budgets  # noqa: F401  (autouse: whole pages compared)

# The reads by id of attach(): speakers (joined with their parties), events, outlets, by a
# list of ids (the speaker suggestions read speakers by a subquery of names, not held rows).
TABLES = tuple(f'WHERE "articles_{table}"."id" IN (' for table in ("speaker", "event", "outlet"))
BY_IDS = re.compile(r'WHERE "articles_(speaker|event|outlet)"\."id" IN \(\d')


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries]


def _reads(sql: list[str], table: str) -> list[str]:
    return [q for q in sql if table in q and BY_IDS.search(q)]


@pytest.mark.parametrize("url", ["/quotes/", "/quotes/?q=guarantees", "/", "/quotes.json"])
def test_a_second_visit_reads_no_speakers_events_or_outlets(archive, client, url):
    first, sql = _get(client, url)
    for table in TABLES:
        assert len(_reads(sql, table)) == 1, table
    second, sql = _get(client, url)
    assert not [q for q in sql if BY_IDS.search(q)]
    assert second.content == first.content


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
