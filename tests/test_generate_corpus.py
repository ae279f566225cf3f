"""generate_corpus: exact counts, valid offsets, realistic proportions, one corpus per seed.

The loaders open their own database sessions (two COPY sessions on PostgreSQL), so these tests
use ``transactional_db``: rows are committed for real, then flushed after each test.
"""

import collections
import datetime
import statistics

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article, Event, NegotiationFormat, Outlet, Party, Quote, Speaker

pytest.importorskip("wordfreq", reason="generate_corpus needs the 'bench' extra (wordfreq)")

SMALL = {"speakers": 60, "events": 30}


def generate(quotes, seed, **options):
    call_command("generate_corpus", quotes=quotes, seed=seed, verbosity=0, **{**SMALL, **options})


def snapshot():
    """Everything that makes up the generated content, independent of primary keys."""
    return [
        (q.article.slug, q.start, q.end, q.kind, q.text, q.speaker.slug, q.said_on, q.event_id)
        for q in Quote.objects.select_related("article", "speaker").order_by(
            "article__slug", "start"
        )
    ]


def test_exact_counts_and_world_sizes(transactional_db):
    generate(300, seed=3)

    assert Quote.objects.count() == 300
    assert Party.objects.count() == 40
    assert Outlet.objects.count() == 12
    assert Speaker.objects.count() == 60
    assert Event.objects.count() == 30
    assert set(Event.objects.values_list("format", flat=True)) <= set(NegotiationFormat.values)
    for model in (Article, Speaker, Event, Party, Outlet):
        assert not model.objects.exclude(slug__startswith="gen-").exists(), model


def test_every_quote_is_the_text_at_its_offsets(transactional_db):
    generate(400, seed=4)

    quotes = list(Quote.objects.select_related("article"))
    assert len(quotes) == 400
    for quote in quotes:
        assert quote.article.body[quote.start : quote.end] == quote.text
        assert quote.end - quote.start == len(quote.text)
    # A quote that reports an earlier statement (same_as) repeats its words exactly.
    for quote in Quote.objects.filter(same_as__isnull=False).select_related("same_as"):
        assert quote.text == quote.same_as.text
        assert quote.speaker_id == quote.same_as.speaker_id


def test_same_seed_same_corpus_other_seed_other_corpus(transactional_db):
    generate(250, seed=5)
    first = snapshot()
    call_command("generate_corpus", quotes=250, seed=5, clear=True, verbosity=0, **SMALL)
    assert snapshot() == first

    call_command("generate_corpus", quotes=250, seed=6, clear=True, verbosity=0, **SMALL)
    other = snapshot()
    assert len(other) == 250
    assert {row[4] for row in other}.isdisjoint({row[4] for row in first})


def test_proportions_look_like_a_press_archive(transactional_db):
    generate(3000, seed=7, speakers=300, events=120)

    kinds = collections.Counter(Quote.objects.values_list("kind", flat=True))
    shares = {kind: n / 3000 for kind, n in kinds.items()}
    assert shares["direct"] == pytest.approx(0.38, abs=0.04)
    assert shares["indirect"] == pytest.approx(0.34, abs=0.04)
    assert shares["partial"] == pytest.approx(0.18, abs=0.04)
    assert shares["document"] == pytest.approx(0.10, abs=0.03)

    per_article = collections.Counter(Quote.objects.values_list("article_id", flat=True))
    assert 7 <= statistics.mean(per_article.values()) <= 9
    words = [len(body.split()) for body in Article.objects.values_list("body", flat=True)]
    assert 500 <= statistics.mean(words) <= 700

    dates = list(Quote.objects.values_list("said_on", flat=True))
    assert min(dates) >= datetime.date(2015, 12, 31)
    assert max(dates) <= datetime.date(2026, 1, 31)
    # Bursts around events: the busiest week carries many times an average week's share.
    weeks = collections.Counter(d.isocalendar()[:2] for d in dates)
    assert max(weeks.values()) > 5 * (len(dates) / 522)
    # A few speakers do most of the talking.
    by_speaker = sorted(
        collections.Counter(Quote.objects.values_list("speaker_id", flat=True)).values()
    )
    assert sum(by_speaker[-30:]) > 0.25 * 3000


def test_generated_rows_sit_beside_the_curated_archive_and_clear_removes_only_them(archive):
    curated = {model: model.objects.count() for model in (Article, Quote, Speaker, Event, Party)}
    curated_quotes = set(Quote.objects.values_list("pk", "text"))

    generate(200, seed=8)
    assert Quote.objects.count() == curated[Quote] + 200

    with pytest.raises(CommandError, match="--clear"):
        generate(200, seed=8)

    from articles import corpus

    corpus.clear()
    assert {model: model.objects.count() for model in curated} == curated
    assert set(Quote.objects.values_list("pk", "text")) == curated_quotes


@pytest.fixture
def archive(transactional_db):
    call_command("loaddata", "archive", verbosity=0)


def test_generated_quotes_are_searchable(transactional_db):
    generate(300, seed=9)
    quote = Quote.objects.filter(kind="direct").order_by("pk").first()
    word = max(quote.text.split(), key=len)

    assert quote in set(Quote.objects.search(word))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL loader only")
def test_postgres_load_restores_every_index_and_fills_search_vectors(transactional_db):
    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename IN ('articles_quote', 'articles_article') ORDER BY 1"
            )
            return cursor.fetchall()

    before = indexes()
    generate(300, seed=10)

    assert indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_quote WHERE search_vector IS NULL")
        assert cursor.fetchone()[0] == 0
        # The COPY sessions fired the copying triggers too (migrations 0008-0009).
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE q.event_format IS DISTINCT FROM e.format "
            "OR q.speaker_party_id IS DISTINCT FROM s.party_id) FROM articles_quote q "
            "JOIN articles_speaker s ON s.id = q.speaker_id "
            "LEFT JOIN articles_event e ON e.id = q.event_id"
        )
        assert cursor.fetchone() == (300, 0)
        # Every generated table has planner statistics (reltuples is -1 before any ANALYZE).
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('articles_speaker', 'articles_party', 'articles_event', 'articles_quote')"
        )
        assert {name: n >= 0 for name, n in cursor.fetchall()} == dict.fromkeys(
            ["articles_speaker", "articles_party", "articles_event", "articles_quote"], True
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL loader only")
def test_postgres_load_moves_the_archive_version_once_it_is_done(transactional_db):
    from articles.facet_counts import archive_version

    before = archive_version("default")
    generate(300, seed=11)
    # The COPY sessions skip the per-statement bump (parley.bulk_load); the loader bumps at the
    # end, so counts cached before the load are never served after it.
    assert archive_version("default") != before
