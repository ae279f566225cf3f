r"""Search latency on the curated fixture, on whichever database DATABASE_URL names.

    .venv/bin/python bench/search_latency.py [--runs 50]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench \
        .venv/bin/python bench/search_latency.py

Creates a throwaway test database (SQLite in memory, or test_<name> on PostgreSQL), loads
fixtures/archive.json, and for each query prints p50/p95 over N runs of
- search: the first page of ranked results, its capped count and its highlighted snippets
  (what the quote list asks of articles.search), and
- page: the whole /quotes/?q=... page through the Django test client.
Then drops the database. With --existing it reads the DATABASE_URL database as it is (a
generated corpus, say) and creates nothing. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from articles import search  # noqa: E402
from articles.models import Quote  # noqa: E402

QUERIES = [
    "legally binding",
    '"open door"',
    "guarantee",
    "lavrov",
    "Grushko OR Gavrilov",
    "guarantees -Lavrov",
    "security",  # a common word: in most generated articles
    "zzzz-no-match",
    "guarantee " * 1000,  # 10,000 characters, cut to 500
]


def first_page(query: str) -> int:
    qs = search.search_quotes(Quote.objects.with_relations(), query)
    rows = list(qs.order_by("-rank", "-pk")[:20])
    search.count_capped(qs)
    search.highlight_quotes(rows, query)
    return len(rows)


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm caches and connections once, untimed
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--existing",
        action="store_true",
        help="Measure the database DATABASE_URL names as it is (for example a corpus from "
        "manage.py generate_corpus) instead of a throwaway copy of the fixture; only reads.",
    )
    args = parser.parse_args()

    setup_test_environment()
    old_name = None
    if not args.existing:
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        if not args.existing:
            call_command("loaddata", "archive", verbosity=0)
        client = Client()
        version = (
            connection.Database.sqlite_version
            if connection.vendor == "sqlite"
            else connection.pg_version
        )
        print(
            f"{connection.vendor} {version}, {Quote.objects.count()} quotes, "
            f"{args.runs} runs per query, milliseconds"
        )
        print(f"{'query':<24} {'rows':>4} {'search p50':>10} {'p95':>6} {'page p50':>9} {'p95':>6}")
        for query in QUERIES:
            url = "/quotes/?" + urlencode({"q": query})
            assert client.get(url).status_code == 200, url
            rows = first_page(query)
            s50, s95 = timed(lambda q=query: first_page(q), args.runs)
            p50, p95 = timed(lambda u=url: client.get(u), args.runs)
            label = query if len(query) <= 24 else f"{query[:12]}… ({len(query):,} ch)"
            print(f"{label:<24} {rows:>4} {s50:>10.2f} {s95:>6.2f} {p50:>9.2f} {p95:>6.2f}")
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
