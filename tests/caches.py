"""Emptying every cache a test can see: the shared one and each process's own tier."""

from django.core.cache import caches


def clear_caches() -> None:
    """What ``cache.clear()`` did before values were also held in the process's memory
    (settings: CACHES["process"]): a test that clears to force a recount must clear both."""
    for cache in caches.all():
        cache.clear()
