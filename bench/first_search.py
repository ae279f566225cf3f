r"""Where a first search's time goes, part by part, on the archive DATABASE_URL names.

    DATABASE_URL=sqlite:///bench/out/parley_bench_100000.sqlite3 \
        .venv/bin/python bench/first_search.py [--from 12000] [--words 60]

Each word (content words from vocabulary rank ``--from`` on, as bench/probe.py picks them) is
asked once through the Django test client in this process: a first search, of which nothing
is kept yet. The garbage collector is frozen after start-up, as archive/wsgi.py freezes it in
gunicorn's workers (without it, full collections land in the tail). Prints the page's p50 and
p95, the mean per request of each part (ranking, article tier, facets, highlighting,
rendering, and the time the SQL took to execute), then the slowest searches: their own
matches, the statements their article tier adds, and whether their facets were counted.
It also runs each page's reads again at once, on the same connection, as bench/run.py's
floor replays a first search's SQL: against the reads' time in the page, the difference is
what reading data not yet in the database's memory cost the first search.
Figures only: nothing is asserted. With ``--plain`` only the page and its statements are
timed, and it prints the page's time outside its SQL: its Python, as a worker runs it.

The words' kept values stay in the archive's cache: on PostgreSQL (a cache table) clear them
with ``manage.py count_facets --clear`` before a bench/run.py, whose first searches start at
rank 1,600 (bench/ab.py's at 3,400), below this script's default.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import os
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

import django  # noqa: E402

django.setup()

import loadgen  # noqa: E402
import probe  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from articles import search, views  # noqa: E402

# (module, function, label): the parts of a search page, each timed where the page calls it.
PARTS = (
    (search, "article_tier_for", "article tier"),
    (search, "best_ids", "ranking"),
    (views, "quote_facets", "facets"),
    (search, "highlight_quotes", "highlighting"),
    (views, "render", "rendering"),
)


@dataclass
class Search:
    word: str
    ms: float
    sql_ms: float
    queries: int
    parts: dict = field(default_factory=dict)  # label -> ms
    facets_counted: bool = True
    reads_ms: float = 0.0  # of sql_ms, the statements that read (not the kept values' write)
    # The same reads run again at once, on the data they just read (PostgreSQL: None else).
    replay_ms: float | None = None


@contextmanager
def timed_parts(into: dict):
    """Add each part's time to ``into`` (label -> ms) while inside."""
    originals = []
    for module, name, label in PARTS:
        original = getattr(module, name)

        def wrapper(*args, _original=original, _label=label, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                ms = (time.perf_counter() - started) * 1000
                into[_label] = into.get(_label, 0.0) + ms

        setattr(module, name, functools.wraps(original)(wrapper))
        originals.append((module, name, original))
    try:
        yield
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


def first_searches(client: Client, words: list[str]) -> list[Search]:
    """Ask each word once; time the page, its parts and its SQL."""
    done = []
    for word in words:
        parts: dict = {}
        sql: list[float] = []
        reads: list[float] = []
        started = time.perf_counter()
        with (
            timed_parts(parts),
            CaptureQueriesContext(connection) as captured,
            timed_statements(sql, reads),
        ):
            response = client.get("/quotes/", {"q": word})
        ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"/quotes/?q={word}: status {response.status_code}")
        facets = response.context["facets"]
        done.append(
            Search(
                word,
                ms,
                sum(sql),
                len(sql),
                parts,
                facets_counted=not any(f.timed_out for f in facets),
                reads_ms=sum(reads),
                replay_ms=replayed(captured.captured_queries),
            )
        )
    return done


def plain_searches(client: Client, words: list[str]) -> list[tuple[float, float]]:
    """Ask each word once with nothing but its statements timed: (page ms, SQL ms) each.

    The part timers, the captured SQL and the test environment's context capture (which
    copies every template context) all add Python of their own to ``first_searches``' page
    times; here only ``execute_wrapper`` runs around each statement, so the page time minus
    its SQL is the page's own Python, as a worker runs it.
    """
    done = []
    for word in words:
        spent: list[float] = []
        started = time.perf_counter()
        with timed_statements(spent):
            response = client.get("/quotes/", {"q": word})
        ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"/quotes/?q={word}: status {response.status_code}")
        done.append((ms, sum(spent)))
    return done


@contextmanager
def timed_statements(into: list[float], reads: list[float] | None = None):
    """Append each statement's time in ms to ``into`` while inside, and to ``reads`` too for
    the statements that read (probe.read_statements)."""

    def execute(run, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return run(sql_text, params, many, context)
        finally:
            into.append((time.perf_counter() - started) * 1000)
            if reads is not None and probe.read_statements([sql_text]):
                reads.append(into[-1])

    with connection.execute_wrapper(execute):
        yield


def plain_report(done: list[tuple[float, float]]) -> list[str]:
    pages, sql = sorted(ms for ms, _ in done), sorted(s for _, s in done)
    python = sorted(ms - s for ms, s in done)
    (p50,) = loadgen.percentiles(pages, (50,))
    return [
        f"{len(done)} first searches, only their statements timed: page p50 {p50:.1f} ms, "
        f"SQL p50 {statistics.median(sql):.1f} ms, the rest (Python) p50 "
        f"{statistics.median(python):.1f} ms, mean {statistics.mean(python):.1f} ms"
    ]


def replayed(queries: list[dict]) -> float | None:
    """ms to run a page's reads again at once, as bench/probe.py's floor replays them, on the
    same connection: what its SQL costs once the data it reads is in the database's memory.

    Against the SQL's time in the page, which read the data first, it says how much of a
    first search is reading data nobody had asked for (the floor replays warm data)."""
    from django.db import DatabaseError, transaction

    if connection.vendor != "postgresql":
        # SQLite's page stops a count at its budget with a progress handler, which a replay
        # of the statements would not: they would be timed counting to the end.
        return None
    reads = probe.read_statements(q["sql"] for q in queries)
    # In a test's transaction a cancelled count would end it: a savepoint around each read
    # (two round trips more each, so only there).
    guard = transaction.atomic if connection.in_atomic_block else contextlib.nullcontext
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for line in probe.request_script(reads):
            try:
                with guard():
                    cursor.execute(line)
                    if cursor.description:
                        cursor.fetchall()
            except DatabaseError:
                pass  # a count cancelled by its own budget, as in the page
    return (time.perf_counter() - started) * 1000


def matches(word: str) -> tuple[int, int]:
    """(own matches, statements added by the article tier) of a search of ``word``."""
    from articles.models import Quote

    quotes = Quote.objects.all()
    own = search.search_quotes(quotes, word, article_tier=search.ArticleTier())
    tier = search.article_tier_for(quotes, word)
    added = quotes.filter(article_id__in=tier.article_ids).exclude(pk__in=own.values("pk"))
    return own.count(), added.count()


def report(searches: list[Search], slowest: int) -> list[str]:
    if not searches:
        return ["no searches"]
    n = len(searches)
    p50, p95 = loadgen.percentiles(sorted(s.ms for s in searches), (50, 95))
    lines = [
        f"{n} first searches: p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
        f"SQL executing {statistics.mean(s.sql_ms for s in searches):.1f} ms a page "
        f"in {statistics.mean(s.queries for s in searches):.1f} queries",
        # What bench/run.py's floor is for a first search: its SQL replayed on warm data.
        _replay_line(searches),
        # The article tier's check ranks the own matches where it can keep that ranking for
        # the page (search.article_tier_for): that time is in both parts.
        "mean a page, by part (the article tier's check may rank, which counts in both):",
    ]
    for _, _, label in PARTS:
        mean = sum(s.parts.get(label, 0.0) for s in searches) / n
        lines.append(f"  {label:14s} {mean:6.1f} ms")
    uncounted = sum(not s.facets_counted for s in searches)
    lines.append(f"facets not counted in time: {uncounted} of {n}")
    lines.append("slowest (own matches, statements added by the article tier):")
    for s in sorted(searches, key=lambda s: -s.ms)[:slowest]:
        own, added = matches(s.word)
        parts = ", ".join(f"{label} {s.parts.get(label, 0.0):.1f}" for _, _, label in PARTS)
        counted = "" if s.facets_counted else "; facets not counted"
        lines.append(
            f"  {s.word}: {s.ms:.1f} ms (SQL {s.sql_ms:.1f}: {parts}); "
            f"own {own:,}, tier +{added:,}{counted}"
        )
    return lines


def _replay_line(searches: list[Search]) -> str:
    reads = statistics.median(s.reads_ms for s in searches)
    if any(s.replay_ms is None for s in searches):
        return f"its reads: p50 {reads:.1f} ms in the page (run again only on PostgreSQL)"
    again = statistics.median(s.replay_ms for s in searches)
    return (
        f"its reads run again at once: p50 {again:.1f} ms, against p50 {reads:.1f} ms in the page"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="start", type=int, default=12_000, help="vocabulary rank")
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--slowest", type=int, default=8)
    parser.add_argument(
        "--plain", action="store_true", help="time only the page and its SQL, nothing else"
    )
    args = parser.parse_args(argv)

    if not args.plain:
        setup_test_environment()  # so that responses carry their context (the facets)
    client = Client()
    # Start-up first: the process's speakers, events and outlets, and the templates.
    client.get("/quotes/", {"q": "the"})
    gc.collect()
    gc.freeze()
    print(f"== {connection.vendor}, words from vocabulary rank {args.start:,}")
    words = probe.content_words(args.start, args.words)
    if args.plain:
        print("\n".join(plain_report(plain_searches(client, words))))
        return
    searches = first_searches(client, words)
    print("\n".join(report(searches, args.slowest)))


if __name__ == "__main__":
    main()
