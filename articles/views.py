"""Thin, read-only views: each asks a QuerySet for its rows and renders a template."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from articles.models import Article, Event, Quote, Speaker


@require_safe
def home(request):
    context = {
        "counts": {
            "articles": Article.objects.count(),
            "quotes": Quote.objects.count(),
            "speakers": Speaker.objects.count(),
            "events": Event.objects.count(),
        },
        "events": Event.objects.chronological().with_quote_counts(),
        "latest_quotes": Quote.objects.with_relations().newest_first()[:5],
    }
    return render(request, "articles/home.html", context)


@require_safe
def quote_list(request):
    quotes = Quote.objects.with_relations().newest_first()[:50]
    return render(request, "articles/quote_list.html", {"quotes": quotes})


@require_safe
def quote_detail(request, pk):
    quote = get_object_or_404(Quote.objects.with_relations(), pk=pk)
    return render(request, "articles/quote_detail.html", {"quote": quote})


@require_safe
def article_detail(request, slug):
    article = get_object_or_404(Article.objects.with_outlet(), slug=slug)
    return render(request, "articles/article_detail.html", {"article": article})


@require_safe
def speaker_detail(request, slug):
    speaker = get_object_or_404(Speaker.objects.with_party(), slug=slug)
    return render(request, "articles/speaker_detail.html", {"speaker": speaker})


@require_safe
def event_detail(request, slug):
    event = get_object_or_404(Event, slug=slug)
    return render(request, "articles/event_detail.html", {"event": event})
