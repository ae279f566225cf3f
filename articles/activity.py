"""Whether this process is serving requests, so that work for later can wait for a quiet moment.

Background counts (facet_counts) are for the next visit; a request is a reader waiting now. On
a two-core server counts run beside a burst of new searches took the CPU those pages needed:
at 1M quotes, with no background counts at all a first search's p95 fell from 53.6 to 36.3 ms
(bench/ab.py, docs/scaling.md). So a count starts when this process has served nothing for a
moment, and waits only so long: under a load that never pauses, counting still goes on, one
count per wait.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

_lock = threading.Lock()
# Requests in flight in this process, and when the last one ended (time.monotonic()).
_state = {"serving": 0, "ended": float("-inf")}


@contextmanager
def serving():
    """Mark a request as being served while inside (the middleware wraps every request)."""
    with _lock:
        _state["serving"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["serving"] -= 1
            _state["ended"] = time.monotonic()


def quiet_for() -> float:
    """Seconds since this process last served a request: 0 while one is in flight."""
    with _lock:
        serving, ended = _state["serving"], _state["ended"]
    return 0.0 if serving else time.monotonic() - ended


def wait_until_quiet(quiet: float, most: float) -> float:
    """Wait until no request has been served for ``quiet`` seconds, or for ``most`` seconds at
    most; the seconds waited."""
    started = time.monotonic()
    while True:
        idle = quiet_for()
        waited = time.monotonic() - started
        if idle >= quiet or waited >= most:
            return waited
        time.sleep(min(quiet - idle, most - waited))
