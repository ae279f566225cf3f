"""Template helpers for the browse pages."""

import datetime
import functools
from html import escape

from django import template
from django.template.defaultfilters import date
from django.urls import NoReverseMatch, reverse
from django.utils.formats import FORMAT_SETTINGS
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
def _said_on(said_on: datetime.date, language: str) -> str:
    iso, shown = _format_day(said_on, "Y-m-d", language), _format_day(said_on, "j M Y", language)
    return f'<time datetime="{escape(iso)}">{escape(shown)}</time>'


# One statement in a list: quote lists, speaker and event pages, the home page. Written here
# rather than as an included template because it is the most repeated markup on the site: as
# an {% include %} each row cost ~0.4 ms at 1M quotes (two dozen variable lookups through model
# instances, a failed ``snippet`` lookup that calls dir(), five URL lookups, two date filters),
# 20 ms of an event page's 50 rows; format_html still cost ~0.1 ms a row in escape() wrappers.
# It writes the bytes the template wrote: every value escaped as {{ }} escapes a plain string
# (html.escape, which django.utils.html.escape wraps), and the snippet, already safe HTML, as is.
@register.simple_tag
def quote_item(quote) -> SafeString:
    """A statement's list item: its words (or search snippet), speaker, date, kind and sources."""
    speaker, article, event, relayed_by = (
        quote.speaker,
        quote.article,
        quote.event,
        quote.relayed_by,
    )
    party, outlet, said_on = speaker.party, article.outlet, quote.said_on
    # Set by search highlighting only: the text, escaped, with matched words in <mark>.
    snippet = getattr(quote, "snippet", None)
    words = snippet.__html__() if snippet else escape(quote.text)
    date_html = _said_on(said_on, get_language()) if said_on else "date unknown"
    party_html = ""
    if party:
        party_html = f' (<a href="{escape(party.get_absolute_url())}">{escape(str(party))}</a>)'
    event_html = ""
    if event:
        event_html = f'· <a href="{escape(event.get_absolute_url())}">{escape(event.name)}</a>'
    source = escape(outlet.name) if outlet else "Unknown outlet"
    if relayed_by:
        source += f", via {escape(relayed_by.name)}"
    # The pk goes into URLs as plain digits (the template's {{ quote.pk }} gave the same while
    # USE_THOUSAND_SEPARATOR is off, as it is here).
    pk = str(quote.pk)
    return SafeString(
        f"""<li class="quote-item">
  <blockquote{' class="snippet"' if snippet else ""}><p>{words}</p></blockquote>
  <p class="meta">
    <a href="{escape(speaker.get_absolute_url())}">{escape(speaker.name)}</a>{party_html}
    · {date_html}
    · {escape(str(quote.get_kind_display()))}
    {event_html}
    · {source}
    · <a href="{escape(article.get_absolute_url())}?quote={pk}#q-{pk}">in the article</a>
    · <a href="{escape(quote.get_absolute_url())}">permalink</a>
  </p>
</li>
"""
    )
