"""Measure extraction throughput on synthetic ~600-word articles, in this one process (one core).

The articles are made deterministically from the seed documents' sentences (a fixed random
seed), each with a headline and a wire dateline, so runs are comparable. Knowledge (speakers,
events) comes from fixtures/curated.toml, so nothing touches the database.
"""

import hashlib
import random
import time
import tomllib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from articles.ingestion.clean import clean_text
from articles.ingestion.knowledge import knowledge_from_curated, knowledge_from_db
from articles.ingestion.pipeline import extract
from articles.ingestion.text import paragraphs
from articles.ingestion.writer import write_extraction

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]


def synthetic_articles(count: int, words: int = 600, seed: int = 5) -> list[str]:
    """``count`` articles of about ``words`` words each, from the seeds' paragraphs."""
    pool = []
    for path in sorted(FIXTURES.glob("0*.txt")):
        body = clean_text(path.read_text(encoding="utf-8")).body
        pool.extend(
            body[p.start : p.end] for p in paragraphs(body) if "/TASS/" not in body[p.start : p.end]
        )
    rng = random.Random(seed)
    articles = []
    for n in range(count):
        chosen, total = [], 0
        while total < words:
            paragraph = rng.choice(pool)
            chosen.append(paragraph)
            total += len(paragraph.split())
        dateline = f"MOSCOW, {MONTHS[n % len(MONTHS)]} {1 + n % 28}. /TASS/. "
        articles.append(f"Synthetic article {n}\n\n{dateline}" + "\n\n".join(chosen))
    return articles


class Command(BaseCommand):
    help = "Print extraction throughput (articles per second, one core) on ~600-word articles."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=200)
        parser.add_argument("--words", type=int, default=600)
        parser.add_argument(
            "--write",
            action="store_true",
            help="Also write each article to the database (rolled back at the end).",
        )

    def handle(self, *args, articles, words, write, **options):
        data = tomllib.loads((FIXTURES / "curated.toml").read_text(encoding="utf-8"))
        knowledge = knowledge_from_curated(data)
        texts = synthetic_articles(articles, words)
        total_words = sum(len(t.split()) for t in texts)
        extract(texts[0], knowledge)  # warm the regular-expression caches
        started = time.perf_counter()
        statements = sum(len(extract(text, knowledge).statements) for text in texts)
        elapsed = time.perf_counter() - started
        if write:
            self._bench_writes(texts)
        self.stdout.write(
            f"{len(texts)} articles, {total_words / len(texts):.0f} words on average, "
            f"{statements} statements found\n"
            f"{elapsed:.2f} s: {len(texts) / elapsed:.1f} articles/s, "
            f"{total_words / elapsed:,.0f} words/s (one process, one core)"
        )

    def _bench_writes(self, texts: list[str]) -> None:
        """Extraction plus database writes with knowledge from the database; then roll back."""
        with transaction.atomic():
            knowledge = knowledge_from_db()
            started = time.perf_counter()
            for n, text in enumerate(texts):
                extraction = extract(text, knowledge, file=f"synthetic-{n}.txt")
                digest = hashlib.sha256(text.encode()).hexdigest()
                write_extraction(extraction, content_hash=digest, source_file=f"synthetic-{n}.txt")
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        self.stdout.write(
            f"with database writes: {elapsed:.2f} s, {len(texts) / elapsed:.1f} articles/s "
            "(rolled back; nothing kept)"
        )
