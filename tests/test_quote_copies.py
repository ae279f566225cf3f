"""Quote.event_format, speaker_party and article_outlet: copies kept by triggers (0008-0010).

Each copy must equal the event's format (the speaker's party, the article's outlet) after every
kind of write, or the lists by format, party and outlet would show the wrong statements; these
writes go through the ORM, querysets and raw SQL alike.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article, Event, Outlet, Party, Quote, Speaker


def mismatches() -> list:
    """Quotes whose copies differ from their event's format, speaker's party, article's outlet."""
    rows = Quote.objects.values_list(
        "pk",
        "event_format",
        "event__format",
        "speaker_party",
        "speaker__party",
        "article_outlet",
        "article__outlet",
    )
    return [row for row in rows if row[1] != row[2] or row[3] != row[4] or row[5] != row[6]]


def test_the_loaded_archive_has_every_format_copied(archive):
    assert Quote.objects.filter(event_format__isnull=False).count() == 20  # the quotes with one
    assert Quote.objects.filter(event__isnull=True, event_format__isnull=True).exists()
    assert mismatches() == []


def test_a_new_quote_takes_its_events_format(archive):
    event = Event.objects.get(slug="nato-russia-council-2022-01-12")
    article = Article.objects.get(pk=1)
    text = article.body[0:12]
    quote = Quote.objects.create(
        text=text,
        speaker=Speaker.objects.get(slug="sergey-lavrov"),
        article=article,
        kind="partial",
        start=0,
        end=12,
        said_on=datetime.date(2022, 1, 12),
        event=event,
    )
    assert Quote.objects.get(pk=quote.pk).event_format == "nato-russia-council"
    assert Quote.objects.get(pk=quote.pk).speaker_party == Party.objects.get(slug="russia")
    assert article.outlet_id is not None
    assert Quote.objects.get(pk=quote.pk).article_outlet_id == article.outlet_id


def test_changing_an_events_format_changes_its_quotes(archive):
    event = Event.objects.get(slug="nato-russia-council-2022-01-12")
    quotes = set(event.quotes.values_list("pk", flat=True))
    assert quotes
    event.format = "osce"
    event.save()
    assert (
        set(Quote.objects.filter(event_format="osce", event=event).values_list("pk", flat=True))
        == quotes
    )
    assert mismatches() == []


def test_moving_a_quote_to_another_event_or_none_follows(archive):
    quote = Quote.objects.filter(event__format="nato-russia-council").first()
    other = Event.objects.exclude(format="nato-russia-council").first()
    Quote.objects.filter(pk=quote.pk).update(event=other)
    assert Quote.objects.get(pk=quote.pk).event_format == other.format
    quote.refresh_from_db()
    quote.event = None
    quote.save()
    assert Quote.objects.get(pk=quote.pk).event_format is None
    assert mismatches() == []


def test_writing_the_copy_directly_cannot_make_it_drift(archive):
    quote = Quote.objects.filter(event__format="nato-russia-council").first()
    Quote.objects.filter(pk=quote.pk).update(event_format="leaders")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_quote SET event_format = 'osce' WHERE id = %s", [quote.pk])
    assert Quote.objects.get(pk=quote.pk).event_format == "nato-russia-council"
    assert mismatches() == []


def test_the_list_by_format_shows_exactly_the_events_quotes(archive, client):
    response = client.get("/quotes/?format=nato-russia-council")
    expected = list(
        Quote.objects.filter(event__format="nato-russia-council")
        .newest_first()
        .values_list("pk", flat=True)
    )
    assert len(expected) > 3
    assert [q.pk for q in response.context["page"].rows] == expected


def test_the_loaded_archive_has_every_party_copied(archive):
    assert Quote.objects.filter(speaker_party__isnull=True).count() == (
        Quote.objects.filter(speaker__party__isnull=True).count()
    )
    assert Quote.objects.filter(speaker_party__slug="russia").count() > 10


def test_changing_a_speakers_party_or_a_quotes_speaker_follows(archive):
    lavrov = Speaker.objects.get(slug="sergey-lavrov")
    quotes = set(lavrov.quotes.values_list("pk", flat=True))
    assert quotes
    nato = Party.objects.get(slug="nato")
    lavrov.party = nato
    lavrov.save()
    assert (
        set(Quote.objects.filter(speaker_party=nato, speaker=lavrov).values_list("pk", flat=True))
        == quotes
    )
    other = Speaker.objects.filter(party__slug="united-states").first()
    moved = Quote.objects.filter(speaker=lavrov).first()
    moved.speaker = other
    moved.save()
    assert Quote.objects.get(pk=moved.pk).speaker_party_id == other.party_id
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_quote SET speaker_party_id = NULL WHERE id = %s", [moved.pk]
        )
    assert Quote.objects.get(pk=moved.pk).speaker_party_id == other.party_id
    assert mismatches() == []


def test_the_list_by_party_shows_exactly_its_speakers_quotes(archive, client):
    response = client.get("/quotes/?party=nato&party=united-states")
    expected = list(
        Quote.objects.filter(speaker__party__slug__in=["nato", "united-states"])
        .newest_first()
        .values_list("pk", flat=True)
    )
    assert len(expected) > 3
    assert [q.pk for q in response.context["page"].rows] == expected


def test_the_loaded_archive_has_every_outlet_copied(archive):
    assert Quote.objects.filter(article_outlet__isnull=False).count() == (
        Quote.objects.filter(article__outlet__isnull=False).count()
    )
    assert Quote.objects.filter(article_outlet__isnull=False).exists()
    assert mismatches() == []


def test_changing_an_articles_outlet_or_a_quotes_article_follows(archive):
    article = Article.objects.filter(outlet__isnull=False, quotes__isnull=False).first()
    quotes = set(article.quotes.values_list("pk", flat=True))
    other = Outlet.objects.exclude(pk=article.outlet_id).first()
    article.outlet = other
    article.save()
    assert (
        set(
            Quote.objects.filter(article_outlet=other, article=article).values_list("pk", flat=True)
        )
        == quotes
    )
    # A direct write to the copy is overwritten; an article losing its outlet clears its quotes'.
    moved = Quote.objects.get(pk=min(quotes))
    elsewhere = Article.objects.exclude(outlet=other).exclude(outlet__isnull=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_quote SET article_outlet_id = NULL WHERE id = %s", [moved.pk]
        )
    assert Quote.objects.get(pk=moved.pk).article_outlet == other
    Article.objects.filter(pk=elsewhere.pk).update(outlet=None)
    assert not Quote.objects.filter(article=elsewhere, article_outlet__isnull=False).exists()
    assert mismatches() == []


def test_the_list_by_outlet_shows_exactly_its_articles_quotes(archive, client):
    outlet = Outlet.objects.filter(articles__quotes__isnull=False).first()
    response = client.get(f"/quotes/?outlet={outlet.slug}")
    expected = list(
        Quote.objects.filter(article__outlet=outlet).newest_first().values_list("pk", flat=True)
    )
    assert len(expected) > 3
    assert [q.pk for q in response.context["page"].rows] == expected[:20]


@pytest.mark.django_db(transaction=True)
def test_the_copying_migrations_reverse_and_apply_again():
    # On SQLite a constrained foreign key cannot be dropped in place, and rebuilding the quote
    # table broke on the article trigger that reads it: reversing 0009 failed there.
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("articles", "0007_archive_version_sqlite")])
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "articles_quote"
        )
    }
    assert not {"event_format", "speaker_party_id", "article_outlet_id"} & columns
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    call_command("loaddata", "archive", verbosity=0)
    assert Quote.objects.filter(event_format__isnull=False).count() == 20
    assert mismatches() == []
