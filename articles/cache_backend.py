"""Django's database cache, writing on PostgreSQL with one upsert per ``set_many``.

The shared cache holds what pages keep under the archive's version: facet counts, ranked ids,
marks, capped counts. A search nobody has asked before writes about ten of them. Django's
``DatabaseCache`` writes each key on its own: a COUNT(*) of the whole table, a transaction, a
SELECT of the key, an INSERT or UPDATE and a commit. That was 18 ms of a 100 ms first search at
1M quotes (cProfile, 12 new words). Here a ``set_many`` is one ``INSERT ... ON CONFLICT DO
UPDATE`` of every key, in no transaction of its own, and the table is counted for culling on
one write in CULL_EVERY rather than on every one. ``add`` is one statement too.

Reads, ``touch``, deletes and every other database keep Django's own code.

``SometimesCulledFileCache`` is Django's file cache (PARLEY_CACHE=file:, SQLite served by
several workers) with a like change to culling: Django's lists every file of the cache
directory on every write to count them. At 3,000 files that took 4 ms a write: a first search on
SQLite at 100,000 quotes took 51.4 ms p50 with it and 21.7 without (60 new words, in-process).
It lists them only as often as they could fill the room left, and stores values uncompressed.
"""

from __future__ import annotations

import base64
import pickle
import random
import zlib
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now as tz_now

from articles import statement_local

# The table is counted (and culled past MAX_ENTRIES) on one write in this many per process:
# it may run that many writes past MAX_ENTRIES between counts, a few hundred rows at most.
CULL_EVERY = 50
# The file cache: how many processes may write to one directory at once (the workers of a
# SQLite site on one machine); it counts its files less often the more room they left.
WRITERS = 8


class UpsertDatabaseCache(DatabaseCache):
    def __init__(self, table, params):
        super().__init__(table, params)
        self._writes = count()

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._vendor() != "postgresql":
            return super().set(key, value, timeout, version)
        self.set_many({key: value}, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """Write every key in one statement; the keys that failed (all or none), as Django's."""
        if self._vendor() != "postgresql" or not data:
            return super().set_many(data, timeout, version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        expires = connection.ops.adapt_datetimefield_value(self._expiry(timeout))
        keys = [self.make_and_validate_key(key, version=version) for key in data]
        params = []
        for key, value in zip(keys, data.values(), strict=True):
            pickled = pickle.dumps(value, self.pickle_protocol)
            params += [key, base64.b64encode(pickled).decode("latin1"), expires]
        table = connection.ops.quote_name(self._table)
        rows = ", ".join(["(%s, %s, %s)"] * len(keys))
        try:
            with self._writing(db) as cursor:
                cursor.execute(
                    _unsynced(connection) + f"INSERT INTO {table} (cache_key, value, expires) "
                    f"VALUES {rows} "
                    "ON CONFLICT (cache_key) DO UPDATE "
                    "SET value = EXCLUDED.value, expires = EXCLUDED.expires",
                    params,
                )
        except DatabaseError:
            # As Django's cache: a write that fails is a miss later, never an error now.
            return list(data)
        return []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Write ``key`` unless it holds a value not yet expired; whether it was written.

        One statement, where Django's counted the table, then read, inserted and committed the
        key in a transaction of its own: the mark of a background count (facet_counts) took
        five round trips of a first search, the count growing with the table. Its commit does
        not wait for the WAL flush either (_unsynced): a mark lost in a crash only lets another
        process count the same query once more. Waiting took 1.4 ms at p50 of the marks that
        100 first searches of rarer words wrote at 1M quotes, 0.7-1.1 ms without.
        """
        if self._vendor() != "postgresql":
            return super().add(key, value, timeout, version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        adapt = connection.ops.adapt_datetimefield_value
        pickled = pickle.dumps(value, self.pickle_protocol)
        params = [
            self.make_and_validate_key(key, version=version),
            base64.b64encode(pickled).decode("latin1"),
            adapt(self._expiry(timeout)),
            adapt(tz_now().replace(microsecond=0)),
        ]
        try:
            with self._writing(db) as cursor:
                written = statement_local.fetchall(
                    cursor,
                    _unsynced(connection),
                    f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "
                    "ON CONFLICT (cache_key) DO UPDATE "
                    "SET value = EXCLUDED.value, expires = EXCLUDED.expires "
                    f"WHERE {table}.expires < %s RETURNING 1",
                    params,
                )
                return bool(written)
        except DatabaseError:
            return False

    @contextmanager
    def _writing(self, db):
        """A cursor for one write, counting the table (and culling) on one write in CULL_EVERY.

        A transaction only when counting, or a savepoint inside someone's transaction (a failed
        write must leave it usable): alone, one statement is atomic, and BEGIN and COMMIT were
        two more round trips per write.
        """
        connection = connections[db]
        culling = next(self._writes) % CULL_EVERY == 0
        if not (culling or connection.in_atomic_block):
            with connection.cursor() as cursor:
                yield cursor
            return
        with (
            transaction.atomic(using=db, savepoint=connection.in_atomic_block),
            connection.cursor() as cursor,
        ):
            if culling:
                self._count_and_cull(db, cursor)
            yield cursor

    def _vendor(self) -> str:
        return connections[router.db_for_write(self.cache_model_class)].vendor

    def _expiry(self, timeout) -> datetime:
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            return datetime.max.replace(microsecond=0)
        tz = UTC if settings.USE_TZ else None
        return datetime.fromtimestamp(timeout, tz=tz).replace(microsecond=0)

    def _count_and_cull(self, db, cursor) -> None:
        cursor.execute(f"SELECT COUNT(*) FROM {connections[db].ops.quote_name(self._table)}")
        num = cursor.fetchone()[0]
        if num > self._max_entries:
            self._cull(db, cursor, tz_now().replace(microsecond=0), num)


def _unsynced(connection) -> str:
    """What makes a lone write's commit not wait for the WAL to reach the disk.

    A cached value lost in a crash is only a miss later, and a first search's write of its kept
    values waited for that flush: 1.16 ms of its 1.43 at p50 in-process at 1M quotes, 0.84 of
    1.08 without it. Only where the setting holds for this write alone (statement_local).
    """
    return "SET LOCAL synchronous_commit TO off; " if statement_local.possible(connection) else ""


class SometimesCulledFileCache(FileBasedCache):
    """Django's file cache, listing its directory to count it only as often as it can fill.

    Django lists every file before every write. Listing on one write in CULL_EVERY was not
    enough either: a first search writes about twelve values, and at 14,000 files a listing took
    13 ms, so the benchmark's new words on SQLite paid about 3 ms a page for it, more as the
    directory grew. A process now lists again once it has written 1/WRITERS of the room its
    last listing found (and at least CULL_EVERY files): with up to WRITERS processes writing,
    the directory passes MAX_ENTRIES by at most their CULL_EVERY writes each.
    """

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._writes_left = 0  # writes before this process lists the directory again

    def _cull(self):
        if self._writes_left > 0:
            self._writes_left -= 1
            return
        files = self._list_cache_files()
        kept = len(files)
        if kept >= self._max_entries:
            if self._cull_frequency == 0:
                self.clear()
                kept = 0
            else:  # as Django's: a random 1/CULL_FREQUENCY of the files
                doomed = random.sample(files, kept // self._cull_frequency)
                for fname in doomed:
                    self._delete(fname)
                kept -= len(doomed)
        self._writes_left = max(CULL_EVERY, (self._max_entries - kept) // WRITERS) - 1

    def _write_content(self, file, timeout, value):
        # Stored, not compressed (zlib level 0, which Django's reads still unwrap): a first
        # search's dozen values compressed at the default level took 0.46 ms of its page,
        # 0.03 stored, for files of about 0.9 kB on average where every file takes a 4 kB block.
        expiry = self.get_backend_timeout(timeout)
        file.write(pickle.dumps(expiry, self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), 0))
