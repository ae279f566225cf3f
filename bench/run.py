"""Parley at scale, side by side with Datasette and with PostgreSQL's own floor.

    python bench/run.py --quotes 1000000          # the full benchmark (make bench)
    python bench/run.py --smoke                   # 20,000 quotes, short runs (make bench-smoke)

One run: generate the corpus (same seed) into PostgreSQL (database parley_bench) and a SQLite
file, export it for Datasette, serve Parley with gunicorn (DEBUG off, workers for this machine's
cores) on each database and Datasette on loopback ports, check that every URL answers 200, load
each case with wrk (or a Python loop where wrk is missing), run each page's SQL in psql for
the floor, and print one table. Exits non-zero if any Parley page answered anything but 200.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402
import postgres_memory  # noqa: E402
import prepare  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')
SEARCH_GROUP = "search"
COLD_CHECKED = 3  # a cold case's paths checked for errors before its load (and so warmed)
# articles.facet_counts.BACKGROUND_LOCK: held while the site counts in the background, and
# while it rests between counts (tests/test_bench.py checks the two agree).
COUNTING_LOCK = 0x5061726C


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quotes", type=int, default=1_000_000, help="PostgreSQL corpus size")
    parser.add_argument(
        "--sqlite-quotes",
        type=int,
        default=None,
        help="Parley on SQLite corpus size (default: --quotes; 0 skips it)",
    )
    parser.add_argument(
        "--datasette-quotes",
        type=int,
        default=None,
        help="Datasette corpus size (default: --quotes, the corpus PostgreSQL serves; 0 skips it)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10, help="load time per case and target")
    parser.add_argument("--connections", type=int, default=2, help="concurrent client connections")
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--deep", type=int, default=50, help="next links followed for deep pages")
    parser.add_argument("--floor-repeat", type=int, default=10)
    parser.add_argument("--max-paths", type=int, default=0, help="cap URLs per case (0: all)")
    parser.add_argument(
        "--pg-database", help="default parley_bench, or parley_bench_smoke with --smoke"
    )
    parser.add_argument(
        "--workers", type=int, default=servers.WORKERS, help="gunicorn workers (default: cores)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep databases of the right size")
    parser.add_argument("--smoke", action="store_true", help="20,000 quotes, 2 s per case")
    parser.add_argument("--results", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    if args.smoke:
        args.quotes = 20_000 if args.quotes == 1_000_000 else args.quotes
        args.seconds = min(args.seconds, 2)
        args.deep = min(args.deep, 10)
        args.floor_repeat = 1
        args.max_paths = args.max_paths or 3
    # The smoke test never overwrites the full-size corpus.
    args.pg_database = args.pg_database or ("parley_bench_smoke" if args.smoke else "parley_bench")
    if args.sqlite_quotes is None:
        args.sqlite_quotes = args.quotes
    if args.datasette_quotes is None:
        args.datasette_quotes = args.quotes
    return args


def probe(database_url: str, *args: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "probe.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        # The probe's own words (a page that did not answer 200, a traceback), not only its code.
        sys.stderr.write(done.stderr[-5000:])
        raise SystemExit(f"bench/probe.py {' '.join(args)} failed (exit {done.returncode})")
    return json.loads(done.stdout)


def trim(cases: dict, most: int) -> dict:
    if most:
        for case in cases.values():
            if case.get("cold"):
                continue  # its paths are each asked once: it needs them all
            case["paths"] = case["paths"][:most]
            if "terms" in case:
                case["terms"] = case["terms"][:most]
    return cases


def follow_next(port: int, start: str, hops: int) -> str:
    """The URL reached by following ``rel="next"`` links from ``start``, at most ``hops`` times."""
    path = start
    for _ in range(hops):
        try:
            with urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as response:
                page = response.read().decode()
        except OSError:
            break  # an error page: the check before the load reports it and fails the run
        match = NEXT_LINK.search(page)
        if not match:
            break
        path = urljoin(path, html.unescape(match.group(1)))
    return path


def add_deep_cases(cases: dict, port: int, hops: int) -> None:
    """Pages deep in the results, reached the way a reader would: by Next links."""
    party = cases["list by party"]["paths"][0]
    cases["list deep page"] = {
        "group": "list",
        "paths": [follow_next(port, start, hops) for start in ("/quotes/", party)],
    }
    mid = cases["search mid word"]["paths"][:2]
    cases["search deep page"] = {
        "group": "search",
        "paths": [follow_next(port, start, hops) for start in mid],
        "matches": cases["search mid word"].get("matches"),
    }


def datasette_paths(case: dict) -> list[str] | None:
    """The same searches through Datasette's table search (?_search=), 20 rows a page."""
    if case["group"] != SEARCH_GROUP or "terms" not in case:
        return None
    paths = []
    for term in case["terms"]:
        params = {"_search": term, "_size": 20}
        if term.startswith('"'):
            params["_searchmode"] = "raw"  # FTS5 phrase syntax, as Parley reads it
        filters = case.get("filters", {})
        if "party" in filters:
            params["party"] = filters["party_name"]
        if "date_from" in filters:
            params["said_on__gte"] = f"{filters['date_from']}-01-01"
        paths.append("/corpus/quotes?" + urlencode(params))
    return paths


def settle(database_url: str | None, most: float = 120.0) -> float:
    """Wait until the database runs no query but this one and nothing holds the background
    counting lock, twice in a row 0.2 s apart; the seconds waited.

    A first visit whose facets could not be counted in the page's budget starts a background
    count for the next visit. Letting those finish before the timed load measures the steady
    state the load repeats (the first-visit column shows the cold pages); not waiting would
    time the background counts as contention, once per URL. Between two counts the counting
    thread rests holding the lock, its connection idle: without the lock, a rest looked done.
    """
    if not database_url or not database_url.startswith("postgres"):
        return 0.0
    import psycopg

    started = time.monotonic()
    idle = 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() - started < most and idle < 2:
            busy = conn.execute(BUSY_SQL, [COUNTING_LOCK]).fetchone()[0]
            idle = 0 if busy else idle + 1
            time.sleep(0.2)
    return time.monotonic() - started


BUSY_SQL = (
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND state = 'active' AND pid <> pg_backend_pid()) + (SELECT count(*) FROM pg_locks "
    "WHERE locktype = 'advisory' AND classid = 0 AND objid = %s AND objsubid = 1)"
)


def measure(
    label: str, server, cases: dict, args, results: dict, failures: list, database_url=None
) -> None:
    for name, case in cases.items():
        paths = case.get("datasette") if label == "datasette" else case["paths"]
        if not paths:
            continue
        if case.get("cold"):
            # Asked once each: the check takes the first few, the load the rest, unwarmed.
            checked, paths = paths[:COLD_CHECKED], paths[COLD_CHECKED:]
            bad, first_visits = loadgen.check(server.port, checked)
            waited = 0.0
        else:
            bad, first_visits = loadgen.check(server.port, paths)
            waited = settle(database_url)
        failures.extend((label, name, path, status) for path, status in bad)
        result = loadgen.run(
            server.port, paths, seconds=args.seconds, connections=args.connections,
            loader=args.loader,
        )  # fmt: skip
        result.first_visit = statistics.median(first_visits)
        if case.get("cold"):
            result.asked_again = max(0, result.requests - len(paths))
        results[(label, name)] = result
        print(
            f"  {label:9} {name:22} p50 {result.p50:8.1f}  p95 {result.p95:8.1f}  "
            f"p99 {result.p99:8.1f} ms  {result.rps:7.1f} req/s  errors {result.errors}  "
            f"first visit {result.first_visit:8.1f} ms"
            + (f"  (background counts settled in {waited:.1f} s)" if waited >= 0.5 else ""),
            flush=True,
        )
        if result.asked_again:
            print(
                f"  WARNING: {result.requests} requests over {len(paths)} words asked once: "
                f"{result.asked_again} were asked again (bench/probe.py COLD_SEARCHES)"
            )


def main(argv=None) -> int:
    args = parse_args(argv)
    args.loader = loadgen.available_loader(args.loader)
    started = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"== corpus: {args.quotes:,} quotes (seed {args.seed}); loader: {args.loader}")
    prepare.collectstatic()
    pg_url = prepare.postgres(args.pg_database, args.quotes, args.seed, reuse=args.reuse)
    sizes = {"PostgreSQL": args.quotes}
    lite_url = ds_url = ds_db = None
    if args.sqlite_quotes:
        lite_url = prepare.sqlite(
            OUT / f"parley_bench_{args.sqlite_quotes}.sqlite3",
            args.sqlite_quotes,
            args.seed,
            reuse=args.reuse,
        )
        sizes["SQLite"] = args.sqlite_quotes
    if args.datasette_quotes:
        # Exported from Parley's SQLite build of the same size and seed, which holds the rows
        # PostgreSQL holds when the sizes agree (the generator is deterministic).
        ds_source = OUT / f"parley_bench_{args.datasette_quotes}.sqlite3"
        # The build Parley on SQLite just got, when the sizes agree: not generated twice.
        same_build = args.datasette_quotes == args.sqlite_quotes
        ds_url = prepare.sqlite(
            ds_source, args.datasette_quotes, args.seed, reuse=args.reuse or same_build
        )
        # One file per size: the export is reused while it is newer than its source, and a
        # smoke run's 20,000-quote export once stood in for the 100,000-quote one. Datasette
        # names the database after the file, so it stays corpus.db.
        ds_db = prepare.datasette_export(
            ds_source, OUT / f"datasette_{args.datasette_quotes}" / "corpus.db"
        )
        sizes["Datasette"] = args.datasette_quotes

    results, failures, floors, replayed = {}, [], {}, {}
    print("== Parley on PostgreSQL (gunicorn)")
    cases = trim(probe(pg_url, "cases"), args.max_paths)
    with servers.parley("parley-pg", pg_url, args.workers) as server:
        add_deep_cases(cases, server.port, args.deep)
        measure("pg", server, cases, args, results, failures, database_url=pg_url)
    (OUT / "cases-pg.json").write_text(json.dumps(cases, indent=1))
    print("== SQL floor on PostgreSQL")
    for name, figures in probe(
        pg_url, "floor", str(OUT / "cases-pg.json"), str(args.floor_repeat)
    ).items():
        # One connection, one request after another: its requests/s is the floor's own.
        latencies = figures["latencies_ms"]
        floors[name] = loadgen.Result.from_latencies(latencies, sum(latencies) / 1000)
        if again := figures.get("replayed_ms"):
            replayed[name] = loadgen.Result.from_latencies(again, sum(again) / 1000)

    lite_cases = None
    if lite_url:
        print("== Parley on SQLite (gunicorn)")
        lite_cases = trim(probe(lite_url, "cases"), args.max_paths)
        with servers.parley("parley-sqlite", lite_url, args.workers) as server:
            add_deep_cases(lite_cases, server.port, args.deep)
            measure("sqlite", server, lite_cases, args, results, failures)
    if ds_db:
        print("== Datasette")
        # The same searches as the Parley it is compared with: PostgreSQL's on the same corpus.
        same_as_pg = args.datasette_quotes == args.quotes
        ds_cases = cases if same_as_pg else lite_cases
        if ds_cases is None:
            ds_cases = trim(probe(ds_url, "cases"), args.max_paths)
        party_names = _party_names(ds_url)
        for case in ds_cases.values():
            if "party" in case.get("filters", {}):
                case["filters"]["party_name"] = party_names[case["filters"]["party"]]
            case["datasette"] = datasette_paths(case)
        with servers.datasette(ds_db) as server:
            ds_failures = []
            measure("datasette", server, ds_cases, args, results, ds_failures)
            for failure in ds_failures:
                print("  Datasette did not answer 200:", *failure[1:])

    text = report.table(cases, results, floors, sizes, replayed)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    header = (
        f"`{command}` — {stamp}, {os.cpu_count()} cores, loader {args.loader}, "
        f"{args.connections} connections, {args.seconds:g} s per case, "
        f"{servers.gunicorn_label(args.workers)}, {_python()}, "
        f"total {time.perf_counter() - started:.0f} s; "
        f"{postgres_memory.describe(pg_url)}"
    )
    print("\n" + header + "\n\n" + text)
    if args.results:
        args.results.write_text(f"# Benchmark results\n\n{header}\n\n{text}\n")
    if failures:
        print("\nFAILED: these Parley pages did not answer 200:")
        for label, name, path, status in failures:
            print(f"  {label} {name}: {path} -> {status}")
        return 1
    errored = [key for key, result in results.items() if result.errors and key[0] != "datasette"]
    if errored:
        print(f"\nFAILED: error responses under load: {errored}")
        return 1
    return 0


def _python() -> str:
    # Which build serves the pages matters as much as a machine's speed: on these machines
    # Debian's python3.11 ran Django's pages 5-20% faster than a pyenv build (Makefile).
    return f"Python {platform.python_version()} ({os.path.realpath(sys._base_executable)})"


def _party_names(database_url: str) -> dict[str, str]:
    code = (
        "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'archive.settings'); django.setup(); from articles.models import Party; "
        "print(json.dumps(dict(Party.objects.values_list('slug', 'name'))))"
    )
    env = {**os.environ, "DATABASE_URL": database_url}
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)


if __name__ == "__main__":
    sys.exit(main())
