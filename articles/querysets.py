"""Chainable query logic for the archive's models.

Every view, export and command asks for rows through these methods, so the joins a page
needs (and therefore its query count) are decided in one place.
"""

from __future__ import annotations

import datetime

from django.db import connections, models, transaction
from django.db.models.functions import Coalesce, Substr

# What an article search row shows of a body with no marked passage, in characters.
BODY_START = 300


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


def attach_quote_counts(rows: list, field: str) -> None:
    """Set ``quote_count`` on each of a page's ``rows`` (events or speakers, as ``field`` says).

    One GROUP BY over the page's rows' statements, kept under the archive's version for that
    set of rows: the per-row subquery of ``with_quote_counts`` counted again on every visit,
    2 ms a row for the events of a much-quoted speaker (~9,000 statements each) at 1M quotes.
    """
    from articles.facet_counts import kept
    from articles.models import Quote

    ids = sorted(row.pk for row in rows)
    if not ids:
        return
    counts = kept(
        Quote.objects.db,
        f"quote-counts:{field}:{ids}",
        lambda: dict(
            Quote.objects.filter(**{f"{field}__in": ids})
            .order_by()
            .values_list(field)
            .annotate(n=models.Count("pk"))
        ),
    )
    for row in rows:
        row.quote_count = counts.get(row.pk, 0)


class ArchiveQuerySet(models.QuerySet):
    """A QuerySet that can be told its joins are already in the best order (PostgreSQL).

    A quote row joined with its speaker, party, article, outlet and event (a quote page, the
    exports' chunks) is fastest joined in the order Django writes it, yet PostgreSQL weighed
    every other order of the seven tables first: 5-10 ms of planning per list page at 1M quotes
    against 0.5-1 ms of execution (EXPLAIN ANALYZE), before list rows stopped joining them
    (``QuoteQuerySet.for_listing``). ``joined_as_written()`` fetches with
    ``join_collapse_limit = 1``, set for that fetch only (in a transaction, then reset). Not
    for rows chosen by a subquery (ranked search pages): there the planner must start from it.
    """

    _joined_as_written = False
    # Flags a clone keeps (Django's _clone copies only the query and its own attributes).
    _kept_flags = ("_joined_as_written",)

    def joined_as_written(self, on: bool = True):
        clone = self._chain()
        clone._joined_as_written = on
        return clone

    def _clone(self):
        clone = super()._clone()
        for flag in self._kept_flags:
            setattr(clone, flag, getattr(self, flag))
        return clone

    def _fetch_all(self):
        connection = connections[self.db]
        if not (
            self._joined_as_written
            and self._result_cache is None
            and self._iterable_class is models.query.ModelIterable  # values() join nothing
            and connection.vendor == "postgresql"
        ):
            return super()._fetch_all()
        # set_config(..., true) lasts until the transaction ends: at COMMIT on its own, but
        # inside an outer transaction (a test, ATOMIC_REQUESTS) it must be put back.
        outer = connection.in_atomic_block
        with transaction.atomic(using=self.db), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('join_collapse_limit'), "
                "set_config('join_collapse_limit', '1', true)"
            )
            previous = cursor.fetchone()[0]
            super()._fetch_all()
            if outer:
                cursor.execute("SELECT set_config('join_collapse_limit', %s, true)", [previous])


class OutletQuerySet(ArchiveQuerySet):
    pass


class PartyQuerySet(ArchiveQuerySet):
    def with_quote_counts(self):
        return self.annotate(quote_count=models.Count("speakers__quotes", distinct=True))


class SpeakerQuerySet(ArchiveQuerySet):
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


class EventQuerySet(ArchiveQuerySet):
    def chronological(self):
        return self.order_by("start_date", "name")

    def with_quote_counts(self):
        return self.annotate(quote_count=quote_count("event"))

    def in_format(self, fmt: str):
        return self.filter(format=fmt)


class ArticleQuerySet(ArchiveQuerySet):
    def with_outlet(self):
        return self.select_related("outlet")

    def newest_first(self):
        return self.order_by(models.F("published").desc(nulls_last=True), "-id")

    def with_quote_counts(self):
        return self.annotate(quote_count=quote_count("article"))

    def for_listing(self):
        """Without the columns a list never shows: body, raw text and search vector.

        Twenty rows carried ~170 KB of text at 1M quotes only to throw it away. What a search
        row shows when its body has no marked passage (the standfirst, else the body's start)
        is read as ``body_start``.
        """
        return self.defer("body", "raw_text", "search_vector").annotate(
            body_start=Substr("body", 1, BODY_START)
        )


class QuoteQuerySet(ArchiveQuerySet):
    _with_dimensions = False
    _kept_flags = (*ArchiveQuerySet._kept_flags, "_with_dimensions")

    def with_relations(self):
        """Everything a quote row displays, joined in the same query, in the order written."""
        return self.select_related(
            "speaker", "speaker__party", "event", "article", "article__outlet", "relayed_by"
        ).joined_as_written()

    def for_listing(self):
        """What a list row shows: the quote and its article, without the columns no list shows
        (article bodies and search vectors), and its speaker, party, event and outlets from the
        process's memory (articles/dimensions.py) rather than joined.

        An article body averages several kilobytes; a page of twenty quotes would read them all
        (and their search vectors) only to throw them away. Detail pages keep the full rows.
        """
        clone = self.select_related("article").defer(
            "search_vector", "article__body", "article__raw_text", "article__search_vector"
        )
        clone._with_dimensions = True
        return clone

    def for_export(self):
        """``with_relations`` without the bodies and vectors, for ``iterator()``: a stream of
        thousands of rows reads each chunk joined, where a page's few are given theirs from
        memory by ``for_listing``."""
        return self.with_relations().defer(
            "search_vector", "article__body", "article__raw_text", "article__search_vector"
        )

    def _fetch_all(self):
        fetched = self._result_cache is None
        super()._fetch_all()
        if fetched and self._with_dimensions and self._iterable_class is models.query.ModelIterable:
            from articles import dimensions

            dimensions.attach(self.db, self._result_cache)

    def same_statement_as(self, quote):
        """Other reports of ``quote``'s statement: its canonical quote and all linked to it."""
        canonical = quote.same_as_id or quote.pk
        return self.filter(models.Q(pk=canonical) | models.Q(same_as_id=canonical)).exclude(
            pk=quote.pk
        )

    def by_speaker(self, *speakers):
        return self.filter(speaker__in=speakers)

    def by_party(self, *parties):
        # The speaker's party as copied onto each quote (Quote.speaker_party, migration 0009).
        return self.filter(speaker_party__in=parties)

    def in_period(self, start: datetime.date | None = None, end: datetime.date | None = None):
        qs = self
        if start is not None:
            qs = qs.filter(said_on__gte=start)
        if end is not None:
            qs = qs.filter(said_on__lte=end)
        return qs

    def in_format(self, *formats: str):
        # The event's format as copied onto each quote (Quote.event_format, migration 0008).
        return self.filter(event_format__in=formats)

    def newest_first(self):
        return self.order_by(models.F("said_on").desc(nulls_last=True), "-id")

    def oldest_first(self):
        return self.order_by(models.F("said_on").asc(nulls_last=True), "id")

    def search(self, query: str, *, article_tier=None):
        """Full-text search; all database-specific detail lives in articles.search."""
        from articles import search

        return search.search_quotes(self, query, article_tier=article_tier)
