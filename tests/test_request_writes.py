"""A request writes what it kept to the shared cache once, after its response has been sent.

facet_counts.one_version_per_request (the middleware around every read-only request) holds the
values kept during the request and writes them together at its end: on PostgreSQL one upsert
(articles/cache_backend.py) where a first search wrote five transactions.
"""

from unittest import mock

import pytest
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import DatabaseError, close_old_connections, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from articles import activity, facet_counts
from articles.middleware import archive_version_once
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


def _sent(response) -> None:
    """Close ``response`` as the server does once it has sent it, but keep the test's
    connection (and transaction) open, as Django's test client does."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _page_keeping(value, seen: dict):
    """A view that keeps ``value`` and notes whether this process counts it as serving."""

    def view(request):
        facet_counts.kept("default", "a name", lambda: value)
        seen["serving"] = activity.quiet_for() == 0.0
        return HttpResponse("the page")

    return view


def test_a_request_writes_its_kept_values_once_its_response_is_closed(archive):
    clear_caches()
    seen = {}
    response = archive_version_once(_page_keeping(["a value"], seen))(RequestFactory().get("/"))
    assert seen == {"serving": True}
    assert response.content == b"the page"
    # The server has the page to send; the values wait until it closes the response.
    assert cache.get(_key("a name")) is None
    written = []
    with mock.patch.object(cache, "set_many", wraps=cache.set_many) as set_many:

        def note(*args):
            written.append(activity.quiet_for() == 0.0)
            return mock.DEFAULT  # the wrapped set_many writes too

        set_many.side_effect = note
        _sent(response)
    assert written == [True]  # once, and as served work: background counts wait for it
    set_many.assert_called_once_with({_key("a name"): ["a value"]}, facet_counts.CACHE_SECONDS)
    assert cache.get(_key("a name")) == ["a value"]


def test_a_write_after_the_response_that_fails_is_logged_and_loses_the_page_nothing(
    archive, caplog
):
    clear_caches()
    response = archive_version_once(_page_keeping(["a value"], {}))(RequestFactory().get("/x/"))
    with mock.patch.object(cache, "set_many", side_effect=DatabaseError("server gone")):
        _sent(response)  # it must not raise
    assert response.content == b"the page"
    assert cache.get(_key("a name")) is None
    (record,) = [r for r in caplog.records if r.name == "articles.middleware"]
    assert record.getMessage() == "The values kept while serving /x/ were not written"
    assert "server gone" in record.exc_text


def test_a_request_that_keeps_nothing_writes_nothing(archive):
    clear_caches()
    plain = archive_version_once(lambda request: HttpResponse("plain"))
    response = plain(RequestFactory().get("/"))
    with mock.patch.object(cache, "set_many") as set_many:
        _sent(response)
    set_many.assert_not_called()


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


def test_a_page_nobody_has_served_asks_the_shared_cache_once(archive):
    clear_caches()
    computed = []

    def page(*names):
        with (
            mock.patch.object(cache, "get_many", wraps=cache.get_many) as asked,
            facet_counts.one_version_per_request(),
            facet_counts.visiting("default", "quotes:a search"),
        ):
            for name in names:
                facet_counts.kept("default", name, lambda name=name: computed.append(name) or name)
        return asked.call_count

    assert page("one", "two", "three") == 1
    assert computed == ["one", "two", "three"]
    clear_caches_of_this_process()
    # Served now: each value is asked for where the page needs it, and read back, and a value
    # it did not keep yet is computed.
    assert page("one", "two", "four") == 3
    assert computed == ["one", "two", "three", "four"]


def test_values_read_outside_the_page_are_asked_for(archive):
    clear_caches()
    facet_counts.kept("default", "shared", lambda: "kept before")
    clear_caches_of_this_process()
    with facet_counts.one_version_per_request():
        with facet_counts.visiting("default", "quotes:a search"):
            facet_counts.kept("default", "own", lambda: "computed")
        # The page's own part is over: this is read as on any page.
        assert facet_counts.kept("default", "shared", lambda: "computed again") == "kept before"
        with facet_counts.visiting("default", None):  # no search: nothing changes
            assert facet_counts.kept("default", "shared", lambda: "again") == "kept before"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database cache: PostgreSQL")
def test_a_first_search_writes_its_kept_values_in_one_statement(archive, client):
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        first = client.get(SEARCH)
    writes = [q["sql"] for q in captured if q["sql"].startswith('INSERT INTO "parley_cache"')]
    assert len(writes) == 1
    # The article tier's count, the own matches it ranked (search.article_tier_for, which the
    # page's ranking reads back) and its articles, the tier's ids by article, the marks, the
    # suggestions, the six facets and the mark that the search was served (visiting).
    assert writes[0].count("'::timestamptz)") == 13
    # Nothing was kept for it: the shared cache was asked once, not once per value.
    assert len(_cache_reads(captured)) == 1
    clear_caches_of_this_process()
    with CaptureQueriesContext(connection) as captured:
        second = client.get(SEARCH)
    assert not [q for q in captured if "rum_ts_score" in q["sql"] or "GROUPING SETS" in q["sql"]]
    assert [q.pk for q in second.context["page"].rows] == [q.pk for q in first.context["page"].rows]
    # Served before: each value is asked for where the page needs it (this process forgot them).
    assert len(_cache_reads(captured)) > 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database cache: PostgreSQL")
def test_a_value_other_pages_share_is_read_on_a_first_search(archive, client):
    """Only the search's own values are skipped: a speaker page's side lists are read kept."""
    clear_caches()
    speaker = "/speakers/sergey-lavrov/"
    client.get(speaker)
    clear_caches_of_this_process()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(speaker, {"q": "guarantees"})
    assert response.status_code == 200
    assert response.context["page"].rows
    sql = [q["sql"] for q in captured]
    # The speaker's events were kept by the first visit: read back, not listed again.
    assert not [q for q in sql if 'FROM "articles_event" INNER JOIN "articles_quote"' in q]
    assert len(_cache_reads(captured)) == 2  # the speaker page's values, then the search's


def _cache_reads(captured) -> list[str]:
    return [q["sql"] for q in captured if 'FROM "parley_cache" WHERE' in q["sql"]]


def clear_caches_of_this_process():
    from django.core.cache import caches

    caches["process"].clear()
