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

from articles.migrations._copied_column import copied_column

forwards, backwards = copied_column(
    name="event_format",
    column="event_format",
    key="event_id",
    table="articles_event",
    source="format",
)


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
