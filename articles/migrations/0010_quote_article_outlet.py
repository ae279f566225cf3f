"""Quote.article_outlet: the article's outlet on the quote row, kept by triggers like 0008-0009.

The outlet facet grouped every matching quote after joining its article: a search nobody had
asked read its matches' article rows (1.2 GB of table at 1M quotes, rarely in memory) only for
their outlet, 11.7 ms of an 80 ms first search, the dearest of its seven facet queries. The
list by outlet walked the date index and looked each quote's article up. With the outlet on the
row the facet groups the quote row alone and the list walks its own (outlet, date) index.

As in 0008: a quote takes its article's outlet when it is inserted or moved to another
article, a write to the column itself is overwritten, and an article's new outlet is copied to
its quotes.
"""

import django.db.models.deletion
from django.db import migrations, models

from articles.migrations._copied_column import copied_column

forwards, backwards = copied_column(
    name="article_outlet",
    column="article_outlet_id",
    key="article_id",
    table="articles_article",
    source="outlet_id",
)


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_quote_speaker_party")]

    operations = [
        migrations.AddField(
            model_name="quote",
            name="article_outlet",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="articles.outlet",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(
                fields=["article_outlet", "said_on", "id"], name="quote_outlet_date_idx"
            ),
        ),
    ]
