"""Quote.speaker_party: the speaker's party on the quote row, kept by triggers like 0008.

The list by party joined every quote to its speaker to filter on the party: SQLite read all of
a large party's quotes through the speaker index, joined each to its article, outlet and event,
then sorted them (54 ms at 100,000 quotes); the party facet grouped over the same join. With the
party on the row, its (party, date) index answers a page directly and the facet needs no join.

As in 0008: a quote takes its speaker's party when it is inserted or its speaker changes, a
write to the column itself is overwritten, and a speaker's new party is copied to its quotes.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRES = [
    """
    CREATE FUNCTION articles_quote_speaker_party() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.speaker_party_id := (SELECT party_id FROM articles_speaker WHERE id = NEW.speaker_id);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER quote_speaker_party BEFORE INSERT OR UPDATE OF speaker_id, speaker_party_id
    ON articles_quote FOR EACH ROW EXECUTE FUNCTION articles_quote_speaker_party()
    """,
    """
    CREATE FUNCTION articles_speaker_party_to_quotes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE articles_quote SET speaker_party_id = NEW.party_id WHERE speaker_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER speaker_party_to_quotes AFTER UPDATE OF party_id ON articles_speaker
    FOR EACH ROW WHEN (OLD.party_id IS DISTINCT FROM NEW.party_id)
    EXECUTE FUNCTION articles_speaker_party_to_quotes()
    """,
    """
    UPDATE articles_quote q SET speaker_party_id = s.party_id
    FROM articles_speaker s WHERE s.id = q.speaker_id AND s.party_id IS NOT NULL
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS speaker_party_to_quotes ON articles_speaker",
    "DROP FUNCTION IF EXISTS articles_speaker_party_to_quotes()",
    "DROP TRIGGER IF EXISTS quote_speaker_party ON articles_quote",
    "DROP FUNCTION IF EXISTS articles_quote_speaker_party()",
]

_PARTY = "(SELECT party_id FROM articles_speaker WHERE id = NEW.speaker_id)"
SQLITE = [
    f"""CREATE TRIGGER quote_speaker_party_insert AFTER INSERT ON articles_quote
    WHEN NEW.speaker_party_id IS NOT {_PARTY} BEGIN
        UPDATE articles_quote SET speaker_party_id = {_PARTY} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER quote_speaker_party_update
    AFTER UPDATE OF speaker_id, speaker_party_id ON articles_quote
    WHEN NEW.speaker_party_id IS NOT {_PARTY} BEGIN
        UPDATE articles_quote SET speaker_party_id = {_PARTY} WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER speaker_party_to_quotes AFTER UPDATE OF party_id ON articles_speaker
    WHEN OLD.party_id IS NOT NEW.party_id BEGIN
        UPDATE articles_quote SET speaker_party_id = NEW.party_id WHERE speaker_id = NEW.id;
    END""",
    """UPDATE articles_quote SET speaker_party_id =
        (SELECT party_id FROM articles_speaker WHERE id = articles_quote.speaker_id)""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS quote_speaker_party_insert",
    "DROP TRIGGER IF EXISTS quote_speaker_party_update",
    "DROP TRIGGER IF EXISTS speaker_party_to_quotes",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_quote_event_format")]

    operations = [
        migrations.AddField(
            model_name="quote",
            name="speaker_party",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="articles.party",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(
                fields=["speaker_party", "said_on", "id"], name="quote_party_date_idx"
            ),
        ),
    ]
