"""Quote.event_format: the event's negotiation format on the quote row, kept by triggers.

The list by format filtered on the joined event, so its page walked the date index past every
newer quote of another format (18,000 rows for "ministerial" at 1M quotes, 16-24 ms). With the
format on the row, its (format, date) index answers a page directly, like speaker and kind.

Triggers keep the copy equal to the event's format whatever writes it (the admin, ingestion,
loaddata, COPY, raw SQL): a quote takes its event's format when it is inserted or its event
changes, and an event's new format is copied to its quotes. A write to the column itself is
overwritten the same way, so it cannot drift. Python never writes it (editable=False).
"""

from django.db import migrations, models

POSTGRES = [
    """
    CREATE FUNCTION articles_quote_event_format() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.event_format := (SELECT format FROM articles_event WHERE id = NEW.event_id);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER quote_event_format BEFORE INSERT OR UPDATE OF event_id, event_format
    ON articles_quote FOR EACH ROW EXECUTE FUNCTION articles_quote_event_format()
    """,
    """
    CREATE FUNCTION articles_event_format_to_quotes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE articles_quote SET event_format = NEW.format WHERE event_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER event_format_to_quotes AFTER UPDATE OF format ON articles_event
    FOR EACH ROW WHEN (OLD.format IS DISTINCT FROM NEW.format)
    EXECUTE FUNCTION articles_event_format_to_quotes()
    """,
    """
    UPDATE articles_quote q SET event_format = e.format
    FROM articles_event e WHERE e.id = q.event_id
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS event_format_to_quotes ON articles_event",
    "DROP FUNCTION IF EXISTS articles_event_format_to_quotes()",
    "DROP TRIGGER IF EXISTS quote_event_format ON articles_quote",
    "DROP FUNCTION IF EXISTS articles_quote_event_format()",
]

# SQLite has no BEFORE triggers that can change NEW: the row is corrected right after it is
# written. The WHEN clauses stop at once if recursive triggers are ever turned on.
_FORMAT = "(SELECT format FROM articles_event WHERE id = NEW.event_id)"
SQLITE = [
    f"""CREATE TRIGGER quote_event_format_insert AFTER INSERT ON articles_quote
    WHEN NEW.event_format IS NOT {_FORMAT} BEGIN
        UPDATE articles_quote SET event_format = {_FORMAT} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER quote_event_format_update
    AFTER UPDATE OF event_id, event_format ON articles_quote
    WHEN NEW.event_format IS NOT {_FORMAT} BEGIN
        UPDATE articles_quote SET event_format = {_FORMAT} WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER event_format_to_quotes AFTER UPDATE OF format ON articles_event
    WHEN OLD.format IS NOT NEW.format BEGIN
        UPDATE articles_quote SET event_format = NEW.format WHERE event_id = NEW.id;
    END""",
    """UPDATE articles_quote SET event_format =
        (SELECT format FROM articles_event WHERE id = articles_quote.event_id)""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS quote_event_format_insert",
    "DROP TRIGGER IF EXISTS quote_event_format_update",
    "DROP TRIGGER IF EXISTS event_format_to_quotes",
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
    dependencies = [("articles", "0007_archive_version_sqlite")]

    operations = [
        migrations.AddField(
            model_name="quote",
            name="event_format",
            field=models.CharField(
                blank=True,
                choices=[
                    ("bilateral-russia-us", "Bilateral Russia–US"),
                    ("nato-russia-council", "NATO–Russia Council"),
                    ("osce", "OSCE"),
                    ("leaders", "Leaders’ call or summit"),
                    ("ministerial", "Ministerial meeting"),
                    ("unilateral", "Unilateral proposal or publication"),
                    ("multilateral", "Multilateral forum or other"),
                ],
                editable=False,
                max_length=30,
                null=True,
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(
                fields=["event_format", "said_on", "id"], name="quote_format_date_idx"
            ),
        ),
    ]
