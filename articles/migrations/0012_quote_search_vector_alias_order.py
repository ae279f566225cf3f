"""PostgreSQL: a speaker's aliases enter a quote's search vector in a fixed order, by id.

``string_agg`` with no ORDER BY joins them in whatever order the plan reads them, and that
order changes when an alias row is rewritten: loading the fixture a second time updates every
row in place, and one quote's vector then had 'biden' at positions 18, 20 and 23 instead of
18, 21 and 22 (tests/test_fixture_build.py, ``test_loading_twice_changes_nothing``, failed
once in CI on PostgreSQL). The words match either way, but the positions feed cover density's
ranking, and the same data must give the same rows.

Vectors already stored are left as they are: each is recomputed with this order the next time
its quote, speaker, aliases or headline change, and rewriting a million of them here would
hold the table for minutes for a difference in the position of alias words only. SQLite reads
the aliases through their speaker index, in rowid order, which a rewrite does not change.
"""

from django.db import migrations

VECTOR = """
CREATE OR REPLACE FUNCTION articles_quote_search_vector(
    quote_text text, speaker bigint, article bigint
)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(quote_text, '')), 'A')
        || setweight(to_tsvector('english', coalesce((
               SELECT s.name || coalesce(' ' || string_agg(al.name, ' '{order}), '')
               FROM articles_speaker s
               LEFT JOIN articles_speakeralias al ON al.speaker_id = s.id
               WHERE s.id = speaker GROUP BY s.id), '')), 'B')
        || setweight(to_tsvector('english', coalesce((
               SELECT headline FROM articles_article WHERE id = article), '')), 'C')
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VECTOR.format(order=" ORDER BY al.id"), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VECTOR.format(order=""), params=None)


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_quote_search_rum")]

    operations = [migrations.RunPython(forwards, backwards)]
