"""Give the local PostgreSQL server the memory a production database server has, or take it back.

    python bench/postgres_memory.py show      # shared_buffers, huge pages, what is in use
    python bench/postgres_memory.py apply     # 25 % of RAM in huge pages, restart, prewarm
    python bench/postgres_memory.py reset     # the distribution's defaults again, restart

The distribution's defaults are 128 MB of shared_buffers in ordinary 4 kB pages. At 1M quotes
the quote table alone is 500 MB, so a first search reads most of its matches' pages from the
OS. PostgreSQL's documentation starts a dedicated server at 25 % of memory, and recommends
huge pages for a large shared_buffers. On this virtual machine huge pages made each heap page a
bitmap scan visits about three times cheaper, the pages already in the buffers (counting
10,485 matches on 7,934 pages: 35 ms in 4 kB pages, 11.5 ms in 2 MB pages): with 4 kB pages
nearly every visit missed the TLB, which a virtual machine pays twice.

``apply`` needs root (it reserves the huge pages in /proc/sys/vm/nr_hugepages) and restarts the
server with pg_ctlcluster, as this workplace's machines run it. ``huge_pages = try`` keeps a
server whose reservation is gone (after a reboot) starting, in ordinary pages. ``apply`` then
loads the benchmark database's quote table and its indexes into the buffers (pg_prewarm, part
of PostgreSQL), as a server that has been serving a while holds them. Run ``reset`` when done:
the test suites and CI expect the machine's server as it was.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH = "postgres://postgres@127.0.0.1:5432/parley_bench"
SHARE = 0.25  # of the machine's memory, PostgreSQL's documented starting point
HUGE_PAGE_KB = 2048
# shared_buffers is not all of the shared memory: PostgreSQL adds its other structures.
OVERHEAD = 1.05
NR_HUGEPAGES = Path("/proc/sys/vm/nr_hugepages")
PREWARMED = ("articles_quote", "quote_search_vector_gin", "articles_quote_pkey")


def meminfo() -> dict[str, int]:
    found = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        name, value = line.split(":", 1)
        found[name] = int(value.split()[0])
    return found


def describe(url: str = ADMIN) -> str:
    """The server's buffers and page size in one line, for the benchmark's header."""
    with psycopg.connect(url, autocommit=True) as conn:
        buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
        huge = conn.execute("SHOW huge_pages").fetchone()[0]
    info = meminfo()
    used = info.get("HugePages_Total", 0) - info.get("HugePages_Free", 0)
    used += info.get("HugePages_Rsvd", 0)
    pages = f"{used:,} huge pages in use" if used else "4 kB pages"
    return f"PostgreSQL shared_buffers {buffers}, huge_pages {huge} ({pages})"


def _restart() -> None:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"],
        check=True,
    )


def _set(**settings: str | None) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        for name, value in settings.items():
            if value is None:
                conn.execute(f"ALTER SYSTEM RESET {name}")
            else:
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")


def apply() -> None:
    total_kb = meminfo()["MemTotal"]
    buffers_mb = int(total_kb * SHARE / 1024) // 1024 * 1024  # whole gigabytes
    pages = int(buffers_mb * 1024 * OVERHEAD / HUGE_PAGE_KB) + 1
    try:
        NR_HUGEPAGES.write_text(f"{pages}\n")
    except OSError as error:
        raise SystemExit(f"Reserving huge pages needs root ({NR_HUGEPAGES}): {error}") from None
    reserved = int(NR_HUGEPAGES.read_text())
    if reserved < pages:
        raise SystemExit(f"Only {reserved} of {pages} huge pages could be reserved.")
    _set(shared_buffers=f"{buffers_mb}MB", huge_pages="try")
    _restart()
    try:
        with psycopg.connect(BENCH, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            for relation in PREWARMED:
                conn.execute("SELECT pg_prewarm(%s)", [relation])
    except psycopg.OperationalError as error:  # no benchmark database yet: nothing to warm
        print(f"Not prewarmed: {error}".strip())
    print(describe())


def reset() -> None:
    _set(shared_buffers=None, huge_pages=None)
    # Before the restart too: the default huge_pages = try would take any still reserved. Pages
    # the running server holds are released by the second write, once it has restarted.
    NR_HUGEPAGES.write_text("0\n")
    _restart()
    NR_HUGEPAGES.write_text("0\n")
    print(describe())


def main(argv: list[str]) -> None:
    commands = {"show": lambda: print(describe()), "apply": apply, "reset": reset}
    if len(argv) != 1 or argv[0] not in commands:
        raise SystemExit(__doc__.split("\n\n")[0])
    commands[argv[0]]()


if __name__ == "__main__":
    main(sys.argv[1:])
