"""Chainable query logic for the archive's models.

Every view, export and command asks for rows through these methods, so the joins a page
needs (and therefore its query count) are decided in one place.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models.functions import Coalesce


def quote_count(field: str):
    """How many quotes point at each row through ``field``, as a correlated subquery.

    Unlike Count() over a join, it is computed only for the rows a page returns (through the
    quote index on that field), needs no GROUP BY, and so also chains after a search rank.
    """
    from articles.models import Quote

    counts = (
        Quote.objects.filter(**{field: models.OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    return Coalesce(models.Subquery(counts), 0)


class OutletQuerySet(models.QuerySet):
    pass


class PartyQuerySet(models.QuerySet):
    def with_quote_counts(self):
        return self.annotate(quote_count=models.Count("speakers__quotes", distinct=True))


class SpeakerQuerySet(models.QuerySet):
    def with_party(self):
        return self.select_related("party")

    def with_quote_counts(self):
        return self.annotate(quote_count=quote_count("speaker"))

    def persons(self):
        return self.filter(kind="person")

    def matching_name(self, name: str):
        """Speakers whose canonical name or any alternative spelling equals ``name``."""
        name = name.strip()
        return self.filter(
            models.Q(name__iexact=name) | models.Q(aliases__name__iexact=name)
        ).distinct()


class EventQuerySet(models.QuerySet):
    def chronological(self):
        return self.order_by("start_date", "name")

    def with_quote_counts(self):
        return self.annotate(quote_count=quote_count("event"))

    def in_format(self, fmt: str):
        return self.filter(format=fmt)


class ArticleQuerySet(models.QuerySet):
    def with_outlet(self):
        return self.select_related("outlet")

    def newest_first(self):
        return self.order_by(models.F("published").desc(nulls_last=True), "-id")

    def with_quote_counts(self):
        return self.annotate(quote_count=quote_count("article"))


class QuoteQuerySet(models.QuerySet):
    def with_relations(self):
        """Everything a quote row displays, joined in the same query."""
        return self.select_related(
            "speaker", "speaker__party", "event", "article", "article__outlet", "relayed_by"
        )

    def for_listing(self):
        """``with_relations`` without the columns no list shows: article bodies and vectors.

        An article body averages several kilobytes; a page of twenty quotes would read them all
        (and their search vectors) only to throw them away. Detail pages keep the full rows.
        """
        return self.with_relations().defer(
            "search_vector", "article__body", "article__raw_text", "article__search_vector"
        )

    def same_statement_as(self, quote):
        """Other reports of ``quote``'s statement: its canonical quote and all linked to it."""
        canonical = quote.same_as_id or quote.pk
        return self.filter(models.Q(pk=canonical) | models.Q(same_as_id=canonical)).exclude(
            pk=quote.pk
        )

    def by_speaker(self, *speakers):
        return self.filter(speaker__in=speakers)

    def by_party(self, *parties):
        return self.filter(speaker__party__in=parties)

    def in_period(self, start: datetime.date | None = None, end: datetime.date | None = None):
        qs = self
        if start is not None:
            qs = qs.filter(said_on__gte=start)
        if end is not None:
            qs = qs.filter(said_on__lte=end)
        return qs

    def in_format(self, *formats: str):
        return self.filter(event__format__in=formats)

    def newest_first(self):
        return self.order_by(models.F("said_on").desc(nulls_last=True), "-id")

    def oldest_first(self):
        return self.order_by(models.F("said_on").asc(nulls_last=True), "id")

    def search(self, query: str, *, article_tier=None):
        """Full-text search; all database-specific detail lives in articles.search."""
        from articles import search

        return search.search_quotes(self, query, article_tier=article_tier)
