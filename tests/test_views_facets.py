"""Facet counts within a time budget: a facet that cannot be counted in time says so.

Counting a large filtered set (a million quotes) takes longer than a page may spend, so the facet
queries share a budget (articles/facets.py). Past it a facet shows its options without counts and
a notice, never a wrong number and never an error; the rest of the page is unchanged.
"""

import time
from contextlib import contextmanager
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError, connection

from articles import facet_counts, facets
from articles.models import Quote
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)

URL = "/quotes/"


def facet(response, name):
    return next(f for f in response.context["facets"] if f.name == name)


def test_facets_inside_the_budget_are_counted(archive, client):
    response = client.get(f"{URL}?speaker=sergey-lavrov")
    assert not any(f.timed_out for f in response.context["facets"])
    assert "Counts not shown" not in response.text


def test_facets_past_the_budget_show_no_counts_and_say_so(archive, client, monkeypatch):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    response = client.get(
        f"{URL}?speaker=sergey-lavrov&date_from=2022-01&date_to=2022-01&kind=direct"
    )
    assert response.status_code == HTTPStatus.OK
    assert all(f.timed_out for f in response.context["facets"])
    # The rows and their count do not depend on the facets.
    assert response.context["page"].count == 4  # as counted in tests/test_views_quotes.py
    # Chosen options stay chosen; fixed choices are all offered, without a count.
    speaker = facet(response, "speaker")
    assert [(o.value, o.count, o.selected) for o in speaker.options] == [
        ("sergey-lavrov", None, True)
    ]
    kind = facet(response, "kind")
    assert [(o.value, o.count, o.selected) for o in kind.options] == [
        (value, None, value == "direct") for value in Quote.Kind.values
    ]
    assert facet(response, "outlet").options == []
    text = response.text
    assert text.count("Counts not shown: too many statements to count quickly.") == 6
    assert '<option value="direct" selected>Direct quotation</option>' in text
    assert "No outlet within these filters." not in text


def slow_query():
    """A query that runs for seconds on either database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_sleep(3)")
        else:
            cursor.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < 100000000) SELECT count(*) FROM n"
            )
        return cursor.fetchall()


@pytest.mark.django_db
def test_a_query_past_the_budget_is_cancelled_without_an_error():
    tasks = [("slow", slow_query), ("count", Quote.objects.count)]
    start = time.monotonic()
    # The slow query is stopped at the budget, which leaves no time for the next one.
    done = facets.within_budget("default", tasks, lambda task: task(), budget_ms=200)
    assert done == {}
    assert time.monotonic() - start < 2
    # The request's transaction is still usable.
    assert Quote.objects.count() == 0


@pytest.mark.django_db
def test_nothing_runs_once_the_budget_is_spent():
    calls = []
    done = facets.within_budget("default", [("a", 1), ("b", 2)], calls.append, budget_ms=0)
    assert done == {} and calls == []


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Counts are cached by database snapshot (pg_current_snapshot); SQLite: budget only",
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_no_background_counts_unless_turned_on(client, monkeypatch):
    call_command("loaddata", "archive", verbosity=0)
    cache.clear()
    monkeypatch.setattr(facet_counts, "_read_snapshot", lambda cursor: "test-snapshot")
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    threads_before = len([t for t in facet_counts._threads if t.is_alive()])
    page = client.get(URL)
    assert all(f.timed_out and not f.counting_later for f in page.context["facets"])
    assert "they are being counted" not in page.text
    assert len([t for t in facet_counts._threads if t.is_alive()]) == threads_before == 0
    cache.clear()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_counts_past_the_budget_are_counted_for_the_next_visit(client, monkeypatch):
    call_command("loaddata", "archive", verbosity=0)
    cache.clear()
    # Other databases on the same server move the real snapshot; hold it still for this test.
    monkeypatch.setattr(facet_counts, "_read_snapshot", lambda cursor: "test-snapshot")
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    first = client.get(URL)
    assert all(f.timed_out and f.counting_later for f in first.context["facets"])
    assert "or come back in a moment: they are being counted." in first.text
    for thread in facet_counts._threads:
        thread.join(10)
    second = client.get(URL)
    assert not any(f.timed_out for f in second.context["facets"])
    outlets = [(o.value, o.count) for o in facet(second, "outlet").options]
    assert outlets == [("tass", 18), ("sputnik", 16), ("rt", 8)]  # as tests/test_views_quotes.py
    cache.clear()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_write_moves_the_snapshot_that_keys_the_cached_counts():
    call_command("loaddata", "archive", verbosity=0)
    before = facet_counts._snapshot("default")
    Quote.objects.filter(pk=17).update(kind=Quote.Kind.DIRECT)
    assert facet_counts._snapshot("default") != before


def test_a_cancel_arriving_after_the_last_task_keeps_the_results(monkeypatch):
    # Seen at 1M quotes under load: statement_timeout fired on the savepoint's RELEASE, after
    # every count had been read; that must not turn into an error page.
    @contextmanager
    def cancelled_on_exit(connection, ms, deadline):
        yield
        raise OperationalError("interrupted")

    monkeypatch.setattr(facet_counts, "_time_limit", cancelled_on_exit)
    done = facet_counts.within_budget(
        "default", [("a", 1), ("b", 2)], lambda task: task * 10, budget_ms=1000
    )
    assert done == {"a": 10, "b": 20}
