"""A request writes what it kept to the shared cache once, when its page is built.

facet_counts.one_version_per_request (the middleware around every read-only request) holds the
values kept during the request and writes them together at its end: on PostgreSQL one upsert
(articles/cache_backend.py) where a first search wrote five transactions.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import facet_counts
from tests.budgets import generous_budgets  # noqa: F401  (autouse: every count finishes)
from tests.caches import clear_caches

SEARCH = "/quotes/?q=guarantees"


def _key(name: str) -> str:
    return facet_counts._key(facet_counts.archive_version("default"), name)


def test_values_kept_in_a_request_are_read_back_in_it_and_written_at_its_end(archive):
    clear_caches()
    computed = []

    def compute():
        computed.append(1)
        return ["a value"]

    with facet_counts.one_version_per_request():
        assert facet_counts.kept("default", "a name", compute) == ["a value"]
        assert facet_counts.kept("default", "a name", compute) == ["a value"]
        assert cache.get(_key("a name")) is None  # not written yet
    assert computed == [1]
    assert cache.get(_key("a name")) == ["a value"]


def test_work_that_fails_writes_nothing(archive):
    clear_caches()
    with pytest.raises(ZeroDivisionError), facet_counts.one_version_per_request():
        facet_counts.kept("default", "a name", lambda: ["a value"])
        1 / 0  # noqa: B018
    assert cache.get(_key("a name")) is None


def test_outside_a_request_a_kept_value_is_written_at_once(archive):
    clear_caches()
    facet_counts.kept("default", "a name", lambda: ["a value"])
    assert cache.get(_key("a name")) == ["a value"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database cache: PostgreSQL")
def test_a_first_search_writes_its_kept_values_in_one_statement(archive, client):
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        first = client.get(SEARCH)
    writes = [q["sql"] for q in captured if q["sql"].startswith('INSERT INTO "parley_cache"')]
    assert len(writes) == 1
    # The article tier's count, the own matches it ranked (search.article_tier_for, which the
    # page's ranking reads back) and its articles, the tier's ids by article, the marks, the
    # suggestions and the six facets.
    assert writes[0].count("'::timestamptz)") == 12
    clear_caches_of_this_process()
    with CaptureQueriesContext(connection) as captured:
        second = client.get(SEARCH)
    assert not [q for q in captured if "rum_ts_score" in q["sql"] or "GROUPING SETS" in q["sql"]]
    assert [q.pk for q in second.context["page"].rows] == [q.pk for q in first.context["page"].rows]


def clear_caches_of_this_process():
    from django.core.cache import caches

    caches["process"].clear()
