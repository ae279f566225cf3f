"""PostgreSQL: the shared cache's values are stored without compression (STORAGE EXTERNAL).

A value is a pickle in base64 (Django's cache table), and the largest are a search's ranked
ids and its article tier: a first search writes 7-13 values, about 15 kB, in one upsert
(articles/cache_backend.py). Past 2 kB PostgreSQL first tries to compress a value with pglz,
and base64 of pickled ids barely compresses, so the attempt was thrown away on nearly every
write. On a copy of the table, a 12-value upsert of that shape took 0.80-1.22 ms at p50 with
the default storage and 0.55-0.71 ms without the attempt (200 writes each, twice). A value
past 2 kB is still moved out of line, as before; what it costs is disk, for a table of at
most MAX_ENTRIES rows.

Every database cache table in settings.CACHES that exists is altered (migration 0005 creates
the default one); a table created later by ``createcachetable`` keeps PostgreSQL's default,
which is slower to write but reads the same.
"""

from django.conf import settings
from django.db import migrations
from django.utils.module_loading import import_string


def _cache_tables(connection) -> list[str]:
    from django.core.cache.backends.db import BaseDatabaseCache

    existing = set(connection.introspection.table_names())
    tables = []
    for config in settings.CACHES.values():
        backend = import_string(config["BACKEND"])
        if issubclass(backend, BaseDatabaseCache) and config.get("LOCATION") in existing:
            tables.append(config["LOCATION"])
    return tables


def _storage(mode: str):
    def alter(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        for table in _cache_tables(connection):
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(table)} "
                f"ALTER COLUMN value SET STORAGE {mode}"
            )

    return alter


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_quote_search_vector_alias_order")]

    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]
