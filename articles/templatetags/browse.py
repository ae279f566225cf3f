"""Template helpers for the browse pages."""

import datetime
import functools

from django import template
from django.template.defaultfilters import date
from django.urls import NoReverseMatch, reverse
from django.utils.formats import FORMAT_SETTINGS
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def optional_url(name: str, *args) -> str:
    """The URL of a route, or "" while that route does not exist (export routes land separately)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# One statement in a list: quote lists, speaker and event pages, the home page. Written here
# rather than as an included template because it is the most repeated markup on the site: as
# an {% include %} each row cost ~0.4 ms at 1M quotes (two dozen variable lookups through model
# instances, a failed ``snippet`` lookup that calls dir(), five URL lookups), 20 ms of an event
# page's 50 rows. The output is the markup the template produced, byte for byte.
_ITEM = """<li class="quote-item">
  <blockquote{}><p>{}</p></blockquote>
  <p class="meta">
    <a href="{}">{}</a>{}
    · {}
    · {}
    {}
    · {}{}
    · <a href="{}?quote={}#q-{}">in the article</a>
    · <a href="{}">permalink</a>
  </p>
</li>
"""


@functools.lru_cache(maxsize=8192)
def _format_day(value: datetime.date, fmt: str, language: str) -> str:
    # Month and day names depend on the language, hence the key.
    return date(value, fmt)


@register.filter(expects_localtime=True)
def day(value, arg=None):
    """The ``date`` filter, remembered for calendar dates (a datetime goes to ``date`` itself).

    It takes ~20 us a call, twice per row of the lists of events and articles, and a page
    shows few distinct days.
    """
    # Only literal formats ("j M Y"): a named one (DATE_FORMAT) also depends on settings.
    if type(value) is datetime.date and arg and arg not in FORMAT_SETTINGS:
        return _format_day(value, arg, get_language())
    return date(value, arg)


@functools.lru_cache(maxsize=8192)
def _said_on(said_on: datetime.date, language: str) -> SafeString:
    return format_html(
        '<time datetime="{}">{}</time>',
        _format_day(said_on, "Y-m-d", language),
        _format_day(said_on, "j M Y", language),
    )


@register.simple_tag
def quote_item(quote) -> SafeString:
    """A statement's list item: its words (or search snippet), speaker, date, kind and sources."""
    # Set by search highlighting only; a SafeString, so format_html keeps its <mark>s.
    snippet = getattr(quote, "snippet", None)
    speaker, event, article, relayed_by = (
        quote.speaker,
        quote.event,
        quote.article,
        quote.relayed_by,
    )
    party = speaker.party
    outlet = article.outlet
    said_on = quote.said_on
    # The pk goes into a URL as plain digits (the template's {{ quote.pk }} gave the same
    # while USE_THOUSAND_SEPARATOR is off, as it is here).
    pk = str(quote.pk)
    return format_html(
        _ITEM,
        SafeString(' class="snippet"') if snippet else "",
        snippet if snippet else quote.text,
        speaker.get_absolute_url(),
        speaker.name,
        format_html(' (<a href="{}">{}</a>)', party.get_absolute_url(), party) if party else "",
        _said_on(said_on, get_language()) if said_on else "date unknown",
        quote.get_kind_display(),
        format_html('· <a href="{}">{}</a>', event.get_absolute_url(), event.name) if event else "",
        outlet.name if outlet else "Unknown outlet",
        format_html(", via {}", relayed_by.name) if relayed_by else "",
        article.get_absolute_url(),
        pk,
        pk,
        quote.get_absolute_url(),
    )
