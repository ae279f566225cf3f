"""PostgreSQL: a RUM index on the quotes' search vectors, so relevance comes from the index.

A GIN index finds the matches but keeps no positions, so ranking them by ``ts_rank`` read
every match's row: 17,397 rows on 12,473 heap pages for a word like *houses* at 1M quotes,
50 ms at p95 for a first search's ranking (docs/scaling.md). RUM (the ``rum`` extension,
Debian's ``postgresql-NN-rum``) keeps the positions in the index and returns the best rows in
order of its score, reading only those rows: 7.9 ms at p95 for the same 400 words. The GIN
index stays: it is what counts and filters use (bitmap scans), and it is cheaper to update.
SQLite is untouched.
"""

from django.db import migrations

INSTALL_HINT = (
    "Parley on PostgreSQL needs the rum extension (https://github.com/postgrespro/rum). On "
    "Debian or Ubuntu: apt-get install postgresql-<server major version>-rum, for example "
    "postgresql-15-rum; managed services list it among their extensions. Then migrate again."
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if cursor.fetchone() is None:
            raise RuntimeError(INSTALL_HINT)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS rum", params=None)
    schema_editor.execute(
        "CREATE INDEX quote_search_vector_rum ON articles_quote "
        "USING rum (search_vector rum_tsvector_ops)",
        params=None,
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: another database object may use it.
    schema_editor.execute("DROP INDEX IF EXISTS quote_search_vector_rum", params=None)


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_quote_article_outlet")]

    operations = [migrations.RunPython(forwards, backwards)]
