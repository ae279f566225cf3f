"""Background counts yield to the requests a process is serving (articles/activity.py).

A count for the next visit starts once its process has served nothing for QUIET_SECONDS, or
after YIELD_MAX_SECONDS of waiting, so that under a load that never pauses it still runs.
"""

import threading
import time

import pytest
from django.db import connection

from articles import activity, facet_counts, facets
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)
from tests.test_facets_deferred import committed_archive  # noqa: F401  (committed, cache empty)

URL = "/quotes/"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Background counts: PostgreSQL only"
)


@pytest.fixture
def long_quiet(monkeypatch):
    """No request served for a minute before the test."""
    monkeypatch.setitem(activity._state, "serving", 0)
    monkeypatch.setitem(activity._state, "ended", time.monotonic() - 60)


def test_a_request_in_flight_is_no_quiet_and_its_end_starts_the_quiet(long_quiet):
    assert activity.quiet_for() >= 60
    with activity.serving():
        assert activity.quiet_for() == 0.0
        with activity.serving():  # a second thread's request (gthread workers)
            pass
        assert activity.quiet_for() == 0.0  # the first is still in flight
    assert 0.0 < activity.quiet_for() < 1.0


def test_a_request_that_fails_still_ends(long_quiet):
    with pytest.raises(ValueError), activity.serving():
        raise ValueError
    assert activity._state["serving"] == 0
    assert 0.0 < activity.quiet_for() < 1.0


def test_no_wait_when_the_process_has_been_quiet(long_quiet):
    assert activity.wait_until_quiet(0.05, 5.0) < 0.05


def test_the_wait_ends_a_quiet_moment_after_the_last_request(long_quiet):
    entered, started = threading.Event(), time.monotonic()

    def request():
        with activity.serving():
            entered.set()
            time.sleep(0.2)

    thread = threading.Thread(target=request)
    thread.start()
    entered.wait(5)
    waited = activity.wait_until_quiet(0.1, 5.0)
    thread.join()
    # The request's 0.2 s, then 0.1 s of quiet; well short of the 5 s at most.
    assert 0.3 <= time.monotonic() - started < 2.0
    assert 0.1 <= waited < 2.0


def test_under_a_load_that_never_pauses_the_wait_gives_up(long_quiet):
    with activity.serving():
        waited = activity.wait_until_quiet(0.05, 0.2)
    assert 0.2 <= waited < 1.0


@pytest.fixture
def count_starts(monkeypatch):
    """When each background count started (time.monotonic())."""
    started = []
    count_now = facet_counts._count_now

    def noted(*args):
        started.append(time.monotonic())
        count_now(*args)

    monkeypatch.setattr(facet_counts, "_count_now", noted)
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    return started


def _join_counts():
    for thread in list(facet_counts._threads):
        thread.join(20)


@postgresql_only
@pytest.mark.usefixtures("committed_archive")
def test_a_count_queued_by_a_page_starts_after_the_page_and_a_quiet_moment(client, count_starts):
    first = client.get(URL)
    ended = time.monotonic()
    assert all(f.counting_later for f in first.context["facets"])
    _join_counts()
    # The page queued it while it was being served (the middleware marks every request).
    assert len(count_starts) == 1
    assert count_starts[0] >= ended + facet_counts.QUIET_SECONDS - 0.01
    assert not any(f.timed_out for f in client.get(URL).context["facets"])


@postgresql_only
@pytest.mark.usefixtures("committed_archive")
def test_counts_wait_while_other_requests_are_served(client, count_starts):
    with activity.serving():  # another request of this process, still in flight
        client.get(URL)
        time.sleep(0.5)
        assert count_starts == []  # waiting for it
    ended = time.monotonic()
    _join_counts()
    assert len(count_starts) == 1 and count_starts[0] >= ended
    assert not any(f.timed_out for f in client.get(URL).context["facets"])


@postgresql_only
@pytest.mark.usefixtures("committed_archive")
def test_counts_go_on_under_a_load_that_never_pauses(client, count_starts, monkeypatch):
    monkeypatch.setattr(facet_counts, "YIELD_MAX_SECONDS", 0.2)
    with activity.serving():
        client.get(URL)
        queued = time.monotonic()
        _join_counts()  # inside: the process is serving all along
    assert len(count_starts) == 1
    assert 0.2 - 0.01 <= count_starts[0] - queued < 5.0
    assert not any(f.timed_out for f in client.get(URL).context["facets"])
