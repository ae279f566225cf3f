"""Facet counts within a time budget: a facet that cannot be counted in time says so.

Counting a large filtered set (a million quotes) takes longer than a page may spend, so the facet
queries share a budget (articles/facets.py). Past it a facet shows its options without counts and
a notice, never a wrong number and never an error; the rest of the page is unchanged.
"""

import threading
import time
from contextlib import contextmanager
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from articles import facet_counts, facets
from articles.models import Quote
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)
from tests.caches import clear_caches

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


def slow_sql() -> tuple[str, list]:
    """A query that runs for seconds on either database (with a parameter, as facets have)."""
    if connection.vendor == "postgresql":
        return "SELECT pg_sleep(%s)", [3]
    # Many parameters, as a search's list of article ids: formatting them for the log takes
    # SQLite more than the 1,000 instructions between progress-handler checks.
    ids = list(range(-1500, 0))
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        f"WHERE i < %s AND i NOT IN ({', '.join(['%s'] * len(ids))})) "
        "SELECT count(*) FROM n",
        [100_000_000, *ids],
    )


def slow_query():
    with connection.cursor() as cursor:
        cursor.execute(*slow_sql())
        return cursor.fetchall()


@pytest.mark.parametrize("logging_queries", [False, True], ids=["plain", "DEBUG"])
@pytest.mark.django_db
def test_a_query_past_the_budget_is_cancelled_without_an_error(monkeypatch, logging_queries):
    # With DEBUG, Django logs each query and on SQLite formats it by running another statement,
    # which the interrupt stops as well (it raised sqlite3's own error: a 500).
    monkeypatch.setattr(connections["default"], "force_debug_cursor", logging_queries)
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
    reason="Background counts, statement-level triggers: PostgreSQL only",
)


@pytest.fixture
def committed_archive(transactional_db):
    """The curated archive committed (background counts use their own connection), with an
    empty counts cache before and after."""
    call_command("loaddata", "archive", verbosity=0)
    clear_caches()
    yield
    clear_caches()


def test_no_background_counts_unless_turned_on(committed_archive, client, monkeypatch):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", False)
    threads_before = len([t for t in facet_counts._threads if t.is_alive()])
    page = client.get(URL)
    assert all(f.timed_out and not f.counting_later for f in page.context["facets"])
    assert "they are being counted" not in page.text
    assert len([t for t in facet_counts._threads if t.is_alive()]) == threads_before == 0


@postgresql_only
def test_background_counts_are_on_with_the_default_shared_cache():
    # PostgreSQL's default cache is a database table every worker shares (archive/settings.py).
    assert "DatabaseCache" in settings.CACHES["default"]["BACKEND"]
    assert facet_counts.BACKGROUND_COUNTS is True


def test_counts_past_the_budget_are_counted_for_the_next_visit(
    committed_archive, client, monkeypatch
):
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


def test_pages_cut_short_while_counting_goes_on_are_queued_not_dropped(
    committed_archive, client, monkeypatch
):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    urls = [URL, f"{URL}?kind=direct", f"{URL}?outlet=tass", f"{URL}?speaker=sergey-lavrov"]
    # One right after another: the process's counting thread is still busy with the first.
    for url in urls:
        cut_short = [f for f in client.get(url).context["facets"] if f.timed_out]
        # (facets the first pages share may already be counted by then)
        assert all(f.counting_later for f in cut_short), url
    for thread in list(facet_counts._threads):
        thread.join(10)
    for url in urls:
        assert not any(f.timed_out for f in client.get(url).context["facets"]), url


@contextmanager
def counting_lock_held_elsewhere():
    """The site's background-counting lock, held by another connection (another process)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [facet_counts.BACKGROUND_LOCK])
        yield other
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [facet_counts.BACKGROUND_LOCK])
    finally:
        other.close()


def waiting_for_the_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND objid = %s",
            [facet_counts.BACKGROUND_LOCK],
        )
        return cursor.fetchone()[0]


def wait_until(predicate, seconds=10):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@postgresql_only
def test_background_counts_wait_while_another_process_counts(
    committed_archive, client, monkeypatch
):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    with counting_lock_held_elsewhere():
        first = client.get(URL)
        assert all(f.counting_later for f in first.context["facets"])
        wait_until(lambda: waiting_for_the_lock() == 1)  # this process's thread, waiting
        waiting = client.get(URL)
        assert all(f.timed_out and f.counting_later for f in waiting.context["facets"])
    for thread in list(facet_counts._threads):
        thread.join(10)
    assert waiting_for_the_lock() == 0
    counted = client.get(URL)
    assert [(o.value, o.count) for o in facet(counted, "outlet").options] == [
        ("tass", 18),
        ("sputnik", 16),
        ("rt", 8),
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's lock is a file's")
def test_sqlites_background_counts_wait_while_another_process_counts(
    committed_archive, client, monkeypatch
):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    # Held here, on a file of its own: as another process holding the file's lock would.
    with facet_counts._one_at_a_time("default"):
        first = client.get(URL)
        assert all(f.counting_later for f in first.context["facets"])
        time.sleep(0.3)
        assert [t for t in facet_counts._threads if t.is_alive()]  # waiting for the lock
        waiting = client.get(URL)
        assert all(f.timed_out and f.counting_later for f in waiting.context["facets"])
    for thread in list(facet_counts._threads):
        thread.join(10)
    counted = client.get(URL)
    assert [(o.value, o.count) for o in facet(counted, "outlet").options] == [
        ("tass", 18),
        ("sputnik", 16),
        ("rt", 8),
    ]


def test_a_count_being_made_in_the_background_is_not_tried_again_in_a_page(
    committed_archive, client, monkeypatch
):
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    # The background count waits (as for a quiet moment under load) until released.
    release = threading.Event()
    monkeypatch.setattr(facet_counts.activity, "wait_until_quiet", lambda *_: release.wait(10))
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    first = client.get(URL)
    assert all(f.timed_out and f.counting_later for f in first.context["facets"])
    # With time to spare now, the page still leaves to the background what it is counting.
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 10_000)
    with CaptureQueriesContext(connection) as queries:
        waiting = client.get(URL)
    assert all(f.timed_out and f.counting_later for f in waiting.context["facets"])
    assert "they are being counted" in waiting.text
    assert not [q for q in queries if "UNION ALL" in q["sql"]]  # no facet query ran
    release.set()
    for thread in list(facet_counts._threads):
        thread.join(10)
    counted = client.get(URL)
    assert not any(f.timed_out for f in counted.context["facets"])
    outlets = [(o.value, o.count) for o in facet(counted, "outlet").options]
    assert outlets == [("tass", 18), ("sputnik", 16), ("rt", 8)]


def hold_background_counts(monkeypatch) -> tuple[threading.Event, list]:
    """Background counts wait (as for a quiet moment under a load that never pauses) until the
    event is set; the list has one item per wait begun."""
    release = threading.Event()
    waits = []

    def held(*_):
        waits.append(1)
        return release.wait(10)

    monkeypatch.setattr(facet_counts.activity, "wait_until_quiet", held)
    return release, waits


def test_counts_some_of_which_were_culled_are_queued_once_under_the_mark_pages_read(
    committed_archive, client, monkeypatch
):
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    named = {}  # cache key -> the text that names its count
    key = facet_counts._key

    def naming(version, material):
        named[key(version, material)] = material
        return key(version, material)

    monkeypatch.setattr(facet_counts, "_key", naming)
    full = client.get(URL)
    assert not any(f.timed_out for f in full.context["facets"])
    speakers = [(o.value, o.count) for o in facet(full, "speaker").options]
    assert len(speakers) > 1 and all(count > 0 for _, count in speakers)
    # A full cache culls at random: the speaker and party counts go, the others stay.
    culled = [k for k, text in named.items() if text.endswith(("\nspeaker\n20", "\nparty\n20"))]
    assert len(culled) == 2
    for each in caches.all():
        each.delete_many(culled)
    release, waits = hold_background_counts(monkeypatch)
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    first = client.get(URL)
    assert [f.name for f in first.context["facets"] if f.timed_out] == ["speaker", "party"]
    assert all(f.counting_later for f in first.context["facets"] if f.timed_out)
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 10_000)
    with CaptureQueriesContext(connection) as queries:
        waiting = client.get(URL)
    # The page found the mark its first visit left, so it neither counted nor queued again.
    assert [f.name for f in waiting.context["facets"] if f.timed_out] == ["speaker", "party"]
    assert not [q for q in queries if "UNION ALL" in q["sql"]]
    assert len(facet_counts._queue) == 0 and len(waits) == 1  # the one count, waiting
    release.set()
    for thread in list(facet_counts._threads):
        thread.join(10)
    counted = client.get(URL)
    assert not any(f.timed_out for f in counted.context["facets"])
    assert [(o.value, o.count) for o in facet(counted, "speaker").options] == speakers


def test_counts_that_waited_past_their_marks_are_dropped_without_waiting_again(
    committed_archive, client, monkeypatch
):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    release, waits = hold_background_counts(monkeypatch)
    client.get(URL)
    client.get(f"{URL}?kind=direct")
    wait_until(lambda: len(waits) == 1)  # the first page's counts wait for a quiet moment
    monkeypatch.setattr(facet_counts, "LATER_TIMEOUT_MS", 0)  # both have waited too long now
    release.set()
    for thread in list(facet_counts._threads):
        thread.join(10)
    # The second page's counts were given up before another wait, not after it.
    assert len(waits) == 1
    assert not facet_counts._queue


def test_background_counting_rests_as_long_as_it_counted(committed_archive, client, monkeypatch):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    rests, counting = [], []
    count_now = facet_counts._count_now

    def timed_count(*args):
        started = time.monotonic()
        count_now(*args)
        counting.append(time.monotonic() - started)

    monkeypatch.setattr(facet_counts, "_count_now", timed_count)
    monkeypatch.setattr(facet_counts, "_rest", rests.append)
    client.get(URL)
    client.get(f"{URL}?kind=direct")
    for thread in list(facet_counts._threads):
        thread.join(10)
    assert len(rests) == len(counting) == 2
    for rest, took in zip(rests, counting, strict=True):
        assert took <= rest <= took + 0.005  # the time counted, as the thread measured it
    monkeypatch.setattr(facet_counts, "REST_MAX_SECONDS", 0.0001)
    client.get(f"{URL}?kind=partial")
    for thread in list(facet_counts._threads):
        thread.join(10)
    assert rests[2:] == [0.0001]


@postgresql_only
def test_queued_counts_older_than_their_marks_are_dropped(committed_archive, client, monkeypatch):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", True)
    with counting_lock_held_elsewhere():
        client.get(URL)
        wait_until(lambda: waiting_for_the_lock() == 1)
        # By the time the lock is free, the work has waited longer than its marks last.
        monkeypatch.setattr(facet_counts, "LATER_TIMEOUT_MS", 0)
    for thread in list(facet_counts._threads):
        thread.join(10)
    monkeypatch.setattr(facet_counts, "LATER_TIMEOUT_MS", 30_000)
    # Nothing was counted, and its marks are gone: the next visit queues it again.
    again = client.get(URL)
    assert all(f.timed_out and f.counting_later for f in again.context["facets"])
    for thread in list(facet_counts._threads):
        thread.join(10)
    assert not any(f.timed_out for f in client.get(URL).context["facets"])


def test_cached_counts_are_never_served_after_a_write(committed_archive, client, monkeypatch):
    first = client.get(URL)
    assert [(o.value, o.count) for o in facet(first, "outlet").options][0] == ("tass", 18)
    # Cached now: with no time left to count, the same page still shows the counts...
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", False)
    assert not facet(client.get(URL), "outlet").timed_out
    # ...until a write to a counted table: the token moves, the old counts are never read.
    Quote.objects.filter(pk__in=Quote.objects.filter(article__outlet__slug="tass")[:1]).delete()
    assert facet(client.get(URL), "outlet").timed_out
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 10_000)
    assert [(o.value, o.count) for o in facet(client.get(URL), "outlet").options][0] == (
        "tass",
        17,
    )


def test_every_counted_table_moves_the_version_and_a_rollback_does_not(committed_archive):
    from articles.models import Article, Event, Outlet, Party, Speaker

    version = facet_counts.archive_version("default")
    for model in (Quote, Article, Speaker, Party, Event, Outlet):
        # An UPDATE that changes nothing still moves it: the trigger runs per statement.
        model.objects.filter(pk=model.objects.order_by("pk").values("pk")[:1]).update(id=F("id"))
        moved = facet_counts.archive_version("default")
        assert moved != version, model
        version = moved
    with pytest.raises(RuntimeError), transaction.atomic():
        Quote.objects.filter(pk=17).update(note="never")
        assert facet_counts.archive_version("default") != version  # seen inside
        raise RuntimeError
    assert facet_counts.archive_version("default") == version


@postgresql_only
def test_a_bulk_load_session_leaves_the_version_to_its_loader(committed_archive):
    version = facet_counts.archive_version("default")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL parley.bulk_load = on")
        Quote.objects.filter(pk=17).update(note="bulk")
    assert facet_counts.archive_version("default") == version


@pytest.mark.django_db
def test_a_chosen_option_outside_the_largest_groups_keeps_its_count(archive, client, monkeypatch):
    monkeypatch.setattr(facets, "FACET_LIMIT", 2)
    # The two largest speakers are shown, plus the chosen one with its own count.
    page = client.get(f"{URL}?speaker=joe-biden")
    speaker = facet(page, "speaker")
    chosen = [(o.value, o.count) for o in speaker.options if o.selected]
    assert chosen == [("joe-biden", page.context["page"].count)]
    assert len(speaker.options) == 3


def test_a_single_filter_page_reuses_the_unfiltered_count_of_its_own_facet(
    committed_archive, client, monkeypatch
):
    client.get(URL)  # counts every facet of the unfiltered list
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(f"{URL}?speaker=joe-biden")
    # The speaker facet leaves out its own filter: its counts are the unfiltered list's, found
    # in the cache. Only the chosen speaker's own count is read.
    grouped = [
        q["sql"]
        for q in ctx.captured_queries
        if '"articles_quote"."speaker_id" AS "speaker"' in q["sql"]
    ]
    assert len(grouped) == 1 and '"articles_quote"."speaker_id" IN (' in grouped[0]
    speaker = facet(page, "speaker")
    assert [o.value for o in speaker.options][:1] == ["sergey-lavrov"]  # the largest overall
    assert [(o.value, o.count) for o in speaker.options if o.selected] == [
        ("joe-biden", page.context["page"].count)
    ]


def test_a_query_of_stop_words_only_gives_a_page_not_an_error(archive, client):
    # PostgreSQL's parser drops "the" and "of": the search matches nothing, so the facet
    # queries can match nothing either (Django raises EmptyResultSet building them).
    response = client.get(f"{URL}?q=the+of&speaker=sergey-lavrov")
    assert response.status_code == HTTPStatus.OK
    speaker = facet(response, "speaker")
    assert not speaker.timed_out
    if connection.vendor == "postgresql":
        assert response.context["page"].count == 0
        assert [(o.value, o.count) for o in speaker.options] == [("sergey-lavrov", 0)]


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


def test_a_count_that_ran_out_of_time_is_not_tried_again_at_that_version(archive, monkeypatch):
    # Where no background count finishes it (SQLite; here inside the test's transaction), a
    # slow count spent every visit's budget and still showed nothing: it is marked and left
    # out, and the time goes to the other counts, until the archive's version moves.
    clear_caches()
    queries = {"slow": slow_sql(), "quick": ("SELECT 1", ())}
    first = facet_counts.count_rows("default", queries, budget_ms=200)
    assert first.rows == {}  # the slow count took the whole budget: the quick one never ran
    with CaptureQueriesContext(connection) as captured:
        second = facet_counts.count_rows("default", queries, budget_ms=200)
    assert second.rows == {"quick": [(1,)]}
    assert [q["sql"] for q in captured if "pg_sleep" in q["sql"] or "RECURSIVE" in q["sql"]] == []
    assert any(q["sql"].startswith("SELECT 1") for q in captured)
    Quote.objects.filter(pk=26).update(note="edited")
    assert facet_counts.count_rows("default", queries, budget_ms=200).rows == {}
    clear_caches()


def test_speaker_and_event_pages_keep_their_own_facet_counts(archive, client):
    """Facet counts are kept per base rows: a page of one speaker never shows another's."""
    clear_caches()

    def kinds(url):
        (kind,) = [f for f in client.get(url).context["facets"] if f.name == "kind"]
        return {o.value: o.count for o in kind.options}

    pages = [
        "/speakers/sergey-lavrov/",
        "/speakers/alexander-grushko/",
        "/events/nato-russia-council-2022-01-12/",
        "/events/geneva-security-talks-2022-01-10/",
    ]
    first = [kinds(url) for url in pages]
    assert len({tuple(sorted(k.items())) for k in first}) == len(pages)  # all differ
    assert [kinds(url) for url in pages] == first  # second visits, from the cache
    lavrov = Quote.objects.filter(speaker__slug="sergey-lavrov")
    assert sum(first[0].values()) == lavrov.count()
