"""Run counting queries within a time budget; keep what they counted for the next visit.

Counting a large set (facets over a million quotes: 70-750 ms each) cannot fit a page's time.
``count_rows`` runs a page's counting queries under one budget (``within_budget``); a query
that runs out of time is left out, and the page says so. Finished counts are kept in Django's
cache under a key made of the SQL, its parameters and the archive's version token (PostgreSQL,
migration 0005): every write to a counted table changes the token in the same commit, so a
cached count is never served for rows that have changed since. With a cache that all workers
share (the default on PostgreSQL), the left-out queries are then run once more without the
page's budget in a background thread, so the next visit finds them. ``manage.py count_facets``
fills the cache ahead of readers after a bulk load. SQLite keeps the token too (migration 0007)
and caches in each process's memory by default; given a cache its workers share
(``PARLEY_CACHE=file:…``) it counts in the background too.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import sqlite3
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import OperationalError, connections, transaction

from articles import activity, statement_local

# A token moves with every write, so entries only need to expire to make room; a day bounds how
# long a count of a version nobody reads any more takes space.
CACHE_SECONDS = getattr(settings, "PARLEY_COUNT_CACHE_SECONDS", 86_400)


# Only with a shared cache: with a per-process one (locmem) every worker recounted the same
# facets on its own connection, and under load at 1M quotes those counts took the CPU and the
# connection slots the pages needed (bench/RESULTS.md, 08:26 run: "too many clients").
def shared_cache() -> bool:
    """Whether every process reads the same cache (not the default per-process memory)."""
    return not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


BACKGROUND_COUNTS = getattr(settings, "PARLEY_BACKGROUND_COUNTS", shared_cache())
LATER_TIMEOUT_MS = 30_000  # a background count that takes longer than this is abandoned
_threads: list[threading.Thread] = []  # the background counts (tests wait for them)
_queue: deque = deque()  # (alias, version, {cache key: query}, when queued) to be counted
_lock = threading.Lock()
_draining = {"on": False}
MAX_QUEUED = 100
# Background counts are for the next visit; pages are for the reader waiting now. So the site
# counts one query at a time in the background, whatever its number of processes (a
# PostgreSQL advisory lock), and after each count rests as long as it counted (at most
# REST_MAX_SECONDS): on a two-core server, counting for the next visit takes at most half a
# core. Without it, a burst of new searches at 1M quotes kept every process's counting thread
# busy on large sets (a common stem's facets read up to 160,000 rows), beside the pages.
BACKGROUND_LOCK = 0x5061726C  # "Parl": the advisory lock's key, for this site's database
REST_RATIO = 1.0
REST_MAX_SECONDS = 5.0
# And each count first waits until this process has served no request for QUIET_SECONDS, or
# for YIELD_MAX_SECONDS at most (articles/activity.py): a burst of new searches is not served
# beside counts for their next visits, and under a load that never pauses counting goes on.
# YIELD_MAX_SECONDS stays well below LATER_TIMEOUT_MS, past which a queued count is dropped.
QUIET_SECONDS = 0.05
YIELD_MAX_SECONDS = 10.0
# Marks a query that ran out of a page's time at a version, where nothing counts it later. It
# is tried again after SLOW_SECONDS, in case a burst of load rather than its size stopped it.
SLOW = ":slow"
SLOW_SECONDS = 600


@dataclass
class Counted:
    rows: dict = field(default_factory=dict)  # name -> rows, for the queries that finished
    later: set = field(default_factory=set)  # names being counted in the background


@dataclass(eq=False)
class Together:
    """One query for several names of ``count_rows``: each name's query is this same object.

    Of those names, the ones not cached are counted by one query, ``build(names)``, whose rows
    ``split(rows)`` turns into {name: rows}. Facets that count the same rows (their own filters
    unused) share one: a single pass over a search's matches for all of them, where a query
    each read the matches' pages six times (at 1M quotes a common stem matched 39,000 quotes on
    24,000 of the table's 62,000 pages, more than PostgreSQL's default shared_buffers hold).
    """

    build: Callable[[list[str]], tuple | None]
    split: Callable[[list[tuple]], dict]


@dataclass(frozen=True)
class _Task:
    names: tuple  # the names its rows answer
    query: Any  # (sql, params), a function building it, or None
    split: Callable[[list[tuple]], dict] | None = None  # for a Together
    # For a Together: every name of the page that shares it, asked or not. Its mark (_pending)
    # is theirs, so that a page finds the mark whichever of them it was queued for.
    members: tuple = ()

    def rows(self, alias: str) -> dict:
        found = _fetch(alias, self.query)
        if self.split is None:
            return {self.names[0]: found}
        return {name: [] for name in self.names} | self.split(found)

    def built(self) -> _Task:
        return _Task(self.names, _sql(self.query), self.split, self.members)


def _tasks(queries: dict, names: list[str]) -> list[tuple[str, _Task]]:
    """The queries that count ``names``, in order: one per Together, whatever its names."""
    members: dict[int, list[str]] = {}
    order: list = []
    for name in names:
        query = queries[name]
        if not isinstance(query, Together):
            order.append((name, query))
        elif id(query) in members:
            members[id(query)].append(name)
        else:
            members[id(query)] = [name]
            order.append((members[id(query)], query))
    tasks = []
    for name, query in order:
        if isinstance(query, Together):
            group = tuple(name)
            build = functools.partial(query.build, list(group))
            every = tuple(n for n, q in queries.items() if q is query)
            tasks.append(("+".join(group), _Task(group, build, query.split, every)))
        else:
            tasks.append((name, _Task((name,), query)))
    return tasks


def count_rows(
    alias: str,
    queries: dict,
    *,
    budget_ms: float,
    keys: dict | None = None,
    defer: frozenset = frozenset(),
) -> Counted:
    """{name: rows} of ``queries`` that are cached or finish within ``budget_ms``.

    A query is ``(sql, params)``, or a function that builds it (or returns None for a query that
    can match nothing), or a Together that several names share: with ``keys`` ({name: text that
    identifies the query}) a cached count is found without building its SQL, which for a page's
    seven facet queries took longer than reading their counts. Each name is cached on its own,
    so a Together's names are found again by pages that count them apart or with others.

    Names in ``defer`` that are not cached are not tried within the budget where a background
    count will count them: the caller knows they cannot finish in it (facets.quote_facets).
    """
    version = archive_version(alias)
    if keys is None:
        if any(isinstance(query, Together) for query in queries.values()):
            raise TypeError("queries that share a Together need keys")
        keys = {name: _material(_sql(query)) for name, query in queries.items()}
    cache_keys = {name: _key(version, material) for name, material in keys.items()}
    # A query that ran out of time at this version is not tried again for a while where no
    # background count will finish it (SQLite, a per-process cache): every visit of a common
    # word's page spent the whole budget on it and showed no count anyway (25 of 48 ms at
    # 100,000 quotes).
    background = _background(alias)
    # The marks of the counts this page would queue if none were kept, read with the counts: a
    # count already being made in the background (it ran out of a page's time, or could not fit)
    # is not tried again in the page. Each visit of a common word's new search spent its whole
    # facet budget on it until the background count had finished (24 of 41 ms at 1M quotes).
    marks = []
    if background and version:
        marks = [_pending(task, cache_keys) for _, task in _tasks(queries, list(queries))]
    hits = {}
    if version:
        hits = _get_many(list(cache_keys.values()), marks=marks)
        # The marks change under their keys: only the shared cache has them, and not for a
        # page nobody has served at this version (visiting).
        if not background and not _unvisited():
            hits.update(
                cache.get_many([key + SLOW for key in cache_keys.values() if key not in hits])
            )
    counted = Counted({name: hits[key] for name, key in cache_keys.items() if key in hits})
    todo = _tasks(
        queries,
        [
            name
            for name in queries
            if name not in counted.rows and (background or cache_keys[name] + SLOW not in hits)
        ],
    )
    cancelled: list = []
    now = todo
    elsewhere = set()  # labels of the counts being made in the background
    if background and version:
        elsewhere = {label for label, task in todo if _pending(task, cache_keys) in hits}
        now = [
            (label, task)
            for label, task in todo
            if not set(task.names) <= defer and label not in elsewhere
        ]
    done = within_budget(
        alias, now, lambda task: task.rows(alias), budget_ms=budget_ms, cancelled=cancelled
    )
    finished = {name: rows for found in done.values() for name, rows in found.items()}
    counted.rows.update(finished)
    if version:
        if finished:
            _set_many({cache_keys[name]: rows for name, rows in finished.items()})
        tasks = dict(todo)
        if cancelled and not background:
            slow = [name for label in cancelled for name in tasks[label].names]
            cache.set_many({cache_keys[name] + SLOW: True for name in slow}, SLOW_SECONDS)
        if background and len(done) < len(todo):
            missing = [
                task.built() for label, task in todo if label not in done and label not in elsewhere
            ]
            counted.later = {
                name for label, task in todo if label in elsewhere for name in task.names
            }
            if missing:
                counted.later |= _count_later(alias, version, missing, cache_keys)
    return counted


def _background(alias: str) -> bool:
    """Whether counts left out of a page are counted in the background for the next visit."""
    # Inside a transaction the page may see its own uncommitted writes, which another
    # connection would not count.
    connection = connections[alias]
    return (
        BACKGROUND_COUNTS
        and connection.vendor in ("postgresql", "sqlite")
        and not connection.in_atomic_block
    )


def remembered(
    alias: str,
    sql_params: tuple,
    *,
    scan: str | None = None,
    unread_ms: Callable[[list[tuple], float], float] | None = None,
) -> list[tuple]:
    """The rows of a query, kept in the cache under the archive's version like the counts.

    For result lists a page must show whatever they cost (a search's best ids, its capped
    count): the first visit runs the query, every later one, and every other page of the same
    search, reads it until a write changes the version. Solr's queryResultCache does the same.
    A query that runs notes how long it took (or ``unread_ms(rows, ms)`` where that is longer:
    what reading the rows an index skipped would take, given that reading ``rows`` took
    ``ms``); with ``scan`` (the name of the rows the query reads all of) that time is noted
    under the name for the rest of the request (``scan_ms``), also when the query ran earlier
    in the same request (a search's article tier ranks the page's own matches first).
    """
    material = _material(sql_params)

    def fetch():
        started = time.monotonic()
        rows = _fetch(alias, sql_params)
        ms = (time.monotonic() - started) * 1000
        note_scan(_READ + material, max(ms, unread_ms(rows, ms)) if unread_ms else ms)
        return rows

    rows = kept(alias, material, fetch)
    if scan is not None and (ms := scan_ms(_READ + material)) is not None:
        note_scan(scan, ms)
    return rows


# What a query read, noted under its SQL (remembered) beside the sets' names (facets.rows_key).
_READ = "read:"


def read_ms(sql_params: tuple) -> float | None:
    """How long a query of ``remembered`` took to read its rows earlier in this request."""
    return scan_ms(_READ + _material(sql_params))


def base_name(queryset) -> str:
    """Names a queryset's rows by its model and conditions, without compiling its SQL: part of
    the name a value kept for those rows is found by (facets, a search's article tier)."""
    return f"{queryset.model._meta.label}: {queryset.query.where}"


def kept(alias: str, name: str, compute: Callable[[], Any]) -> Any:
    """What ``compute()`` returns (picklable, never None), kept under the archive's version.

    ``name`` must say everything the value depends on apart from the archive's rows: an event
    page's side lists are named by the event's id. A value whose shape changes needs a new
    name, or code deployed under an unchanged version would read the old code's shape. Without
    a version token (another database) nothing is kept.
    """
    version = archive_version(alias)
    if not version:
        return compute()
    key = _key(version, name)
    value = _get_many([key]).get(key)
    if value is None:
        value = compute()
        _set_many({key: value})
    return value


def _near():
    """This process's own memory in front of a shared cache (settings: CACHES["process"]);
    None where the cache is already the process's own (locmem)."""
    return caches["process"] if shared_cache() and "process" in settings.CACHES else None


@contextmanager
def visiting(alias: str, name: str | None):
    """Within it, the request serves the page ``name`` (a search's words and where they are
    searched; None: no such page), and when nothing has served it since the archive last
    changed, the shared cache is asked once, not for each value the page keeps.

    A search nobody has asked keeps five to seven values (its ranking, its article tier, its
    marks, its facets, the speakers its words name), and found none of them kept, each in a
    round trip of its own: about 2 ms of a 30 ms first search at 1M quotes. The first of
    those reads also reads a mark written with the page's values, at the end of the request
    that first served it (one_version_per_request); without it every later read in the request
    is a miss without asking. A value kept without the mark (a background count of a visit
    that failed) is then counted again, never shown stale: every key names the version.
    Only the values the page's ``name`` decides belong inside: a value other pages share (a
    speaker page's side lists) read inside on a first search would be counted again. Outside a
    request, or without a version token, it does nothing.
    """
    version = None
    if name is not None and _unwritten.get() is not None:
        version = archive_version(alias)
    reset = _visit.set(_Visit(_key(version, "visited:" + name))) if version else None
    try:
        yield
    finally:
        if reset is not None:
            _visit.reset(reset)


def _unvisited() -> bool:
    """Whether this request serves a page the shared cache was found to hold nothing of."""
    visit = _visit.get()
    return visit is not None and visit.nothing_kept is True


def _get_many(keys: list[str], *, marks: list[str] = ()) -> dict:
    """Values kept under version keys: from this request's unwritten ones, this process's
    memory, else the shared cache. ``marks`` (whose values change under their keys: a pending
    count's) are read from the shared cache alone, with the keys it is asked for, if any.
    On a page nobody has served at this version (``visiting``) the shared cache is asked once."""
    unwritten = _unwritten.get() or {}
    found = {key: unwritten[key] for key in keys if key in unwritten}
    near = _near()
    if near:
        found.update(near.get_many([key for key in keys if key not in found]))
    rest = [key for key in keys if key not in found]
    if not rest or _unvisited():
        return found  # all found, or nothing of this page's was kept at this version
    visit = _visit.get()
    # The first read of a page that said what it serves also asks for its mark (visiting).
    probe = [visit.key] if visit is not None and visit.nothing_kept is None else []
    far = cache.get_many([*rest, *marks, *probe])
    if probe:
        visit.nothing_kept = far.pop(probe[0], None) is None
        if visit.nothing_kept:
            _unwritten.get()[probe[0]] = True  # written with the page's values, at its end
    kept_far = {key: value for key, value in far.items() if key not in marks}
    if near and kept_far:
        near.set_many(kept_far, CACHE_SECONDS)
    found.update(far)
    return found


def _set_many(values: dict) -> None:
    """Keep ``values``: in this process's memory now, in the shared cache now or, within a
    request, once at its end (one_version_per_request)."""
    near = _near()
    if near:
        near.set_many(values, CACHE_SECONDS)
    unwritten = _unwritten.get()
    if unwritten is None:
        cache.set_many(values, CACHE_SECONDS)
    else:
        unwritten.update(values)


def _sql(query) -> tuple | None:
    return query() if callable(query) else query


def _material(sql_params: tuple | None) -> str:
    return repr(sql_params)


def _fetch(alias: str, query) -> list[tuple]:
    sql_params = _sql(query)
    if sql_params is None:
        return []
    deadline = _deadline.get()
    with connections[alias].cursor() as cursor:
        if deadline is not None:
            return statement_local.fetchall(cursor, statement_local.timeout(deadline), *sql_params)
        cursor.execute(*sql_params)
        return cursor.fetchall()


# Within a budget outside any transaction (_time_limit): when its queries must be cancelled.
_deadline: ContextVar[float | None] = ContextVar("parley_count_deadline", default=None)


# Each database's version token, read once per read-only request (one_version_per_request):
# a search page asked for it three times (ranked ids, the article tier, the facets).
_versions: ContextVar[dict | None] = ContextVar("parley_archive_versions", default=None)
# How long reading all of a set of rows took earlier in the request ({name: ms}, note_scan).
_scans: ContextVar[dict | None] = ContextVar("parley_scans", default=None)
# Values kept during the request, for the shared cache when it ends ({cache key: value}).
_unwritten: ContextVar[dict | None] = ContextVar("parley_unwritten", default=None)


@dataclass
class _Visit:
    """The page this request serves, where it said (visiting)."""

    key: str  # its mark's cache key
    nothing_kept: bool | None = None  # whether the shared cache held nothing of it (None: unasked)


_visit: ContextVar[_Visit | None] = ContextVar("parley_visit", default=None)


@contextmanager
def one_version_per_request(*, after: list | None = None):
    """Within it, each database's version token is read once and then reused, and the values
    kept are written to the shared cache together when it ends; with ``after``, that write is
    appended to it as a function instead, for the caller to run when it chooses (the
    middleware: once the response has been sent).

    Only for work that writes none of the archive's tables, such as a GET request: a write
    inside would change the token while this kept the old one. Threads started inside (the
    background counts) do not see it: they start in a context of their own. A first search
    wrote its eleven kept values in five transactions of three round trips each; now one
    upsert writes them all (cache_backend), after the page is built (through the middleware,
    after it is sent). Work that raises inside writes nothing.
    """
    resets = _versions.set({}), _scans.set({}), _unwritten.set({}), _visit.set(None)
    try:
        yield
        if unwritten := _unwritten.get():
            write = functools.partial(_write_kept, unwritten)
            if after is None:
                write()
            else:
                after.append(write)
    finally:
        for var, reset in zip((_versions, _scans, _unwritten, _visit), resets, strict=True):
            var.reset(reset)


def _write_kept(values: dict) -> None:
    cache.set_many(values, CACHE_SECONDS)


def note_scan(name: str, ms: float) -> None:
    """Note that reading every row of the set ``name`` (facets.rows_key) took ``ms`` just now.

    Only within a request (one_version_per_request); elsewhere nothing is noted.
    """
    scans = _scans.get()
    if scans is not None:
        scans[name] = max(ms, scans.get(name, 0.0))


def scan_ms(name: str) -> float | None:
    """How long reading every row of the set ``name`` took earlier in this request, if known."""
    scans = _scans.get()
    return None if scans is None else scans.get(name)


def archive_version(alias: str) -> str | None:
    """The archive's version token as this connection sees it (migrations 0005 and 0007)."""
    connection = connections[alias]
    if connection.vendor not in ("postgresql", "sqlite"):
        return None
    versions = _versions.get()
    if versions is not None and alias in versions:
        return versions[alias]
    with connection.cursor() as cursor:
        version = _read_version(cursor)
    if versions is not None:
        versions[alias] = version
    return version


def _read_version(cursor) -> str:
    cursor.execute("SELECT CAST(token AS text) FROM parley_archive_version")
    return cursor.fetchone()[0]


@functools.cache
def _schema() -> str:
    """The models' shape as this code defines them: part of every key.

    Kept values can be model instances (an event page's participants), pickled. A deploy that
    adds or drops a column changes no row, so the archive's version stays; without this, the
    new code would read instances pickled with the old fields.
    """
    from django.apps import apps

    shape = [
        (model._meta.label, [field.attname for field in model._meta.concrete_fields])
        for model in apps.get_models()
    ]
    return hashlib.sha256(repr(sorted(shape)).encode()).hexdigest()[:16]


def _key(version, material: str) -> str:
    text = f"{version}\n{_schema()}\n{material}"
    # surrogatepass: material can carry what a visitor typed, lone surrogates included.
    return "parley-count:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _count_later(alias: str, version: str, tasks: list[_Task], cache_keys: dict) -> set:
    """Queue ``tasks`` (their names cached under ``cache_keys``) for this process's counting thread.

    One counting thread per process, which counts the queued pages one after another, and each
    query counted by one process at a time (a "pending" mark in the shared cache): while the
    archive is being written to, its version keeps moving, and every page would otherwise start
    full counts of its own. The threads of all processes count one query at a time and rest
    between counts (BACKGROUND_LOCK, REST_RATIO), so work queued behind them can wait; what
    waited longer than its mark lasts is dropped unread, and the next visit queues it again.
    Returns the names being counted (here or by another process).
    """
    start = {
        _pending(task, cache_keys): (task, {name: cache_keys[name] for name in task.names})
        for task in tasks
        if task.query is not None
    }
    start = {
        mark: work
        for mark, work in start.items()
        if cache.add(mark, True, LATER_TIMEOUT_MS // 1000)
    }
    if start:
        with _lock:
            if len(_queue) >= MAX_QUEUED:
                # Past this the thread is far behind: do not promise counts it will not reach.
                cache.delete_many(list(start))
                return set()
            _queue.append((alias, version, start, time.monotonic()))
            if not _draining["on"]:
                _draining["on"] = True
                thread = threading.Thread(target=_drain, daemon=True)
                _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
                thread.start()
    return {name for task in tasks for name in task.names}


def _pending(task: _Task, cache_keys: dict) -> str:
    """The mark of a query being counted: its cache key's, or its Together's keys' together.

    A Together's mark is named by all of its names, not by those a page asked it for: a page
    reads the marks before it knows which of its counts are kept, and one that found some kept
    (a full cache culls at random) queued the rest under a mark of their own, which no visit
    read. Each visit then counted them again within its budget, and queued them again: at
    100,000 quotes on SQLite, after a burst of new searches filled the cache, the quote list
    took 36 ms at p50 instead of 3 until the background reached them.
    """
    keys = sorted(cache_keys[name] for name in task.members or task.names)
    if len(keys) == 1:
        return keys[0] + ":pending"
    return "parley-count:" + hashlib.sha256("\n".join(keys).encode()).hexdigest() + ":pending"


def _drain() -> None:
    # Until the queue is empty; "on" is cleared under the same lock _count_later checks it
    # under, so a page queued while this thread is finishing always gets a thread.
    aliases = set()
    try:
        while True:
            with _lock:
                if not _queue:
                    _draining["on"] = False
                    return
                alias, version, work, queued = _queue.popleft()
            aliases.add(alias)
            # Dropped before waiting too: under a load that never pauses each wait is the
            # longest, and a queue of counts already given up took that long for each.
            if _expired(work, queued):
                continue
            # Pages first: a count starts once this process has served nothing for a moment.
            activity.wait_until_quiet(QUIET_SECONDS, YIELD_MAX_SECONDS)
            try:
                with _one_at_a_time(alias):
                    if _expired(work, queued):
                        continue
                    started = time.monotonic()
                    _count_now(alias, version, work)
                    _rest(min((time.monotonic() - started) * REST_RATIO, REST_MAX_SECONDS))
            except Exception:  # noqa: BLE001 - one failed count must not stop the others
                connections[alias].close()  # a broken connection is not reused
    finally:
        for alias in aliases:
            connections[alias].close()


def _expired(work: dict, queued: float) -> bool:
    """Whether queued ``work``'s marks have expired; its marks are then deleted (a visit since
    may have queued it again)."""
    if time.monotonic() - queued <= LATER_TIMEOUT_MS / 1000:
        return False
    cache.delete_many(list(work))
    return True


def _rest(seconds: float) -> None:
    # Still holding the lock: every process's counting rests, not only this one's.
    time.sleep(seconds)


@contextmanager
def _one_at_a_time(alias: str):
    """Hold the site's background-counting lock (waiting for it) while inside: PostgreSQL's
    advisory lock, or for SQLite a lock on a file named after the database, which every
    process on the machine sees (SQLite is one machine's database)."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        name = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"parley-count-{name}.lock"
        with open(path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [BACKGROUND_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BACKGROUND_LOCK])


def _count_now(alias: str, page_version: str, work: dict) -> None:
    # This thread has its own connection and reads one snapshot for all its queries. The counts
    # are filed under the page's key only if the version is still the page's: otherwise they
    # would be counts of newer rows under an older version (whose key is never read again
    # anyway once the version has moved, but nothing is filed that could be wrong).
    connection = connections[alias]
    counted = {}
    try:
        with transaction.atomic(using=alias), _later_limit(connection) as cursor:
            version = _read_version(cursor)
            for task, keys in work.values():
                for name, rows in task.rows(alias).items():
                    counted[keys[name]] = rows
        # Filed after the read-only transaction: the cache may be a table of this database.
        if counted and version == page_version:
            cache.set_many(counted, CACHE_SECONDS)
    except (OperationalError, sqlite3.OperationalError):
        pass  # too slow even here: the page keeps saying the counts are not shown
    finally:
        cache.delete_many(list(work))


@contextmanager
def _later_limit(connection):
    """A cursor reading one snapshot, stopped after LATER_TIMEOUT_MS, inside the caller's
    transaction: PostgreSQL's read-only repeatable read and statement_timeout; SQLite's
    transaction holds its snapshot from the first read, and its progress handler stops it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute(f"SET LOCAL statement_timeout = {LATER_TIMEOUT_MS:d}")
            yield cursor
            return
        deadline = time.monotonic() + LATER_TIMEOUT_MS / 1000
        with _time_limit(connection, LATER_TIMEOUT_MS, deadline):
            yield cursor


def within_budget(
    alias: str, tasks: list, run, *, budget_ms: float, cancelled: list | None = None
) -> dict:
    """{name: run(task)} for the tasks that finish inside the budget, in order; the rest left out.

    The names of the tasks stopped while running (not those never started) go to ``cancelled``.

    PostgreSQL stops a query at ``statement_timeout``: each query's own, sent with it
    (statement_local; ``run`` must read through ``_fetch``), or inside someone's transaction
    set in a savepoint, so that cancelling it leaves their transaction usable, for what
    remained of the budget when the block began. SQLite's progress handler interrupts it.
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
        # With query logging on (DEBUG), Django formats an interrupted SQLite query by running
        # another statement, which the progress handler interrupts too: that error comes out
        # as sqlite3's own class, not Django's (seen as a 500 on `make run` at 100k quotes).
        except (OperationalError, sqlite3.OperationalError) as error:
            if not _was_cancelled(error):
                raise
            # The task that ran out of time; the rest try with what remains. The cancel can also
            # land on the savepoint's RELEASE after the last task finished: nothing to drop then.
            if pending:
                name, _ = pending.pop(0)
                if cancelled is not None:
                    cancelled.append(name)
    return done


@contextmanager
def _time_limit(connection, ms: float, deadline: float):
    if statement_local.possible(connection):
        # Each query of the block is sent with what remains of the budget (_fetch).
        token = _deadline.set(deadline)
        try:
            yield
        finally:
            _deadline.reset(token)
        return
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
