"""Bulk loaders: PostgreSQL COPY over two sessions, SQLite batched inserts in one transaction.

On PostgreSQL the secondary indexes of the big tables (the GIN search indexes among them) are
dropped before the load and rebuilt from their saved definitions afterwards, whatever happens:
one sorted build is several times faster than a million incremental inserts into a GIN index.
Single-column foreign-key indexes stay, because the search triggers and foreign-key checks
look rows up by them. Every row trigger stays enabled, so the offsets invariant (migration
0002) and the search vectors (migration 0003) are computed exactly as for rows the
application writes; the two COPY sessions put both cores to that work.
"""

from __future__ import annotations

import queue
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
from django.core.management.color import no_style
from django.db import connection, transaction

from articles.corpus.documents import ARTICLE_COLUMNS, QUOTE_COLUMNS, SAME_AS_LAG
from articles.corpus.world import World
from articles.models import Article, Event, Outlet, Party, Quote, Speaker

OUTLET_COLUMNS = ("id", "name", "slug", "url", "country")
PARTY_COLUMNS = ("id", "name", "short_name", "slug", "kind")
SPEAKER_COLUMNS = (
    "id", "name", "slug", "kind", "role", "organisation", "party_id", "description",
    "review_status",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "name", "slug", "kind", "format", "start_date", "end_date", "place", "description",
    "review_status",
)  # fmt: skip
CHUNK_ARTICLES = 2000
LOAD_SESSIONS = 2  # one per core
LOAD_CHUNK = 200  # articles per COPY transaction
# A chunk is generated only once all but 2 * LOAD_SESSIONS earlier chunks have committed, so a
# quote may cite (same_as) one from SAME_AS_LAG articles back without racing its commit.
assert LOAD_CHUNK * (2 * LOAD_SESSIONS + 2) < SAME_AS_LAG
FK_INDEX = re.compile(r"USING btree \(\w+_id\)$")
MODELS = (Outlet, Party, Speaker, Event, Article, Quote)


def tables() -> dict[str, str]:
    """Database table names of everything the generator writes."""
    return {
        "outlet": Outlet._meta.db_table,
        "party": Party._meta.db_table,
        "speaker": Speaker._meta.db_table,
        "event": Event._meta.db_table,
        "event_parties": Event.parties.through._meta.db_table,
        "event_participants": Event.participants.through._meta.db_table,
        "article": Article._meta.db_table,
        "article_events": Article.events.through._meta.db_table,
        "quote": Quote._meta.db_table,
    }


def next_ids() -> dict[str, int]:
    """The first free primary key of each table, so generated rows follow existing ones."""
    result = {}
    with connection.cursor() as cursor:
        for key in ("outlet", "party", "speaker", "event", "article", "quote"):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {tables()[key]}")
            result[key] = cursor.fetchone()[0]
    return result


def chunked(stream: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in stream:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load(world: World, articles: Iterable, *, progress: Callable[[str], None] = print) -> dict:
    """Write the world and the article stream; return row counts and phase timings."""
    if connection.vendor == "postgresql":
        return _load_postgres(world, articles, progress)
    clock = _Clock()
    with transaction.atomic(), connection.cursor() as cursor:
        counts = _write_all(_sqlite_writer(cursor), world, articles, progress, clock)
    clock.lap("rows")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    clock.lap("analyze")
    return {"counts": counts, "timings": clock.laps}


def _load_postgres(world, articles, progress) -> dict:
    t = tables()
    clock = _Clock()
    with transaction.atomic(), connection.cursor() as cursor:
        _write_world(_postgres_writer(cursor), world)
    saved = []
    try:
        with connection.cursor() as cursor:
            saved = drop_secondary_indexes(cursor, [t["article"], t["quote"]])
        counts = _copy_in_parallel(articles, progress, clock)
        clock.lap("rows")
    finally:
        restore_indexes(saved, progress)
    clock.lap("indexes")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), MODELS):
            cursor.execute(sql)
        cursor.execute(
            "UPDATE parley_archive_version SET token = gen_random_uuid(), changed_at = now()"
        )
        # Fresh statistics and a visibility map, or the planner guesses from an empty table
        # and index-only scans visit the heap.
        cursor.execute(f'VACUUM ANALYZE "{t["article"]}", "{t["quote"]}"')
        # And statistics for the small tables: with none, the planner took a party's 300
        # speakers for 1 and ran a search's index scan once per speaker (162 ms, not 2 ms).
        small = [name for key, name in t.items() if key not in ("article", "quote")]
        cursor.execute("ANALYZE " + ", ".join(f'"{name}"' for name in small))
    clock.lap("vacuum analyze")
    return {"counts": counts, "timings": clock.laps}


def _copy_in_parallel(articles: Iterable, progress, clock) -> dict:
    """COPY article chunks over two sessions while this thread generates the next ones.

    Row triggers do most of the work (offsets check, search vectors), so two sessions use
    both cores. Each chunk (articles, then their quotes) commits in its own session, so the
    load is not one transaction: after a failure, run the command again with --clear.
    """
    t = tables()
    params = connection.get_connection_params()
    sessions: queue.SimpleQueue = queue.SimpleQueue()
    opened = []
    for _ in range(LOAD_SESSIONS):
        conn = psycopg.connect(**params, autocommit=True)
        conn.execute("SET synchronous_commit = off")
        # Both sessions would queue on the archive version row (migration 0005) for the whole
        # load; the version moves once at the end instead (_load_postgres).
        conn.execute("SET parley.bulk_load = on")
        opened.append(conn)
        sessions.put(conn)
    counts = {"articles": 0, "quotes": 0}

    def copy_chunk(batch):
        conn = sessions.get()
        try:
            with conn.transaction(), conn.cursor() as cursor:
                write = _postgres_writer(cursor)
                write(t["article"], ARTICLE_COLUMNS, [a for a, _, _ in batch])
                links = [(a[0], e) for a, events, _ in batch for e in events]
                write(t["article_events"], ("article_id", "event_id"), links)
                write(t["quote"], QUOTE_COLUMNS, [q for _, _, rows in batch for q in rows])
        finally:
            sessions.put(conn)
        return len(batch), sum(len(rows) for _, _, rows in batch)

    try:
        with ThreadPoolExecutor(max_workers=LOAD_SESSIONS) as pool:
            pending: deque = deque()
            for batch in chunked(articles, LOAD_CHUNK):
                pending.append(pool.submit(copy_chunk, batch))
                # Bound memory: never more than a few chunks generated ahead of the database.
                while len(pending) > 2 * LOAD_SESSIONS or (pending and pending[0].done()):
                    n_articles, n_quotes = pending.popleft().result()
                    counts["articles"] += n_articles
                    counts["quotes"] += n_quotes
                    if counts["articles"] % (LOAD_CHUNK * 25) == 0:
                        progress(
                            f"  {counts['quotes']:>9,} quotes in {counts['articles']:,} "
                            f"articles ({clock.elapsed():.0f} s)"
                        )
            for future in pending:
                n_articles, n_quotes = future.result()
                counts["articles"] += n_articles
                counts["quotes"] += n_quotes
    finally:
        for conn in opened:
            conn.close()
    return counts


class _Clock:
    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def _write_world(write, world: World) -> None:
    t = tables()
    write(t["outlet"], OUTLET_COLUMNS, world.outlets)
    write(t["party"], PARTY_COLUMNS, world.parties)
    write(t["speaker"], SPEAKER_COLUMNS, world.speakers)
    write(t["event"], EVENT_COLUMNS, world.events)
    write(t["event_parties"], ("event_id", "party_id"), world.event_parties)
    write(t["event_participants"], ("event_id", "speaker_id"), world.event_participants)


def _write_all(write, world: World, articles: Iterable, progress, clock) -> dict:
    t = tables()
    _write_world(write, world)
    counts = {"articles": 0, "quotes": 0}
    for batch in chunked(articles, CHUNK_ARTICLES):
        write(t["article"], ARTICLE_COLUMNS, [a for a, _, _ in batch])
        links = [(a[0], e) for a, events, _ in batch for e in events]
        write(t["article_events"], ("article_id", "event_id"), links)
        quotes = [q for _, _, rows in batch for q in rows]
        write(t["quote"], QUOTE_COLUMNS, quotes)
        counts["articles"] += len(batch)
        counts["quotes"] += len(quotes)
        progress(
            f"  {counts['quotes']:>9,} quotes in {counts['articles']:,} articles "
            f"({clock.elapsed():.0f} s)"
        )
    return counts


def drop_secondary_indexes(cursor, table_names: list[str]) -> list[str]:
    """Drop indexes that back no constraint and are no foreign-key lookup; return their DDL."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c
              WHERE c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass
          )
        ORDER BY i.indexname
        """,
        [table_names],
    )
    rows = [(name, sql) for name, sql in cursor.fetchall() if not FK_INDEX.search(sql)]
    for name, _ in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    # IF NOT EXISTS: restoring after a rolled-back load (which kept the indexes) is a no-op.
    return [
        re.sub(r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX IF NOT EXISTS ", definition)
        for _, definition in rows
    ]


def restore_indexes(statements: list[str], progress) -> None:
    """Rebuild dropped indexes, two at a time: one per core, each in its own session."""
    if not statements:
        return
    progress(f"  building {len(statements)} indexes")
    params = connection.get_connection_params()

    def build(sql):
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(sql)

    with ThreadPoolExecutor(max_workers=2) as pool:
        # Largest first (GIN), so the two workers finish close together.
        ordered = sorted(statements, key=lambda sql: "USING gin" not in sql)
        list(pool.map(build, ordered))


def _postgres_writer(cursor):
    def write(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    return write


def _sqlite_writer(cursor):
    def write(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    return write
