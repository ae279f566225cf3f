"""The archive version token on SQLite too, so its facet counts can be cached as well.

Migration 0005 keeps the token on PostgreSQL with statement-level triggers. SQLite has only
row-level triggers: each inserted, changed or deleted row of a counted table replaces the token
(a random 16-byte value), inside the writing transaction, so it becomes visible with the rows.
A bulk load of 100,000 quotes pays 100,000 single-row updates of this one row (about 0.5 s).
"""

from django.db import migrations

TABLES = [
    "articles_quote",
    "articles_article",
    "articles_speaker",
    "articles_party",
    "articles_event",
    "articles_outlet",
]
OPERATIONS = ("INSERT", "UPDATE", "DELETE")

SQLITE = [
    """CREATE TABLE parley_archive_version (
        id integer PRIMARY KEY CHECK (id = 1),
        token text NOT NULL,
        changed_at text NOT NULL
    )""",
    "INSERT INTO parley_archive_version VALUES (1, lower(hex(randomblob(16))), CURRENT_TIMESTAMP)",
    *(
        f"""CREATE TRIGGER {table}_version_{op.lower()} AFTER {op} ON {table} BEGIN
            UPDATE parley_archive_version
               SET token = lower(hex(randomblob(16))), changed_at = CURRENT_TIMESTAMP;
        END"""
        for table in TABLES
        for op in OPERATIONS
    ),
]
SQLITE_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {t}_version_{op.lower()}" for t in TABLES for op in OPERATIONS),
    "DROP TABLE IF EXISTS parley_archive_version",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_speaker_name_lower_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
