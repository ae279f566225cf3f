"""Exports (CSV, BibTeX) of the quote list, one quote's BibTeX, and the search help page.

The exports take exactly the quote list's parameters through its QuoteFilterSet, so a
download holds what the page shows, every row of it rather than one page, in the same order.
"""

from http import HTTPStatus

from django.db.models import F
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles import exports, facet_counts, search
from articles.filters import QuoteFilterSet
from articles.links import route_url
from articles.models import Quote

# Example searches on the help page; each shows how many statements it finds right now.
EXAMPLES = [
    ("legally binding", "Both words, anywhere in the statement or its source."),
    ('"open door"', "The exact phrase."),
    ("guarantee", "English stemming: also finds guarantees and guaranteed."),
    ("Grushko OR Gavrilov", "Either word."),
    ("guarantees -Lavrov", "Leave out anything that mentions Lavrov."),
    ("lavrov", "A speaker’s name: their statements rank just below those naming them."),
]


def _ordered(filterset, queryset):
    """The list page's order: by relevance when searching, else by the chosen date order."""
    if filterset.sort == "relevance":
        return queryset.order_by("-rank", "-pk")
    key, descending = filterset.orderings[filterset.sort]
    if descending:
        return queryset.order_by(F(key).desc(nulls_last=True), "-pk")
    return queryset.order_by(F(key).asc(nulls_last=True), "pk")


def _filtered_quotes(request):
    """(quotes, None) for valid parameters, else (None, a 400 response listing the errors)."""
    filterset = QuoteFilterSet(request.GET, queryset=Quote.objects.all(), request=request)
    if not filterset.is_valid():
        lines = [
            f"{name}: {message}" if name != "__all__" else message
            for name, messages in filterset.errors.items()
            for message in messages
        ]
        body = "These parameters are not valid:\n" + "\n".join(lines) + "\n"
        return None, HttpResponse(
            body, status=HTTPStatus.BAD_REQUEST, content_type="text/plain; charset=utf-8"
        )
    return _ordered(filterset, filterset.qs), None


def _permalinks(request):
    """pk -> what build_absolute_uri(quote.get_absolute_url()) gives, without its work for
    each of an export's rows (a tenth of a 10,000-row CSV's time)."""
    origin = request.build_absolute_uri("/")[:-1]
    return lambda pk: origin + route_url("articles:quote-detail", "pk", pk)


def _download(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def quote_list_csv(request):
    quotes, error = _filtered_quotes(request)
    if error:
        return error
    rows = exports.iter_quotes_csv(exports.export_rows(quotes), _permalinks(request))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    return _download(response, "parley-quotes.csv")


@require_safe
def quote_list_bibtex(request):
    quotes, error = _filtered_quotes(request)
    if error:
        return error
    entries = exports.iter_quotes_bibtex(
        exports.export_queryset(quotes), _permalinks(request), timezone.localdate()
    )
    response = StreamingHttpResponse(entries, content_type="application/x-bibtex; charset=utf-8")
    return _download(response, "parley-quotes.bib")


@require_safe
def quote_bibtex(request, pk):
    quote = get_object_or_404(Quote.objects.with_relations(), pk=pk)
    entry = exports.quote_bibtex(
        quote,
        permalink=request.build_absolute_uri(quote.get_absolute_url()),
        accessed=timezone.localdate(),
    )
    response = HttpResponse(entry, content_type="application/x-bibtex; charset=utf-8")
    return _download(response, f"{exports.bibtex_key(quote)}.bib")


@require_safe
def search_help(request):
    examples = [
        (query, note, search.count_capped(search.search_quotes(Quote.objects.all(), query)))
        for query, note in EXAMPLES
    ]
    context = {
        "examples": examples,
        "columns": exports.CSV_COLUMNS,
        "max_length": search.MAX_QUERY_LENGTH,
        "count_cap": f"{search.RESULT_COUNT_CAP:,}",
        "background_counts": facet_counts.BACKGROUND_COUNTS,
    }
    return render(request, "articles/search_help.html", context)
