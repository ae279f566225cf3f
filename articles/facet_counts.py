"""Run counting queries within a time budget; remember what took too long (PostgreSQL).

Counting a large set (facets over a million quotes: 70-750 ms each) cannot fit a page's time.
``count_rows`` runs a page's counting queries under one budget (``within_budget``); a query
that runs out of time is left out, and the page says so. On PostgreSQL the left-out queries are
then run once more without the page's budget, in a background thread, and their rows kept in
Django's cache for the next visit under a key made of the SQL, its parameters and the database
snapshot (``pg_current_snapshot()``): every committed write anywhere in the cluster changes the
snapshot, so a cached count is never served for data that has changed since it was counted.
Inside a transaction (tests, or a request with ATOMIC_REQUESTS) the snapshot does not move with
the transaction's own writes, so nothing is cached there.
"""

from __future__ import annotations

import hashlib
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connections, transaction

CACHE_SECONDS = getattr(settings, "PARLEY_COUNT_CACHE_SECONDS", 3600)
# Off by default: with a per-process cache (locmem) every worker recounts the same facets on its
# own connection, and under load at 1M quotes those counts took the CPU and the connection slots
# the pages needed (bench/RESULTS.md, 08:26 run: "too many clients", list pages at 400+ ms).
# Turn it on only with a shared cache (Redis) so one count serves every worker.
BACKGROUND_COUNTS = getattr(settings, "PARLEY_BACKGROUND_COUNTS", False)
LATER_TIMEOUT_MS = 30_000  # a background count that takes longer than this is abandoned
_threads: list[threading.Thread] = []  # the background counts (tests wait for them)


@dataclass
class Counted:
    rows: dict = field(default_factory=dict)  # name -> rows, for the queries that finished
    later: set = field(default_factory=set)  # names being counted in the background


def count_rows(alias: str, queries: dict, *, budget_ms: float) -> Counted:
    """{name: rows} of ``queries`` ({name: (sql, params)}) that finish within ``budget_ms``."""
    snapshot = _snapshot(alias)
    keys = {name: _key(snapshot, sql, params) for name, (sql, params) in queries.items()}
    counted = Counted(cache.get_many(list(keys.values())) if snapshot else {})
    counted.rows = {name: counted.rows[key] for name, key in keys.items() if key in counted.rows}
    todo = [(name, query) for name, query in queries.items() if name not in counted.rows]
    done = within_budget(alias, todo, lambda query: _fetch(alias, *query), budget_ms=budget_ms)
    counted.rows.update(done)
    if snapshot:
        cache.set_many({keys[name]: rows for name, rows in done.items()}, CACHE_SECONDS)
        missing = {name: query for name, query in todo if name not in done}
        if BACKGROUND_COUNTS:
            counted.later = _count_later(alias, snapshot, missing)
    return counted


def _fetch(alias: str, sql: str, params) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _snapshot(alias: str) -> str | None:
    connection = connections[alias]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        return _read_snapshot(cursor)


def _read_snapshot(cursor) -> str:
    cursor.execute("SELECT pg_current_snapshot()::text")
    return cursor.fetchone()[0]


def _key(snapshot, sql: str, params) -> str:
    text = f"{snapshot}\n{sql}\n{params!r}"
    return "parley-count:" + hashlib.sha256(text.encode()).hexdigest()


def _count_later(alias: str, snapshot: str, queries: dict) -> set:
    """Count ``queries`` in a background thread; the names being (or already being) counted.

    One such thread per process at a time: on a database whose snapshot keeps moving (writes
    elsewhere on the server), every page would otherwise start a full count of its own.
    """
    _threads[:] = [t for t in _threads if t.is_alive()]
    if _threads:
        return set()
    start = {}
    for name, (sql, params) in queries.items():
        key = _key(snapshot, sql, params)
        if cache.add(key + ":pending", True, LATER_TIMEOUT_MS // 1000):
            start[name] = (sql, params)
    if start:
        thread = threading.Thread(target=_count_now, args=(alias, snapshot, start), daemon=True)
        _threads.append(thread)
        thread.start()
    return set(queries)


def _count_now(alias: str, snapshot: str, queries: dict) -> None:
    # This thread has its own connection and reads one snapshot for all its queries, so each
    # result is filed under the snapshot it was counted on (the page's, unless a write came in
    # between: then the page's key is never read again anyway).
    connection = connections[alias]
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute(f"SET LOCAL statement_timeout = {LATER_TIMEOUT_MS:d}")
            counted_on = _read_snapshot(cursor)
            for sql, params in queries.values():
                cursor.execute(sql, params)
                cache.set(_key(counted_on, sql, params), cursor.fetchall(), CACHE_SECONDS)
    except OperationalError:
        pass  # too slow even here: the page keeps saying the counts are not shown
    finally:
        for sql, params in queries.values():
            cache.delete(_key(snapshot, sql, params) + ":pending")
        connection.close()


def within_budget(alias: str, tasks: list, run, *, budget_ms: float) -> dict:
    """{name: run(task)} for the tasks that finish inside the budget, in order; the rest left out.

    PostgreSQL stops a query at ``statement_timeout``, set in a savepoint so that cancelling it
    leaves the request's transaction usable; SQLite's progress handler interrupts it. Each
    block's timeout is what remained of the budget when it started.
    """
    deadline = time.monotonic() + budget_ms / 1000
    done: dict = {}
    pending = list(tasks)
    while pending:
        remaining_ms = (deadline - time.monotonic()) * 1000
        if remaining_ms < 1:
            break
        try:
            with _time_limit(connections[alias], remaining_ms, deadline):
                while pending:
                    if time.monotonic() >= deadline:
                        return done
                    name, task = pending[0]
                    done[name] = run(task)
                    pending.pop(0)
        except OperationalError as error:
            if not _was_cancelled(error):
                raise
            # The task that ran out of time; the rest try with what remains. The cancel can also
            # land on the savepoint's RELEASE after the last task finished: nothing to drop then.
            if pending:
                pending.pop(0)
    return done


@contextmanager
def _time_limit(connection, ms: float, deadline: float):
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(int(ms))])
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        raw.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)
        return
    yield


def _was_cancelled(error: OperationalError) -> bool:
    cause = error.__cause__
    # 57014: query_canceled (statement_timeout); SQLite says "interrupted".
    return getattr(cause, "sqlstate", None) == "57014" or "interrupted" in str(error)
