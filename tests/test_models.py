"""Each named database invariant rejects bad rows on both databases."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from articles.models import Article, Event, Outlet, Party, Quote, Speaker

BODY = "Lavrov said: “We need guarantees.” Nothing else."


@pytest.fixture
def article(db):
    return Article.objects.create(
        headline="Test",
        slug="test",
        body=BODY,
        raw_text=BODY,
        content_hash="a" * 64,
        published=datetime.date(2022, 1, 13),
        date_basis="stated",
    )


@pytest.fixture
def speaker(db):
    return Speaker.objects.create(name="Sergey Lavrov", slug="sergey-lavrov")


def make_quote(article, speaker, start, end, text=None, **extra):
    return Quote.objects.create(
        article=article,
        speaker=speaker,
        kind="direct",
        start=start,
        end=end,
        text=BODY[start:end] if text is None else text,
        **extra,
    )


def violates(name, callable_, sqlite_columns=None):
    """Assert the named invariant rejects the write (SQLite names columns for UNIQUE ones)."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        callable_()
    expected = sqlite_columns if sqlite_columns and connection.vendor == "sqlite" else name
    assert expected in str(error.value)


def test_valid_quote_is_stored(article, speaker):
    start = BODY.index("We need")
    quote = make_quote(article, speaker, start, start + len("We need guarantees."))
    assert Quote.objects.get().text == "We need guarantees."
    assert quote.get_absolute_url() == f"/quotes/{quote.pk}/"


def test_start_before_end(article, speaker):
    violates("quote_start_before_end", lambda: make_quote(article, speaker, 5, 5, text=""))


def test_offsets_match_text_length(article, speaker):
    # The database trigger below fires first on insert; the CHECK constraint is also what model
    # validation (admin forms) reports, before anything reaches the database.
    quote = Quote(article=article, speaker=speaker, kind="direct", start=0, end=6, text="Lavro")
    with pytest.raises(ValidationError, match="quote_offsets_match_text"):
        quote.full_clean()


def test_offsets_inside_body(article, speaker):
    end = len(BODY) + 3
    violates(
        "quote_offsets_within_body",
        lambda: make_quote(article, speaker, len(BODY) - 2, end, text="e.abc"),
    )


def test_text_must_be_the_body_at_the_offsets(article, speaker):
    violates("quote_offsets_within_body", lambda: make_quote(article, speaker, 0, 6, text="Putin "))


def test_updating_a_quote_is_checked_too(article, speaker):
    quote = make_quote(article, speaker, 0, 6)
    quote.text, quote.start, quote.end = "Nothing", 0, 7

    violates("quote_offsets_within_body", quote.save)


def test_article_body_cannot_shrink_below_a_quote(article, speaker):
    make_quote(article, speaker, len(BODY) - 5, len(BODY))
    article.body = "Short."
    violates("quote_offsets_within_body", article.save)


def test_event_date_range_in_order(db):
    def bad_event():
        Event.objects.create(
            name="Talks",
            slug="talks",
            kind="meeting",
            format="osce",
            start_date=datetime.date(2022, 1, 13),
            end_date=datetime.date(2022, 1, 12),
        )

    violates("event_date_range_ordered", bad_event)


def test_unique_slugs(db):
    Outlet.objects.create(name="TASS", slug="tass")
    violates(
        "outlet_slug_unique",
        lambda: Outlet.objects.create(name="TASS 2", slug="tass"),
        "articles_outlet.slug",
    )
    Party.objects.create(name="Russia", slug="russia", kind="state")
    violates(
        "party_slug_unique",
        lambda: Party.objects.create(name="Russia 2", slug="russia", kind="state"),
        "articles_party.slug",
    )
    Speaker.objects.create(name="A", slug="a")
    violates(
        "speaker_slug_unique",
        lambda: Speaker.objects.create(name="B", slug="a"),
        "articles_speaker.slug",
    )


def test_same_document_twice_is_rejected_by_hash(article):
    def duplicate():
        Article.objects.create(
            headline="Other", slug="other", body="x", raw_text="x", content_hash="a" * 64
        )

    violates("article_content_hash_unique", duplicate, "articles_article.content_hash")


def test_a_date_needs_a_basis(db):
    def undated_basis():
        Article.objects.create(
            headline="X",
            slug="x",
            body="x",
            raw_text="x",
            content_hash="b" * 64,
            date_basis="stated",
        )

    violates("article_date_has_basis", undated_basis)
