"""Keyset pagination and capped counts: every page costs the same at any depth.

OFFSET makes the database walk past every skipped row, so page 5,000 of the quote list would be
slow. Instead a page starts after (or before) the sort key and id of a row the reader has seen,
which an index on (key, id) answers directly. Rows without a key (an undated statement) come last
in both directions. See https://use-the-index-luke.com/no-offset.

Ranked search results have no stable keyset (ranks are floats); they are paged by number inside
a window capped at RESULT_CAP rows, so OFFSET stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db.models import F, Q
from django.db.models.sql.where import WhereNode

from articles import compiled, search
from articles.filters import PAGE_SIZE, RESULT_CAP, Cursor


@dataclass
class Page:
    rows: list
    count: int
    count_capped: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    next_number: int | None = None
    previous_number: int | None = None
    # True on the first page reached by "previous": its link back drops the cursor entirely.
    previous_is_first: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def count_label(self) -> str:
        return f"{self.count:,}+" if self.count_capped else f"{self.count:,}"

    @property
    def has_other_pages(self) -> bool:
        return bool(
            self.next_cursor
            or self.previous_cursor
            or self.next_number
            or self.previous_number
            or self.previous_is_first
        )


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """Count at most ``cap`` rows (one query that stops early), and whether there were more."""
    cap = RESULT_CAP if cap is None else cap
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def _dated_order(key: str, descending: bool):
    # No NULLS FIRST/LAST here: these queries only see rows with a key, so the plain order
    # matches the (key, id) index, scanned forwards or backwards, on both databases.
    return [F(key).desc(), "-pk"] if descending else [F(key).asc(), "pk"]


def _seek(key: str, cursor: Cursor, *, later: bool, descending: bool) -> Q:
    """Dated rows on one side of ``cursor``, written as a range the index can start from."""
    op = "lt" if descending == later else "gt"
    return Q(**{f"{key}__{op}e": cursor.key}) & (
        Q(**{f"{key}__{op}": cursor.key}) | Q(**{f"pk__{op}": cursor.pk})
    )


def keyset_page(
    queryset,
    *,
    key: str,
    descending: bool,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
    count: tuple[int, bool] = (0, False),
) -> Page:
    """One page of ``queryset`` ordered by (key, id), starting after or ending before a cursor.

    Rows without a key come last, ordered by id. They are read by a second, equally indexed
    query, run only when a page reaches them (or starts among them): one OR across both parts
    would defeat the index and sort every row.
    """
    nullable = queryset.model._meta.get_field(key).null
    dated = queryset.filter(**{f"{key}__isnull": False}) if nullable else queryset
    undated = queryset.filter(**{f"{key}__isnull": True})
    id_later, id_earlier = ("lt", "gt") if descending else ("gt", "lt")
    id_order, id_reverse = ("-pk", "pk") if descending else ("pk", "-pk")
    wanted = size + 1

    if before is not None:
        # Read backwards from the cursor, then turn the rows round.
        if before.key is None:
            earlier = undated.filter(**{f"pk__{id_earlier}": before.pk})
            rows = list(earlier.order_by(id_reverse)[:wanted])
            if len(rows) < wanted and nullable:
                rows += list(
                    dated.order_by(*_dated_order(key, not descending))[: wanted - len(rows)]
                )
        else:
            seek = _seek(key, before, later=False, descending=descending)
            rows = list(dated.filter(seek).order_by(*_dated_order(key, not descending))[:wanted])
        has_previous, has_next = len(rows) > size, True
        rows = rows[:size][::-1]
    else:
        rows = []
        if after is None or after.key is not None:
            qs = dated
            if after is not None:
                qs = qs.filter(_seek(key, after, later=True, descending=descending))
            rows = list(qs.order_by(*_dated_order(key, descending))[:wanted])
        if len(rows) < wanted and nullable:
            qs = undated
            if after is not None and after.key is None:
                qs = qs.filter(**{f"pk__{id_later}": after.pk})
            rows += list(qs.order_by(id_order)[: wanted - len(rows)])
        has_next, has_previous = len(rows) > size, after is not None
        rows = rows[:size]

    page = Page(rows=rows, count=count[0], count_capped=count[1])
    if rows and has_next:
        page.next_cursor = Cursor.encode(getattr(rows[-1], key), rows[-1].pk)
    if has_previous:
        if rows:
            page.previous_cursor = Cursor.encode(getattr(rows[0], key), rows[0].pk)
        else:
            page.previous_is_first = True
    return page


def ranked_page(
    queryset, *, number: int | None, size: int = PAGE_SIZE, rows_name: str | None = None
) -> Page:
    """Page ``number`` of rows by descending ``rank``, inside the first RESULT_CAP rows.

    The best RESULT_CAP + 1 ids are read in one query, which also gives the capped count (no
    second pass over the matches: with filters that leave few of them, counting walked every
    match again, 38 ms of an 80 ms search at 1M quotes). The list is kept under the archive's
    version (``search.best_ids``), so the next page of the same search ranks nothing. What
    ranking cost (reading every row of the set, or its estimate where an index skipped rows)
    is noted under ``rows_name`` (the set's facets.rows_key), which tells the facets whether
    counting the same rows can fit.
    """
    number = number or 1
    offset = (number - 1) * size
    # Rank and page on ids alone, then read the page's rows by id: joining every match before
    # the sort cost 380 ms for a common word at 300,000 quotes, and reading the rows through an
    # id subquery left the planner weighing every order of the tables it joined (3 ms of
    # planning); by a list of ids the rows are read straight from the primary key.
    try:
        ranked = search.best_ids(queryset, RESULT_CAP + 1, scan=rows_name)
    except EmptyResultSet:  # a search of stop words only, an empty choice: nothing to read
        ranked = []
    ids = ranked[offset : offset + size + 1]
    found = {row.pk: row for row in _rows_by_ids(queryset, ids)} if ids else {}
    rows = [found[pk] for pk in ids if pk in found]
    capped = len(ranked) > RESULT_CAP
    page = Page(rows=rows[:size], count=min(len(ranked), RESULT_CAP), count_capped=capped)
    if len(rows) > size and offset + size < RESULT_CAP:
        page.next_number = number + 1
    if number > 1:
        page.previous_number = number - 1
    return page


def _rows_by_ids(queryset, ids: list):
    """The rows with these ids, shaped as ``queryset`` (joins, columns, prefetches, other
    annotations) but without its filters and its rank: the ids already passed them, and the
    rank was computed again for the page's rows, which on SQLite reads every match of every
    term (45 ms of a common word's page at 100,000 quotes, where reading 20 rows takes 1).
    """
    rows = queryset.order_by()
    rows.query.where = WhereNode()
    rows.query.annotations.pop("rank", None)
    if rows.query.annotation_select_mask is not None:
        rows.query.set_annotation_mask(set(rows.query.annotation_select_mask) - {"rank"})
    # The same SQL for every search of the list but for the ids: compiled once (compiled.py).
    return compiled.by_ids(rows, ids)


def paginate(filterset, queryset, *, size: int = PAGE_SIZE) -> Page:
    """The page the (valid) ``filterset`` asks for, in the sort it asks for, with its count.

    The capped count is kept under the archive's version like the facet counts, named by the
    filter set's base rows and filter values (articles.facets.rows_key), not by its SQL: on a
    warm statement list it was the one query besides the rows (about 1.5 ms with its
    compiling, at 1M quotes), and on the event list filtered by a speaker 38 ms.
    """
    from articles.facet_counts import kept
    from articles.facets import rows_key

    data = filterset.form.cleaned_data
    rows = rows_key(filterset, filterset.queryset)
    if filterset.sort == "relevance":
        return ranked_page(queryset, number=data.get("page"), size=size, rows_name=rows)
    name = f"capped-count:{rows}"
    count = kept(queryset.db, name, lambda: capped_count(queryset))
    key, descending = filterset.orderings[filterset.sort]
    return keyset_page(
        queryset,
        key=key,
        descending=descending,
        after=data.get("after"),
        before=data.get("before"),
        size=size,
        count=count,
    )
