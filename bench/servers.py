"""Start and stop the servers under test: gunicorn for Parley, Datasette for the baseline.

Each server runs in its own session (process group) and listens on a free loopback port; it is
stopped by that group's id, so nothing else on the machine is touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# One sync worker per core. gunicorn's rule of thumb, (2 x cores) + 1 = 5 here, was slower on
# every page: side by side at 1M quotes (bench/ab.py --before-workers 5, docs/scaling.md) five
# workers took 10-30 % more p50 and p95 than two. An idle sync worker waits in select() on
# the listening socket, so every new connection wakes all of them for one to accept it, on
# two cores that PostgreSQL and the load generator share; a page spends about a fifth of its
# time in PostgreSQL, too little for more workers than cores to fill the wait.
WORKERS = os.cpu_count() or 2
# Sync workers: one request at a time per process, each connection closed after its response,
# as gunicorn runs behind a proxy that keeps the clients' connections. Measured and left out
# (docs/scaling.md): gthread workers with one thread each keep wrk's two connections alive,
# which saved 3-6 ms p50 a request, but a gthread worker accepts connections while its thread
# is busy, so two kept connections can sit on one worker for a whole case and wait on each
# other: in a full run, "search + filters" and the search deep page had twice their p50.
# granian keeps connections too, but gives each worker its own listening socket
# (SO_REUSEPORT): the kernel hashes each connection to one worker, so both of wrk's could land
# on one, and with one connection a worker (--backpressure=1) the second waited for a whole
# case.


def gunicorn_command(port: int, *, workers: int = WORKERS, root: Path = ROOT) -> list[str]:
    """gunicorn serving Parley's WSGI application from ``root`` on ``port``."""
    return [
        str(BIN / "gunicorn"), "archive.wsgi:application", f"--bind={HOST}:{port}",
        f"--workers={workers}", "--worker-class=sync", "--timeout=120", f"--chdir={root}",
    ]  # fmt: skip


def gunicorn_label(workers: int = WORKERS) -> str:
    return f"gunicorn {workers} sync workers"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(
        self, name: str, command: list[str], env: dict, port: int, ready_path: str,
        *, leftovers: tuple[Path, ...] = (),
    ):  # fmt: skip
        self.name, self.port, self.ready_path = name, port, ready_path
        self.leftovers = leftovers  # deleted once the server has stopped
        log = ROOT / "bench" / "out" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log.open("w")
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited early; see {self.log.name}")
            try:
                with urllib.request.urlopen(
                    f"http://{HOST}:{self.port}{self.ready_path}", timeout=5
                ):
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        for path in self.leftovers:
            shutil.rmtree(path, ignore_errors=True)

    def __enter__(self):
        self.wait_ready()
        return self

    def __exit__(self, *exc):
        self.stop()


def parley(name: str, database_url: str, workers: int = WORKERS) -> Server:
    """Parley under gunicorn with production settings (DEBUG off).

    On SQLite the workers share a file cache, as a deployment with several processes should
    (README, PARLEY_CACHE): with each worker's own memory every first visit was paid five times.
    It starts empty, like PostgreSQL's cache table for a new archive version, in a directory of
    its own; earlier runs' are deleted only once this server has stopped. Deleting them as it
    started made the cache's files slow to create for minutes, in the very phase measured: this
    machine's ext4 has no journal, so its allocator steps over every inode freed in the last
    minutes (``recently_deleted``), and after 15,000 files were deleted a new file took 1.0 ms
    at 20 s, 0.6 at 40 s and 0.1-0.35 for minutes after, against 0.013 ms; a first search
    writes about twelve (docs/scaling-history.md).
    """
    port = free_port()
    cache, leftovers = {}, []
    if database_url.startswith("sqlite"):
        leftovers = sorted((ROOT / "bench" / "out").glob(f"{name}-cache*"))
        directory = ROOT / "bench" / "out" / f"{name}-cache-{time.time_ns()}"
        cache = {"PARLEY_CACHE": f"file:{directory}"}
        leftovers.append(directory)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_LOG_LEVEL": "ERROR",
        **cache,
    }
    command = gunicorn_command(port, workers=workers)
    return Server(name, command, env, port, "/about/data/", leftovers=tuple(leftovers))


def datasette(path: Path) -> Server:
    """Datasette serving the exported corpus read-only (immutable, as for publishing)."""
    port = free_port()
    command = [
        str(BIN / "datasette"), "serve", "--immutable", str(path), f"--host={HOST}",
        f"--port={port}", "--setting", "sql_time_limit_ms", "10000",
    ]  # fmt: skip
    return Server("datasette", command, dict(os.environ), port, "/-/versions.json")
