"""A realistic synthetic archive for scale tests: ``generate_corpus`` and the benchmark use it.

``generate(quotes, seed)`` builds a world (outlets, parties, speakers, events), streams
articles with their statements, and bulk-loads everything into the default database. The
same seed on the same starting database gives the same rows.
"""

from __future__ import annotations

from django.db import connection, transaction

from articles.corpus.documents import generate_articles
from articles.corpus.load import load, next_ids, tables
from articles.corpus.world import SLUG_PREFIX, build_world


def generated_rows_exist() -> bool:
    from articles.models import Article, Speaker

    return (
        Article.objects.filter(slug__startswith=SLUG_PREFIX).exists()
        or Speaker.objects.filter(slug__startswith=SLUG_PREFIX).exists()
    )


def generate(quotes: int, seed: int, *, speakers: int = 2000, events: int = 500, progress=print):
    """Generate and load ``quotes`` statements; return counts and timings."""
    first_ids = next_ids()
    world = build_world(seed, first_ids, speakers=speakers, events=events)
    stream = generate_articles(world, seed, quotes, first_ids)
    return load(world, stream, progress=progress)


def clear() -> None:
    """Delete every generated row (slugs starting ``gen-``) and nothing else."""
    t = tables()
    like = SLUG_PREFIX + "%"
    generated_articles = f"SELECT id FROM {t['article']} WHERE slug LIKE %s"
    generated_events = f"SELECT id FROM {t['event']} WHERE slug LIKE %s"
    statements = [
        f"DELETE FROM {t['quote']} WHERE article_id IN ({generated_articles})",
        f"DELETE FROM {t['article_events']} WHERE article_id IN ({generated_articles})",
        f"DELETE FROM {t['article']} WHERE slug LIKE %s",
        f"DELETE FROM {t['event_parties']} WHERE event_id IN ({generated_events})",
        f"DELETE FROM {t['event_participants']} WHERE event_id IN ({generated_events})",
        f"DELETE FROM {t['event']} WHERE slug LIKE %s",
        f"DELETE FROM {t['speaker']} WHERE slug LIKE %s",
        f"DELETE FROM {t['party']} WHERE slug LIKE %s",
        f"DELETE FROM {t['outlet']} WHERE slug LIKE %s",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, [like])
