"""Request-scoped helpers for the archive's caches."""

from articles.activity import serving
from articles.facet_counts import one_version_per_request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def archive_version_once(get_response):
    """Read-only requests read each database's archive version token once, and write what
    they kept to the shared cache once, when the page is built.

    Facet counts, a search's ranked ids and a page's side lists are all cached under that
    token; each asked the database for it (about 0.25 ms a round trip). Pages served to safe
    methods write no archive table (they are ``require_safe``), so the token cannot change
    under them through their own doing. A streamed response's body, produced after this
    returns, reads the token again if it needs it.

    Every request, safe or not, is marked as being served (articles/activity.py): background
    counts wait for a quiet moment.
    """

    def middleware(request):
        with serving():
            if request.method not in SAFE_METHODS:
                return get_response(request)
            with one_version_per_request():
                return get_response(request)

    return middleware
