"""Template helpers for the browse pages."""

import datetime
import functools
from html import escape

from django import template
from django.template.defaultfilters import date
from django.urls import NoReverseMatch, reverse
from django.utils.formats import FORMAT_SETTINGS
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from articles.links import route_url

register = template.Library()


@register.simple_tag
def optional_url(name: str, *args) -> str:
    """The URL of a route, or "" while that route does not exist (export routes land separately)."""
    try:
        return reverse(name, args=args) if args else route_url(name)
    except NoReverseMatch:
        return ""


@register.simple_tag
def route(name: str) -> str:
    """``{% url name %}`` for a route without arguments, reversed once per process
    (articles.links): the header's links and every list's export links were a dozen
    reverse() calls of ~15 us on every page."""
    return route_url(name)


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
    · {escape(_kind_label(quote))}
    {event_html}
    · {source}
    · <a href="{escape(article.get_absolute_url())}?quote={pk}#q-{pk}">in the article</a>
    · <a href="{escape(quote.get_absolute_url())}">permalink</a>
  </p>
</li>
"""
    )


def _kind_label(quote) -> str:
    """``str(quote.get_kind_display())``, from a map made once: Django's builds one per call."""
    return _kind_labels(type(quote)).get(quote.kind, str(quote.kind))


@functools.cache
def _kind_labels(model) -> dict[str, str]:
    return {value: str(label) for value, label in model.Kind.choices}


def _text(value) -> str:
    """``value`` as {{ value }} writes it: escaped, unless already safe HTML."""
    # A plain string is the common case here (labels, slugs); escape() is what {{ }} applies.
    if type(value) is str:
        return escape(value)
    return conditional_escape(value)


def _errors(errors, id_: str) -> str:
    """What articles/_errors.html writes: its closing newline is written even without errors."""
    if not errors:
        return "\n"
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="errorlist" id="{id_}">{items}</ul>\n'


def _timed_out(facet) -> str:
    """The note of a facet not counted in time (it was articles/_facet_timed_out.html)."""
    later = ", or come back in a moment: they are being counted" if facet.counting_later else ""
    return (
        "Counts not shown: too many statements to count quickly. "
        f"Narrow the filters to see them{later}."
    )


def _checkbox_facet(facet, name: str, label: str) -> str:
    errors_id = f"f-{name}-errors"
    described = f' aria-describedby="{errors_id}"' if facet.errors else ""
    hint = f'<p class="hint">{_timed_out(facet)}</p>' if facet.timed_out else ""
    options = []
    for number, option in enumerate(facet.options, 1):
        checked = " checked" if option.selected else ""
        count = f' <span class="count">({option.count})</span>' if option.count is not None else ""
        options.append(
            f"""
    <div class="option">
      <input type="checkbox" id="f-{name}-{number}" name="{name}" value="{_text(option.value)}"{checked}>
      <label for="f-{name}-{number}">{_text(option.label)}{count}</label>
    </div>
    """  # noqa: E501 (the markup's own lines)
        )
    if not options:  # the loop's {% empty %}: its line break is written even when timed out
        none = f'<p class="hint">No {_text(label.lower())} within these filters.</p>'
        options.append(f"{'' if facet.timed_out else none}\n    ")
    return f"""
  <fieldset class="facet"{described}>
    <legend>{_text(label)}</legend>
    {_errors(facet.errors, errors_id)}
    {hint}
    {"".join(options)}
  </fieldset>
  """


def _select_facet(facet, name: str, label: str) -> str:
    errors_id = f"f-{name}-errors"
    if facet.errors:
        described = f' aria-invalid="true" aria-describedby="{errors_id}"'
    elif facet.timed_out:
        described = f' aria-describedby="f-{name}-timed-out"'
    else:
        described = ""
    hint = ""
    if facet.timed_out:
        hint = f'<p class="hint" id="f-{name}-timed-out">{_timed_out(facet)}</p>'
    options = "".join(
        f'<option value="{_text(option.value)}"{" selected" if option.selected else ""}>'
        f"{_text(option.label)}{f' ({option.count})' if option.count is not None else ''}"
        "</option>\n      "
        for option in facet.options
    )
    return f"""
  <div class="field facet">
    <label for="f-{name}">{_text(label)}</label>
    <select id="f-{name}" name="{name}"{described}>
      <option value="">Any</option>
      {options}
    </select>
    {hint}
    {_errors(facet.errors, errors_id)}
  </div>
  """


# The facets of the statement filter form (quote lists, speaker and event pages), written here
# rather than in articles/_quote_filters.html because a page shows about a hundred options, each
# a handful of {{ }} lookups, {% if %}s and a localized count: ~2 ms of a list page's rendering.
# Same bytes as the template loop it replaced (tests/test_facet_form.py renders both): text is
# escaped as {{ }} escapes it, and counts and option numbers are written as plain digits (the
# template gave the same while USE_THOUSAND_SEPARATOR is off, as it is here). Facet names come
# from articles.facets.QUOTE_FACETS, identifiers that need no escaping.
@register.simple_tag
def facet_fields(facets) -> SafeString:
    """Each facet as a fieldset of checkboxes (several choices) or a select (one choice)."""
    parts = []
    for facet in facets:
        render = _checkbox_facet if facet.multiple else _select_facet
        parts.append(f"\n  {render(facet, facet.name, str(facet.label))}\n  ")
    return SafeString("".join(parts))
