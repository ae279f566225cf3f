"""reverse() for the links every row carries, done once per route instead of once per link.

A page of statements links each row to its speaker, party, event, article and permalink: about
130 reverse() calls on a speaker page, each walking namespaces and the resolver's reverse
dictionary. The routes those links use take no argument, or one slug or integer, so the URL is
a fixed head and tail around the value: reverse once with a marker value, cache the two halves,
and splice each value in. The result is the string reverse() returns.

The cache is keyed by the script prefix (SCRIPT_NAME, so a site mounted under /parley/ keeps
its prefix) and by the resolver object, which Django replaces when ROOT_URLCONF changes or a
request sets its own urlconf. The project has no i18n_patterns, so the language is not a key.
"""

import functools
import re

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

# What the <slug:> and <int:> converters accept. A value outside these would make reverse()
# raise NoReverseMatch (or, for other characters, percent-encode); such values go through
# reverse() itself, so the result and the error stay exactly Django's.
_ACCEPTS = {"slug": re.compile(r"[-a-zA-Z0-9_]+"), "pk": re.compile(r"[0-9]+")}
# Digits, so both converters accept it; long enough never to occur in a route's own text.
_MARKER = "90817263544536271809"


@functools.cache
def _halves(name: str, kwarg: str | None, prefix: str, resolver) -> tuple[str, str]:
    # prefix and resolver are cache keys only: reverse() reads both itself.
    if kwarg is None:
        return reverse(name), ""
    head, _, tail = reverse(name, kwargs={kwarg: _MARKER}).rpartition(_MARKER)
    return head, tail


def route_url(name: str, kwarg: str | None = None, value=None) -> str:
    """``reverse(name, kwargs={kwarg: value})``, or ``reverse(name)`` without ``kwarg``."""
    halves = (name, kwarg, get_script_prefix(), get_resolver(get_urlconf()))
    if kwarg is None:
        return _halves(*halves)[0]
    text = str(value)
    if not _ACCEPTS[kwarg].fullmatch(text):
        return reverse(name, kwargs={kwarg: value})
    head, tail = _halves(*halves)
    return head + text + tail
