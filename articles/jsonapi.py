"""JSON twins of the list pages: the same FilterSets, the same parameters, the same rows.

Each answers ``{"count", "count_capped", "next", "results"}``. ``count`` stops at RESULT_CAP
(``count_capped`` then says there are more) because an exact count of a large filtered set costs
a full scan; ``next`` is the absolute URL of the following page or null. Bad parameters give a
400 with ``{"errors": {field: [{"message", "code"}]}}``. The fields are documented on
/about/data/ (templates/articles/about_data.html).
"""

from __future__ import annotations

from http import HTTPStatus

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from articles.filters import ArticleFilterSet, EventFilterSet, QuoteFilterSet, SpeakerFilterSet
from articles.models import Article, Event, Quote, Speaker
from articles.pagination import Page, paginate


def _date(value):
    return value.isoformat() if value else None


def _named(obj):
    return {"name": str(obj), "slug": obj.slug} if obj else None


def quote_json(request, quote) -> dict:
    event, article = quote.event, quote.article
    return {
        "id": quote.pk,
        "url": request.build_absolute_uri(quote.get_absolute_url()),
        "text": quote.text,
        "kind": quote.kind,
        "date": _date(quote.said_on),
        "speaker": {
            "name": quote.speaker.name,
            "slug": quote.speaker.slug,
            "party": _named(quote.speaker.party),
            "url": request.build_absolute_uri(quote.speaker.get_absolute_url()),
        },
        "event": {
            "name": event.name,
            "slug": event.slug,
            "format": event.format,
            "date": _date(event.start_date),
            "url": request.build_absolute_uri(event.get_absolute_url()),
        }
        if event
        else None,
        "article": {
            "headline": article.headline,
            "url": request.build_absolute_uri(article.get_absolute_url()),
            "outlet": _named(article.outlet),
            "published": _date(article.published),
            "place": request.build_absolute_uri(
                f"{article.get_absolute_url()}?quote={quote.pk}#q-{quote.pk}"
            ),
        },
        "relayed_by": _named(quote.relayed_by),
        "medium": quote.medium,
    }


def article_json(request, article) -> dict:
    return {
        "headline": article.headline,
        "slug": article.slug,
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "outlet": _named(article.outlet),
        "published": _date(article.published),
        "date_basis": article.date_basis,
        "statements": article.quote_count,
        "events": [event.slug for event in article.events.all()],
    }


def speaker_json(request, speaker) -> dict:
    return {
        "name": speaker.name,
        "slug": speaker.slug,
        "kind": speaker.kind,
        "role": speaker.role,
        "organisation": speaker.organisation,
        "party": _named(speaker.party),
        "statements": speaker.quote_count,
        "url": request.build_absolute_uri(speaker.get_absolute_url()),
    }


def event_json(request, event) -> dict:
    return {
        "name": event.name,
        "slug": event.slug,
        "kind": event.kind,
        "date": _date(event.start_date),
        "end_date": _date(event.end_date),
        "format": event.format,
        "place": event.place,
        "statements": event.quote_count,
        "url": request.build_absolute_uri(event.get_absolute_url()),
    }


def _next_url(request, page: Page) -> str | None:
    params = request.GET.copy()
    for name in ("after", "before", "page"):
        params.pop(name, None)
    if page.next_cursor:
        params["after"] = page.next_cursor
    elif page.next_number:
        params["page"] = str(page.next_number)
    else:
        return None
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _respond(request, filterset, queryset_of, serialise) -> JsonResponse:
    if not filterset.is_valid():
        return JsonResponse(
            {"errors": filterset.errors.get_json_data()}, status=HTTPStatus.BAD_REQUEST
        )
    page = paginate(filterset, queryset_of(filterset.qs))
    return JsonResponse(
        {
            "count": page.count,
            "count_capped": page.count_capped,
            "next": _next_url(request, page),
            "results": [serialise(request, row) for row in page.rows],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_safe
def quote_list(request):
    filterset = QuoteFilterSet(request.GET, queryset=Quote.objects.all(), request=request)
    return _respond(request, filterset, lambda qs: qs.for_listing(), quote_json)


@require_safe
def article_list(request):
    filterset = ArticleFilterSet(request.GET, queryset=Article.objects.all(), request=request)

    def rows(qs):
        return qs.with_outlet().with_quote_counts().prefetch_related("events")

    return _respond(request, filterset, rows, article_json)


@require_safe
def speaker_list(request):
    filterset = SpeakerFilterSet(request.GET, queryset=Speaker.objects.all(), request=request)
    return _respond(
        request, filterset, lambda qs: qs.with_party().with_quote_counts(), speaker_json
    )


@require_safe
def event_list(request):
    filterset = EventFilterSet(request.GET, queryset=Event.objects.all(), request=request)
    return _respond(request, filterset, lambda qs: qs.with_quote_counts(), event_json)
