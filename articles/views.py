"""Thin, read-only HTML views: queryset, filterset, ``filterset.qs``, paginate, context.

A list whose parameters do not validate renders its form with the errors and a 400 status, and
runs no result query. Every page runs a fixed number of queries; tests/test_views_queries.py
pins the numbers.
"""

import functools
from http import HTTPStatus

from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from articles import search
from articles.facet_counts import kept, visiting
from articles.facets import quote_facets, summary
from articles.filters import (
    PAGE_SIZE,
    ArticleDetailForm,
    ArticleFilterSet,
    EventFilterSet,
    QuoteFilterSet,
    SpeakerFilterSet,
)
from articles.marking import anchor_id, context_of, mark_quotes
from articles.models import Article, Event, NegotiationFormat, Quote, Speaker
from articles.pagination import keyset_page, paginate
from articles.querysets import attach_quote_counts

HOME_EVENTS = 50
# An event page shows a page of statements like every list (its Next link reaches the rest) and
# the newest covering articles (one link reaches all): at 200 statements rendering alone took
# ~95 ms at 1M quotes, at 50 statements and 50 articles 10 ms of a 30 ms page (bench/RESULTS.md).
EVENT_QUOTES = PAGE_SIZE
EVENT_ARTICLES = 20
# A speaker page lists the newest events they spoke about, the rest one link away: the most
# quoted speaker of the 1M-quote corpus spoke about 496, and listing them all took ~80 ms of a
# 110 ms page (rendering, at 20 the list costs ~2 ms).
SPEAKER_EVENTS = 20


def _status(filterset) -> HTTPStatus:
    return HTTPStatus.OK if filterset.is_valid() else HTTPStatus.BAD_REQUEST


def quote_listing(request, base, *, fixed=None, size=PAGE_SIZE) -> dict:
    """The filter form, facets, summary line and one page of quotes from ``base``.

    ``fixed`` maps the parameters a page fixes (its speaker or event) to their values, which
    export links add back to the query string.
    """
    fixed = fixed or {}
    filterset = QuoteFilterSet(request.GET, queryset=base, request=request, fixed=fixed)
    export_query = request.GET.copy()
    for name, value in fixed.items():
        if value:
            export_query.setlist(name, [value])
    context = {"filterset": filterset, "form": filterset.form, "export_query": export_query}
    if not filterset.is_valid():
        context["facets"] = quote_facets(filterset, base)
        return context
    # Everything below is the search's own: its first visit asks the shared cache once.
    query = filterset.query
    with visiting(base.db, f"quotes:{query}" if query else None):
        page = paginate(filterset, filterset.qs.for_listing(), size=size)
        if query:
            search.highlight_quotes(page.rows, query)
            context["suggestions"] = kept(
                Speaker.objects.db,
                f"speaker-suggestions:{query}",
                lambda: _suggestions(query),
            )
            tier = getattr(filterset, "article_tier", None)
            context["notices"] = search.parse_query(query).notices + (tier.notices if tier else [])
        context["page"] = page
        context["summary"] = summary(filterset, request.GET)
        context["facets"] = quote_facets(filterset, base)
    return context


def _suggestions(query: str) -> list:
    speakers = search.suggest_speakers(query)
    # Most words name nobody, and Django compiled the empty queryset's SQL to find it empty
    # (0.5 ms of a first search at 1M quotes).
    return [] if speakers.query.is_empty() else list(speakers[:5])


@require_safe
def home(request):
    # The holdings and the timeline change only with the archive: kept under its version. At 1M
    # quotes the four counts and the timeline's per-event counts took ~100 ms of a 124 ms page.
    context = kept(Quote.objects.db, "home-holdings", _holdings)
    # The first page of the keyset walk: an index scan, where ORDER BY ... NULLS LAST would
    # sort the whole table.
    context["latest_quotes"] = keyset_page(
        Quote.objects.for_listing(), key="said_on", descending=True, size=5
    ).rows
    return render(request, "articles/home.html", context)


def _holdings() -> dict:
    return {
        "counts": {
            "quotes": Quote.objects.count(),
            "speakers": Speaker.objects.count(),
            "events": Event.objects.count(),
            "articles": Article.objects.count(),
        },
        "events": list(Event.objects.chronological().with_quote_counts()[:HOME_EVENTS]),
    }


@require_safe
def quote_list(request):
    context = quote_listing(request, Quote.objects.all())
    return render(
        request, "articles/quote_list.html", context, status=_status(context["filterset"])
    )


@require_safe
def quote_detail(request, pk):
    quote = get_object_or_404(Quote.objects.with_relations(), pk=pk)
    before, text, after = context_of(quote.article.body, quote.start, quote.end)
    context = {
        "quote": quote,
        "context_before": before,
        "context_after": after,
        "anchor": anchor_id(quote),
        # The same statement in other outlets' words (linked by ingestion's deduplication),
        # with only what the list shows: three tables, where the list rows' seven took 1.5 ms
        # more per quote page at 1M quotes, most of it planning and compiling the join. Kept
        # under the archive's version, like an article page's statements.
        "also_reported": kept(
            Quote.objects.db,
            f"also-reported:{quote.pk}",
            lambda: list(
                Quote.objects.same_statement_as(quote)
                .select_related("article__outlet")
                .only("text", "article__published", "article__outlet__name")
                .order_by("article__published", "pk")
            ),
        ),
    }
    return render(request, "articles/quote_detail.html", context)


@require_safe
def article_list(request):
    filterset = ArticleFilterSet(request.GET, queryset=Article.objects.all(), request=request)
    context = {"filterset": filterset, "form": filterset.form}
    if filterset.is_valid():
        qs = filterset.qs.for_listing().with_outlet().with_quote_counts()
        qs = qs.prefetch_related(Prefetch("events", Event.objects.only("name", "slug")))
        query = filterset.query
        with visiting(qs.db, f"articles:{query}" if query else None):
            context["page"] = paginate(filterset, qs)
            if query:
                search.highlight_articles(context["page"].rows, query)
        if query:
            context["notices"] = search.parse_query(query).notices
        context["summary"] = summary(filterset, request.GET)
    return render(request, "articles/article_list.html", context, status=_status(filterset))


@require_safe
def article_detail(request, slug):
    article = get_object_or_404(Article.objects.with_outlet().defer("raw_text"), slug=slug)
    # Its statements and events change only with the archive: kept under its version, like an
    # event page's side lists (two queries, about 2 ms of a 9 ms page at 1M quotes).
    parts = kept(
        Article.objects.db,
        f"article-page:{article.pk}",
        lambda: {
            "quotes": list(article.quotes.select_related("speaker").order_by("start", "-end")),
            "events": list(article.events.chronological()),
        },
    )
    quotes = parts["quotes"]
    form = ArticleDetailForm(request.GET)
    current = None
    if form.is_valid() and form.cleaned_data["quote"]:
        current = next((q for q in quotes if q.pk == form.cleaned_data["quote"]), None)
        if current is None:
            form.add_error("quote", "This article holds no statement with that number.")
    context = {
        "article": article,
        "body": mark_quotes(article.body, quotes, current_pk=current and current.pk),
        "quotes": quotes,
        "current": current,
        "form": form,
        "events": parts["events"],
    }
    status = HTTPStatus.OK if form.is_valid() else HTTPStatus.BAD_REQUEST
    return render(request, "articles/article_detail.html", context, status=status)


@require_safe
def article_raw(request, slug):
    article = get_object_or_404(Article.objects.only("raw_text"), slug=slug)
    return HttpResponse(article.raw_text, content_type="text/plain; charset=utf-8")


@require_safe
def speaker_list(request):
    filterset = SpeakerFilterSet(request.GET, queryset=Speaker.objects.all(), request=request)
    context = {"filterset": filterset, "form": filterset.form}
    if filterset.is_valid():
        context["page"] = paginate(filterset, filterset.qs.with_party())
        attach_quote_counts(context["page"].rows, "speaker")
        context["summary"] = summary(filterset, request.GET)
    return render(request, "articles/speaker_list.html", context, status=_status(filterset))


@require_safe
def speaker_detail(request, slug):
    speaker = get_object_or_404(Speaker.objects.with_party(), slug=slug)
    context = quote_listing(
        request, speaker.quotes.all(), fixed={"speaker": speaker.slug, "party": None}
    )
    context["speaker"] = speaker
    context.update(
        _kept_lazily(
            Speaker.objects.db,
            f"speaker-newest-events:{speaker.pk}",
            lambda: _events_of(speaker),
            ("events", "event_total"),
        )
    )
    status = _status(context["filterset"])
    return render(request, "articles/speaker_detail.html", context, status=status)


@require_safe
def event_list(request):
    filterset = EventFilterSet(request.GET, queryset=Event.objects.all(), request=request)
    context = {"filterset": filterset, "form": filterset.form}
    if filterset.is_valid():
        context["page"] = paginate(filterset, filterset.qs)
        attach_quote_counts(context["page"].rows, "event")
        context["summary"] = summary(filterset, request.GET)
    return render(request, "articles/event_list.html", context, status=_status(filterset))


@require_safe
def event_detail(request, slug):
    event = get_object_or_404(Event, slug=slug)
    context = quote_listing(
        request, event.quotes.all(), fixed={"event": event.slug, "format": None}, size=EVENT_QUOTES
    )
    if "page" in context:
        # Each side's account side by side: group the page's statements by party.
        rows = context["page"].rows
        context["by_party"] = _group_by_party(rows)
    context["event"] = event
    context["event_articles_shown"] = EVENT_ARTICLES
    context.update(
        _kept_lazily(
            Event.objects.db,
            f"event-page-sides:{event.pk}",
            lambda: _sides(event),
            ("participants", "parties", "articles"),
        )
    )
    status = _status(context["filterset"])
    return render(request, "articles/event_detail.html", context, status=status)


def _kept_lazily(alias: str, name: str, compute, keys) -> dict:
    """``keys`` of the dict ``kept(alias, name, compute)``, each read when first used.

    A speaker's or event's side lists are written inside a {% kept %} block, whose markup is
    itself kept: once it is, they are not read at all. Read anyway, they cost a cache read and
    unpickling twenty articles on every visit (about 1 ms of an event page at 1M quotes).
    """
    parts = functools.cache(lambda: kept(alias, name, compute))
    return {key: SimpleLazyObject(functools.partial(lambda key: parts()[key], key)) for key in keys}


def _sides(event) -> dict:
    """An event's participants, parties and newest coverage: three queries, 5 ms at 1M quotes.

    They change only when the archive does, so the page keeps them under its version token.
    Evaluated here, with only the columns the page shows: each article row would otherwise
    carry its body and raw text (kilobytes each) only to print a headline.
    """
    return {
        "participants": list(
            event.participants.with_party().only("name", "slug", "party__name", "party__short_name")
        ),
        "parties": list(event.parties.only("name", "short_name", "slug")),
        # Coverage can run to thousands of articles: the newest are shown, the rest one link away.
        "articles": list(
            event.articles.with_outlet()
            .newest_first()
            .only("headline", "slug", "published", "outlet__name")[:EVENT_ARTICLES]
        ),
    }


def _events_of(speaker) -> dict:
    """The newest events ``speaker`` made statements about, and how many there are in all.

    One GROUP BY over the speaker's statements (thousands at most) gives both; it changes only
    with the archive, so the page keeps it under its version token.
    """
    events = list(
        Event.objects.filter(quotes__speaker=speaker)
        .annotate(quote_count=Count("quotes"))
        .order_by("-start_date", "name")
        .only("name", "slug", "start_date")
    )
    return {"events": events[:SPEAKER_EVENTS], "event_total": len(events)}


def _group_by_party(quotes) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for quote in quotes:
        party = quote.speaker.party
        groups.setdefault(str(party) if party else "No party", []).append(quote)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


@require_safe
def about_data(request):
    return render(request, "articles/about_data.html", {"formats": NegotiationFormat.choices})
