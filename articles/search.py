"""Full-text search for quotes.

Placeholder interface until the full-text issue lands: a case-insensitive substring match
with no ranking. Callers use ``Quote.objects.search(q)`` only, so the per-database
implementation can replace this module without touching views.
"""

from django.db.models import Q


def search_quotes(queryset, query: str):
    query = (query or "").strip()
    if not query:
        return queryset.none()
    return queryset.filter(Q(text__icontains=query) | Q(speaker__name__icontains=query))
