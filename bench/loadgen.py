"""Load generators: wrk (Debian's package) when installed, else a small Python loop.

Both send GET requests for a fixed list of paths, round robin, over a few keep-alive
connections to a loopback address, for a bounded time and a bounded number of requests, and
report latency percentiles and requests per second. Only 127.0.0.1 is ever a target.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).with_name("paths.lua")
HOST = "127.0.0.1"
# As long as gunicorn lets a worker run (servers.py): a slow page is measured, not dropped.
CLIENT_TIMEOUT = 120


@dataclass
class Result:
    requests: int
    seconds: float
    p50: float  # milliseconds
    p95: float
    p99: float
    errors: int  # responses other than 2xx/3xx, plus socket errors
    first_visit: float = float("nan")  # ms, median of one cold request per URL
    # Requests past the case's URLs, in a case whose URLs are each to be asked once.
    asked_again: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def from_latencies(cls, latencies_ms: list[float], seconds: float, errors: int = 0):
        ordered = sorted(latencies_ms)
        return cls(len(ordered), seconds, *percentiles(ordered, (50, 95, 99)), errors)


def percentiles(ordered: list[float], points) -> list[float]:
    """Nearest-rank percentiles of an already sorted list (NaN when empty)."""
    if not ordered:
        return [float("nan")] * len(points)
    return [
        ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] for p in points
    ]


def check(port: int, paths: list[str], timeout: float = CLIENT_TIMEOUT) -> tuple[list, list]:
    """GET every path once: (paths that did not answer 200 with their status, latencies in ms).

    These are first visits, before any cache the page keeps is warm.
    """
    failures, latencies = [], []
    for path in paths:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            failures.append((path, status))
    return failures, latencies


MIN_REQUESTS = 5


def run(port: int, paths: list[str], *, seconds: float, connections: int, loader: str) -> Result:
    """Load ``paths`` for ``seconds``; slow pages still get MIN_REQUESTS complete requests.

    wrk counts only requests that finish inside its duration, so a page slower than the run
    would report nothing; such a case is measured again by the Python loop, which waits for
    at least MIN_REQUESTS answers (within a hard limit).
    """
    if loader == "wrk":
        result = _wrk(port, paths, seconds=seconds, connections=connections)
        if result.requests >= MIN_REQUESTS:
            return result
    return _python(port, paths, seconds=seconds, connections=connections, min_requests=MIN_REQUESTS)


def share(paths: list[str], client: int, clients: int) -> list[str]:
    """The paths client ``client`` of ``clients`` cycles through: every ``clients``th from its
    own, all of them where that leaves it none. No path is asked by two clients, so a case
    whose words are each asked once (bench/probe.py) has none asked twice while the load
    asks fewer than it holds (bench/paths.lua does the same for wrk's threads)."""
    return paths[client::clients] or paths


def available_loader(preferred: str) -> str:
    if preferred == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if preferred == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk, or use --loader python")
    return preferred


def _wrk(port: int, paths: list[str], *, seconds: float, connections: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths) + "\n")
    try:
        threads = min(connections, 2)
        command = [
            "wrk", f"--threads={threads}", f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s", f"--timeout={CLIENT_TIMEOUT}s",
            "--script", str(LUA), f"http://{HOST}:{port}", "--", handle.name, str(threads),
        ]  # fmt: skip
        output = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + CLIENT_TIMEOUT + 30,
        ).stdout
    finally:
        Path(handle.name).unlink()
    figures = json.loads(output.strip().splitlines()[-1])
    return Result(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50=figures["p50_us"] / 1000,
        p95=figures["p95_us"] / 1000,
        p99=figures["p99_us"] / 1000,
        errors=figures["non2xx"] + figures["socket_errors"],
    )


def _python(
    port: int,
    paths: list[str],
    *,
    seconds: float,
    connections: int,
    min_requests: int = 1,
    max_requests: int = 20_000,
    hard_limit: float = 180,
) -> Result:
    """Closed-loop clients on keep-alive connections.

    Each client stops after ``seconds`` once it has its share of ``min_requests``, after
    ``max_requests`` in all, or at ``hard_limit`` seconds whatever happens.
    """
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    now = time.perf_counter()
    deadline, hard_deadline = now + seconds, now + max(seconds, hard_limit)
    per_client = max_requests // connections
    min_per_client = -(-min_requests // connections)

    def client(own: list[str]):
        conn = http.client.HTTPConnection(HOST, port, timeout=CLIENT_TIMEOUT)
        mine, failed = [], 0
        for n in range(per_client):
            clock = time.perf_counter()
            if (clock >= deadline and n >= min_per_client) or clock >= hard_deadline:
                break
            path = own[n % len(own)]
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=CLIENT_TIMEOUT)
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [
        threading.Thread(target=client, args=(share(paths, i, connections),))
        for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result.from_latencies(latencies, time.perf_counter() - started, errors[0])
