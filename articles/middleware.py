"""Request-scoped helpers for the archive's caches."""

import functools
import logging

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

from articles.activity import serving
from articles.facet_counts import archive_version, one_version_per_request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

logger = logging.getLogger(__name__)


def archive_version_once(get_response):
    """Read-only requests read each database's archive version token once, and write what
    they kept to the shared cache once, after the page is sent.

    Facet counts, a search's ranked ids and a page's side lists are all cached under that
    token; each asked the database for it (about 0.25 ms a round trip). Pages served to safe
    methods write no archive table (they are ``require_safe``), so the token cannot change
    under them through their own doing. A streamed response's body, produced after this
    returns, reads the token again if it needs it. On a connection kept from an earlier
    request, that read comes first and stands in for Django's health check (``version_first``).

    The write comes after the response has been sent: the server closes the response once it
    has written the body (WSGI's ``close()``), and that runs the write. A first search's write
    (one upsert of 7-13 values, about 15 kB) took 1.4 ms at p50 (1.75 on average) at 1M
    quotes, and the reader waited for it. The worker is busy that long either way; the
    reader no longer is. The next visit finds the values kept, or, coming sooner, computes
    them again: every key names the archive's version, so nothing stale is ever served.

    Every request, safe or not, is marked as being served (articles/activity.py): background
    counts wait for a quiet moment.
    """

    def middleware(request):
        with serving():
            if request.method not in SAFE_METHODS:
                return get_response(request)
            later = []
            with one_version_per_request(after=later):
                version_first(DEFAULT_DB_ALIAS)
                response = get_response(request)
        for write in later:
            # HttpResponse.close() runs these before it sends request_finished (which may
            # close the connection), and passes over their errors in silence: _written logs.
            response._resource_closers.append(functools.partial(_written, write, request.path))
        return response

    return middleware


def _written(write, path: str) -> None:
    """Run ``write`` (a request's kept values, after its response) as served work. Failing, it
    loses nothing the reader sees: the page was sent, and its values are computed again."""
    with serving():
        try:
            write()
        except Exception:
            logger.exception("The values kept while serving %s were not written", path)


def version_first(alias: str) -> None:
    """Read the archive's version token as the request's first query on a kept connection,
    in place of Django's health check, and on a fresh connection if the kept one is gone.

    With CONN_HEALTH_CHECKS, Django sends ``SELECT 1`` before a request's first query on a
    connection kept from an earlier request, and reconnects if it fails. Every archive page
    reads the token anyway, so that round trip was one of three on a warm PostgreSQL page.
    Reading the token first checks the connection as well; when the server has closed it
    (a restart, an idle timeout, a pooler), the read fails at once and is made again on a new
    connection, so the reader still gets the page and not an error. Inside a transaction (a
    test's), or where Django would not check, it leaves everything to Django.
    """
    connection = connections[alias]
    if (
        connection.connection is None
        or not connection.health_check_enabled
        or connection.health_check_done
        or connection.in_atomic_block
        or connection.vendor not in ("postgresql", "sqlite")
    ):
        return
    connection.health_check_done = True  # the read below is the check
    try:
        archive_version(alias)
    except (OperationalError, InterfaceError):
        connection.close()
        archive_version(alias)  # connects again; a new connection needs no check
