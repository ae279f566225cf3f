"""Compare two revisions of Parley under the same load, on the same database, at the same time.

The machine's own speed drifts between benchmark runs (a fixed Python loop took 2.0 to 4.1 s
within a day), so two full runs minutes apart cannot show a change of a few milliseconds. This
serves the working tree and an earlier revision (checked out into a temporary git worktree)
side by side with gunicorn, loads them alternately case by case, and prints the medians of the
rounds' p50 and p95. Each side can have its own number of workers, to compare server settings
on the same code:

    python bench/ab.py --before 14fe43f --rounds 3 "detail event" "search mid word"
    python bench/ab.py --before HEAD --before-workers 5 "list page 1"

It reads the cases of the last `bench/run.py` (bench/out/cases-pg.json) and serves the
PostgreSQL benchmark database (`parley_bench`), both left by that run.

A cold case ("search new mid word") must not ask a word twice: its kept values would answer
the second time. Each of its loads gets its own words, every 2 x rounds-th of a list of
unasked ones, so that both sides meet words of the same spread of frequencies, and what
earlier runs kept is dropped first (`count_facets --clear`, which counts the common lists
again). After each of its loads the background counts that load started are let finish
(`run.settle`), so that neither side is timed beside the other's.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import loadgen
import run
import servers

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "bench" / "out" / "cases-pg.json"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="case names (default: detail pages and lists)")
    parser.add_argument("--before", required=True, help="the git revision to compare against")
    parser.add_argument("--before-workers", type=int, default=servers.WORKERS)
    parser.add_argument("--after-workers", type=int, default=servers.WORKERS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/parley_bench")
    return parser.parse_args(argv)


def serve(root: Path, database_url: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = servers.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": servers.HOST,
        "DJANGO_LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(root),  # this tree's packages, not the installed working tree's
    }
    process = subprocess.Popen(
        servers.gunicorn_command(port, workers=workers, root=root), env=env, cwd=root,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    return process, port


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bad, _ = loadgen.check(port, ["/about/data/"])
        if not bad:
            return
        time.sleep(0.5)
    raise SystemExit(f"no answer on port {port} within {timeout:.0f} s")


# Vocabulary rank: past the words bench/run.py's cold case and its floor ask (1,600-3,232)
# (a case's own "fresh_from", bench/probe.py, where it gives one).
COLD_FROM = 3_400
COLD_PER_LOAD = 800  # more words than a load of five seconds asks for (about 500 here)
# Queued background counts wait at most 30 s (articles.facet_counts.LATER_TIMEOUT_MS) and each
# runs for at most as long again.
COLD_SETTLE_SECONDS = 120


def cold_loads(database_url: str, loads: int, start: int = COLD_FROM) -> list[list[str]]:
    """``loads`` disjoint lists of search URLs of unasked words, from vocabulary rank ``start``."""
    os.environ["DATABASE_URL"] = database_url
    import probe  # sets Django up on that database

    words = probe.content_words(start, loads * COLD_PER_LOAD)
    subprocess.run(
        [sys.executable, "manage.py", "count_facets", "--clear", "-v0"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url}, check=True,
    )  # fmt: skip
    return [[probe.quotes_url(q=word) for word in words[k::loads]] for k in range(loads)]


def main(argv=None) -> int:
    args = parse_args(argv)
    if not CASES.exists():
        raise SystemExit(f"{CASES} is missing: run bench/run.py first")
    cases = json.loads(CASES.read_text())
    names = args.cases or [
        "list page 1", "list by party", "detail quote", "detail speaker", "detail event",
        "detail article",
    ]  # fmt: skip
    unknown = [name for name in names if name not in cases]
    if unknown:
        raise SystemExit(f"unknown cases {unknown}; known: {sorted(cases)}")
    loader = loadgen.available_loader("auto")
    cold = [name for name in names if cases[name].get("cold")]
    fresh = {
        name: iter(
            cold_loads(args.database_url, args.rounds * 2, cases[name].get("fresh_from", COLD_FROM))
        )
        for name in cold
    }
    with tempfile.TemporaryDirectory(prefix="parley-ab-") as tmp:
        before_root = Path(tmp) / "before"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(before_root), args.before],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        staticfiles = ROOT / "staticfiles"
        if staticfiles.exists():  # the manifest DEBUG=0 needs; both trees' assets are alike
            (before_root / "staticfiles").symlink_to(staticfiles)
        processes = {}
        try:
            for label, root, workers in (
                ("before", before_root, args.before_workers),
                ("after", ROOT, args.after_workers),
            ):
                processes[label] = serve(root, args.database_url, workers)
            for _, port in processes.values():
                wait_ready(port)
            figures = {(label, name): [] for label in processes for name in names}
            for _, port in processes.values():  # each case's first visits, before timing
                for name in names:
                    if name not in cold:
                        loadgen.check(port, cases[name]["paths"])
            for round_ in range(args.rounds):
                order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
                for name in names:
                    for label in order:
                        paths = next(fresh[name]) if name in cold else cases[name]["paths"]
                        result = loadgen.run(
                            processes[label][1], paths, seconds=args.seconds,
                            connections=args.connections, loader=loader,
                        )  # fmt: skip
                        figures[(label, name)].append((result.p50, result.p95))
                        if name in cold:
                            # Its background counts finish before the other side's load: they
                            # would otherwise run beside it, timed as the other side's.
                            run.settle(args.database_url, most=COLD_SETTLE_SECONDS)
        finally:
            for process, _ in processes.values():
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(before_root)],
                cwd=ROOT, capture_output=True,
            )  # fmt: skip

    def median(label, name, i):
        return statistics.median(f[i] for f in figures[(label, name)])

    print(
        f"\nbefore = {args.before} ({servers.gunicorn_label(args.before_workers)}), after = "
        f"working tree ({servers.gunicorn_label(args.after_workers)}); {args.rounds} rounds, "
        f"loader {loader}"
    )
    print("| case | p50 before → after | p95 before → after |\n|---|---|---|")
    for name in names:
        print(
            f"| {name} | {median('before', name, 0):.1f} → {median('after', name, 0):.1f} "
            f"| {median('before', name, 1):.1f} → {median('after', name, 1):.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
