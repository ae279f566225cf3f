"""Full-text search: every database-specific detail lives here.

Interface used by filters, views and exports (keep these signatures):
- ``search_quotes(queryset, query)``: the quotes matching ``query``, annotated with ``rank``
  (higher is better); ``queryset.none()`` for a query with no searchable terms.
- ``search_articles(queryset, query)``: the same for articles.
- ``highlight_quotes(quotes, query)``: for the rows about to be shown only, set
  ``quote.snippet`` to safe HTML in which matched words are wrapped in ``<mark>``.
- ``suggest_speakers(query)``: speakers whose name or alias the query names ("lavrov").

Placeholder until the full-text issue lands: case-insensitive substring matching, rank 0.
"""

from django.db.models import FloatField, Q, Value
from django.utils.html import escape
from django.utils.safestring import mark_safe


def search_quotes(queryset, query: str):
    query = (query or "").strip()
    if not query:
        return queryset.none()
    return queryset.filter(Q(text__icontains=query) | Q(speaker__name__icontains=query)).annotate(
        rank=Value(0.0, output_field=FloatField())
    )


def search_articles(queryset, query: str):
    query = (query or "").strip()
    if not query:
        return queryset.none()
    return queryset.filter(Q(headline__icontains=query) | Q(body__icontains=query)).annotate(
        rank=Value(0.0, output_field=FloatField())
    )


def highlight_quotes(quotes, query: str):
    for quote in quotes:
        quote.snippet = mark_safe(escape(quote.text))
    return quotes


def suggest_speakers(query: str):
    from articles.models import Speaker

    query = (query or "").strip()
    if not query:
        return Speaker.objects.none()
    return Speaker.objects.matching_name(query)
