"""The shared cache on PostgreSQL: one upsert per write, culled on one write in CULL_EVERY."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import cache_backend
from articles.cache_backend import UpsertDatabaseCache

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the upsert is PostgreSQL's"),
]


def fresh(**options):
    cache = UpsertDatabaseCache("parley_cache", {"OPTIONS": options})
    cache.clear()
    return cache


def rows() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM parley_cache ORDER BY cache_key")
        return [key for (key,) in cursor.fetchall()]


def test_set_many_writes_every_key_in_one_statement():
    cache = fresh()
    next(cache._writes)  # past the write that counts the table
    with CaptureQueriesContext(connection) as queries:
        assert cache.set_many({"a": [1, 2], "b": {"x": 3}, "c": None}, 60) == []
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # The test's own transaction adds a savepoint around it; a request's autocommit does not.
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == ["INSERT"]
    assert cache.get_many(["a", "b", "c", "d"]) == {"a": [1, 2], "b": {"x": 3}, "c": None}


def test_outside_a_transaction_a_write_is_one_statement_with_no_transaction(
    transactional_db,
):
    cache = fresh()
    next(cache._writes)  # past the write that counts the table
    with CaptureQueriesContext(connection) as queries:
        assert cache.set_many({"a": 1, "b": 2}, 60) == []
        assert cache.add("c", 3, 60) is True
    # Each write's one message: SET LOCAL synchronous_commit (its own commit only), the INSERT.
    writes = [q["sql"] for q in queries.captured_queries]
    assert len(writes) == 2
    for write in writes:
        assert write.startswith('SET LOCAL synchronous_commit TO off; INSERT INTO "parley_cache"')
    assert writes[1].endswith("RETURNING 1")  # add's
    assert cache.add("c", 4, 60) is False  # held and not expired: read past the SET's result
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2, "c": 3}
    # A lone write does not wait for the WAL flush, and changes no setting beyond its own.
    assert _synchronous_commit() == "on"
    cache.clear()


def test_add_writes_only_a_key_missing_or_expired():
    cache = fresh()
    next(cache._writes)
    assert cache.add("new", "first", 60) is True
    assert cache.add("new", "second", 60) is False  # held and not expired: left as it is
    assert cache.get("new") == "first"
    cache.set("old", "stale", -1)  # already expired
    assert cache.add("old", "fresh", 60) is True
    assert cache.get("old") == "fresh"
    with CaptureQueriesContext(connection) as queries:
        cache.add("one", 1, 60)
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == ["INSERT"]


def test_a_key_written_again_takes_the_new_value_and_expiry():
    cache = fresh()
    cache.set("k", "old", 60)
    cache.set_many({"k": "new", "m": 1}, 60)
    cache.set("m", 2, -1)  # already expired: read as missing
    assert cache.get("k") == "new"
    assert cache.get("m", "missing") == "missing"
    assert rows() == [":1:k"]  # the expired row was deleted when read


def test_the_table_is_counted_and_culled_on_one_write_in_cull_every(monkeypatch):
    monkeypatch.setattr(cache_backend, "CULL_EVERY", 5)
    cache = fresh(MAX_ENTRIES=4, CULL_FREQUENCY=2)
    for i in range(10):
        cache.set(f"k{i}", i, 60)
    # Write 5 found 5 rows past the 4 allowed and deleted the first half (k0, k1), as Django's
    # cull does; writes 6-9 counted nothing.
    assert rows() == [f":1:k{i}" for i in range(2, 10)]


def test_a_failed_write_is_a_miss_and_leaves_the_transaction_usable():
    broken = UpsertDatabaseCache("no_such_table", {})
    assert broken.set_many({"a": 1, "b": 2}, 60) == ["a", "b"]
    cache = fresh()
    cache.set("after", "fine", 60)
    assert cache.get("after") == "fine"


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_a_write_inside_a_transaction_leaves_its_commit_as_it_was():
    cache = fresh()
    next(cache._writes)
    with CaptureQueriesContext(connection) as queries:  # the test's transaction
        assert cache.set_many({"a": 1}, 60) == []
    writes = [q["sql"] for q in queries.captured_queries if "parley_cache" in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith('INSERT INTO "parley_cache"')
    assert _synchronous_commit() == "on"
    assert cache.get("a") == 1


def test_a_write_that_counts_the_table_leaves_its_commit_as_it_was(transactional_db):
    cache = fresh()  # its first write counts the table, in a transaction of its own
    with CaptureQueriesContext(connection) as queries:
        assert cache.set_many({"a": 1}, 60) == []
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "SET"))]
    assert len(writes) == 1 and writes[0].startswith('INSERT INTO "parley_cache"')
    assert cache.get("a") == 1
    cache.clear()


def test_the_cache_table_stores_values_uncompressed():
    # Migration 0013: base64 of pickled ids barely compresses, and the attempt cost every write.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute "
            "WHERE attrelid = 'parley_cache'::regclass AND attname = 'value'"
        )
        assert cursor.fetchone() == ("e",)
    # A value well past the 2 kB where PostgreSQL moves it out of line reads back whole.
    cache = fresh()
    ids = [(pk,) for pk in range(100_000, 101_001)]
    assert cache.set_many({"ranked": ids}) == []
    assert cache.get("ranked") == ids
