"""An archive version token that changes, in the same transaction, with every write (PostgreSQL).

Counting a large filtered set takes longer than a page may spend (articles/facets.py), so counts
are kept in Django's cache. Their key must change whenever the rows they count change, and only
then: ``pg_current_snapshot()`` (the key before this migration) moved with every write anywhere
on the server, a session row or another database included, so the cache emptied itself on a
busy server. Here a BEFORE ... FOR EACH STATEMENT trigger on every table a count or a facet label
reads replaces ``parley_archive_version.token`` with a new random UUID. The new token becomes
visible exactly when the rows do (same commit), so a reader never files counts of old rows
under a new token; a rolled-back write leaves the old token with the old rows.

The trigger runs before each writing statement takes its row locks: every writer takes the
version row first, so concurrent writers queue on it instead of deadlocking. It runs for every
statement, not once per transaction, so that a transaction reading its own writes (a test, an
editor's request) never finds counts it filed before its later writes.
Bulk loaders that commit in several sessions at once set ``parley.bulk_load = on`` and bump the
token once when they are done (articles/corpus/load.py). SQLite gets its token in migration 0007.
"""

from django.core.management import call_command
from django.db import migrations

TABLES = [
    "articles_quote",
    "articles_article",
    "articles_speaker",
    "articles_party",
    "articles_event",
    "articles_outlet",
]

POSTGRES = [
    """CREATE TABLE parley_archive_version (
        id smallint PRIMARY KEY CONSTRAINT parley_archive_version_single_row CHECK (id = 1),
        token uuid NOT NULL,
        changed_at timestamptz NOT NULL
    )""",
    "INSERT INTO parley_archive_version VALUES (1, gen_random_uuid(), now())",
    """CREATE FUNCTION parley_bump_archive_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('parley.bulk_load', true) = 'on' THEN
            RETURN NULL;
        END IF;
        UPDATE parley_archive_version SET token = gen_random_uuid(), changed_at = now();
        RETURN NULL;
    END $$""",
    *(
        f"""CREATE TRIGGER {table}_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION parley_bump_archive_version()"""
        for table in TABLES
    ),
]
POSTGRES_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_version ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS parley_bump_archive_version()",
    "DROP TABLE IF EXISTS parley_archive_version",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)


def create_cache_table(apps, schema_editor):
    # The counts' cache table (settings.CACHES, "db" by default on PostgreSQL), so that
    # `migrate` alone readies a database; the command does nothing for other cache backends.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_quote_search_without_body")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
