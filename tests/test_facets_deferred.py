"""Facets that the ranking's own time says cannot fit the budget are not tried on the page.

Ranking a search reads every match, and so does grouping the same matches for the facets of
the unused filters, which takes longer (articles/facets.py, GROUPING_PER_SCAN). When the
ranking alone took the budget, those facets go straight to the background count instead of
spending the budget first (facet_counts.count_rows, ``defer``).
"""

import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import facet_counts, facets, search
from articles.filters import RESULT_CAP
from articles.models import Quote
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)
from tests.caches import clear_caches
from tests.test_facets_together import counts, expected, facet_queries

SEARCH = "/quotes/?q=guarantees"
# The rankings of a first search of SEARCH: one. On PostgreSQL its article tier ranks the own
# matches (fewer than the cap), which the page's ranking finds kept; on SQLite the page ranks
# them (search._best_with_tier).
RANKINGS = 1
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Background counts: PostgreSQL only"
)


@pytest.fixture
def slow_ranking(monkeypatch):
    """Every ranking of a search's best ids takes at least ``seconds`` (40 ms unless set)."""
    fetch = facet_counts._fetch
    slow = {"seconds": 0.04, "rankings": 0}

    def ranking_is_slow(alias, query):
        sql = facet_counts._sql(query)
        if sql and "ORDER BY" in sql[0] and sql[0].endswith(f"LIMIT {RESULT_CAP + 1}"):
            slow["rankings"] += 1
            time.sleep(slow["seconds"])
        return fetch(alias, query)

    monkeypatch.setattr(facet_counts, "_fetch", ranking_is_slow)
    return slow


@pytest.fixture
def committed_archive(transactional_db):
    """Committed, so that the background count's own connection sees it."""
    call_command("loaddata", "archive", verbosity=0)
    clear_caches()
    yield
    clear_caches()


def _matches():
    return list(search.search_quotes(Quote.objects.all(), "guarantees"))


@postgresql_only
def test_a_ranking_past_the_budget_sends_the_facets_to_the_background(
    committed_archive, client, monkeypatch, slow_ranking
):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 25)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    with CaptureQueriesContext(connection) as captured:
        first = client.get(SEARCH)
    assert slow_ranking["rankings"] == RANKINGS
    assert facet_queries(captured) == []  # not tried: the ranking alone took the budget
    assert all(f.timed_out and f.counting_later for f in first.context["facets"])
    assert "they are being counted" in first.text
    # The best three by rank (rows of equal rank in the RUM index's order on PostgreSQL).
    rank = {q.pk: q.rank for q in _ranked()}
    assert [rank[q.pk] for q in first.context["page"].rows][:3] == list(rank.values())[:3]
    for thread in list(facet_counts._threads):
        thread.join(10)
    second = client.get(SEARCH)
    assert slow_ranking["rankings"] == RANKINGS  # the ranked ids are kept: none ranked again
    assert not any(f.timed_out for f in second.context["facets"])
    for name in ("speaker", "party", "outlet", "kind"):
        assert counts(second, name) == expected(_matches(), name), name


def test_a_ranking_inside_the_budget_leaves_the_facets_counted_on_the_page(
    archive, client, slow_ranking
):
    # 40 ms of ranking against the tests' 10 s budget: counting may fit, so it is tried.
    with CaptureQueriesContext(connection) as captured:
        page = client.get(SEARCH)
    assert slow_ranking["rankings"] == RANKINGS
    assert len(facet_queries(captured)) == 1
    assert counts(page, "outlet") == expected(_matches(), "outlet")


def test_without_a_background_count_a_slow_ranking_still_lets_the_facets_try(
    archive, client, monkeypatch, slow_ranking
):
    # Inside the test's transaction (and on SQLite) nothing counts later: left out now, the
    # facets would never be counted, so they still get their budget.
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 25)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(SEARCH)
    assert slow_ranking["rankings"] == RANKINGS
    assert len(facet_queries(captured)) == 1
    assert counts(page, "kind") == expected(_matches(), "kind")


def test_scan_times_are_noted_within_a_request_only():
    facet_counts.note_scan("rows", 30.0)
    assert facet_counts.scan_ms("rows") is None
    with facet_counts.one_version_per_request():
        facet_counts.note_scan("rows", 30.0)
        facet_counts.note_scan("rows", 12.0)  # the longest read of the same rows is kept
        assert facet_counts.scan_ms("rows") == 30.0
        assert facet_counts.scan_ms("other rows") is None
    assert facet_counts.scan_ms("rows") is None


def _ranked():
    return search.search_quotes(Quote.objects.all(), "guarantees").order_by("-rank", "-pk")


@pytest.fixture
def ranked_by_the_index(monkeypatch):
    """Caps of 2, so the archive's searches are past them: no article tier, and on PostgreSQL
    the best ids come from the RUM index, which reads only the rows it returns."""
    from articles import pagination

    monkeypatch.setattr(search, "RESULT_COUNT_CAP", 2)
    monkeypatch.setattr(pagination, "RESULT_CAP", 2)
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 25)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    yield
    for thread in list(facet_counts._threads):
        thread.join(10)


@postgresql_only
@pytest.mark.parametrize(("unread_ms", "tried"), [(10_000.0, False), (0.0, True)])
def test_a_ranking_from_the_rum_index_tells_the_facets_what_the_rows_it_skipped_cost(
    committed_archive, client, monkeypatch, ranked_by_the_index, unread_ms, tried
):
    # The index's ranking is quick whatever the number of matches, so its time alone cannot
    # say whether grouping them fits: its estimate of the rows it did not read does.
    asked = []

    def estimate(alias, sql_params, table):
        asked.append(table)
        return unread_ms

    monkeypatch.setattr(search, "estimated_rows", estimate)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(SEARCH)
    assert len([q for q in captured if " <=> " in q["sql"]]) == 1
    assert asked == ["articles_quote"]
    assert len(facet_queries(captured)) == (1 if tried else 0)
    assert all(f.timed_out == (not tried) for f in page.context["facets"])
    if tried:
        assert counts(page, "kind") == expected(_matches(), "kind")


@postgresql_only
def test_the_planner_estimates_the_matches_a_limited_ranking_skips(archive):
    by_index = search.search_quotes(
        Quote.objects.all(), "guarantees", article_tier=search.ArticleTier()
    )
    best = search.by_relevance(by_index).values_list("pk")[:3]
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM articles_quote WHERE search_vector @@ "
            "websearch_to_tsquery('english', 'guarantees')"
        )
        estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
    sql_params = best.query.sql_with_params()
    assert search.estimated_rows("default", sql_params, "articles_quote") == estimate > 0


def test_a_ranking_that_read_every_match_asks_for_no_estimate(archive, client, monkeypatch):
    # Below the caps (an article tier, or fewer matches than the limit) the ranking read every
    # match, and its own time says what reading them costs.
    def estimate(alias, sql_params, table):
        raise AssertionError("no estimate needed")

    monkeypatch.setattr(search, "estimated_rows", estimate)
    clear_caches()
    page = client.get(SEARCH)
    assert page.status_code == 200 and len(page.context["page"].rows) > 3


def test_the_rum_order_is_the_ranks_order(archive):
    quotes = search.search_quotes(
        Quote.objects.all(), "guarantees", article_tier=search.ArticleTier()
    )
    ordered = list(search.by_relevance(quotes))
    ranks = [q.rank for q in ordered]
    assert len(ranks) > 3 and ranks == sorted(ranks, reverse=True)
    assert {q.pk for q in ordered} == {q.pk for q in quotes.order_by("-rank", "-pk")}


@postgresql_only
@pytest.mark.parametrize(("per_id", "tried"), [(1e6, False), (0.0, True)])
def test_an_article_tiers_ids_tell_the_facets_what_its_rows_would_cost(
    committed_archive, client, monkeypatch, per_id, tried
):
    # SEARCH has an article tier, whose statements the ranking reads as ids alone: what the
    # facets weigh is the own matches' ranking plus TIER_ROWS_PER_ID times that read.
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 25)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    monkeypatch.setattr(search, "TIER_ROWS_PER_ID", per_id)
    assert search.article_tier_for(Quote.objects.all(), "guarantees").article_ids
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        page = client.get(SEARCH)
    assert len(facet_queries(captured)) == (1 if tried else 0)
    assert all(f.timed_out == (not tried) for f in page.context["facets"])
    if tried:
        assert counts(page, "kind") == expected(_matches(), "kind")
    for thread in list(facet_counts._threads):
        thread.join(10)
