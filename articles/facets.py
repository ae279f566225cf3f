"""Facet counts and the one-line summary of what a filtered quote list shows.

A facet counts, for each option, the statements that option would give with all the *other*
current filters applied (its own filter left out), so a reader sees what choosing it would give,
not only the option already chosen. Facets that count the same rows share one query, whatever
the number of rows: every facet whose own filter is unused counts the page's own set, so a page
sends one grouping query for those, plus, per chosen filter, one for its facet's largest groups
and one for its chosen options. Each facet's counts are still cached on their own.

Each facet groups on a column of the quote row itself (``speaker_id``, ``event_id``, ``kind``,
and the copies ``event_format``, ``speaker_party_id`` and ``article_outlet_id``), and joins
the label table only to the twenty groups it keeps: joining labels before grouping cost 5-10
times more at a million quotes (docs/scaling.md). Counting a large set still takes time, so all
facet queries of a page share a time budget (FACET_BUDGET_MS, setting PARLEY_FACET_BUDGET_MS):
a facet that does not finish inside it is shown without counts and says so, never with a guess.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count
from django.http import QueryDict

from articles import search
from articles.facet_counts import (  # noqa: F401 (within_budget: API here)
    Together,
    base_name,
    count_rows,
    scan_ms,
    within_budget,
)
from articles.models import Event, NegotiationFormat, Outlet, Party, Quote, Speaker

FACET_LIMIT = 20
EMPTY = ("", None, [])
FACET_BUDGET_MS = getattr(settings, "PARLEY_FACET_BUDGET_MS", 25)
# Grouping a set of matches for the facets against ranking the same set, at 1M quotes on
# PostgreSQL (EXPLAIN ANALYZE, in memory): 23/18 ms for 10,500 matches, 33/27 for 17,400,
# 83/52 for 37,200. The smallest ratio seen, so a facet that could fit is never left out.
GROUPING_PER_SCAN = 1.2


@dataclass
class Option:
    value: str
    label: str
    count: int | None  # None: not counted in time (see Facet.timed_out)
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    multiple: bool
    options: list[Option] = field(default_factory=list)
    errors: list = field(default_factory=list)
    timed_out: bool = False  # counting ran out of the page's time budget
    counting_later: bool = False  # ... and is being counted for the next visit (facet_counts)


@dataclass(frozen=True)
class FacetSpec:
    name: str
    group: str  # the grouped value, a column of the quote or of one joined row
    labels: type | None = None  # the model whose slug and name label a grouped id
    multiple: bool = False
    choices: type | None = None  # the TextChoices labelling a grouped value

    @property
    def label_columns(self) -> tuple[str, ...]:
        """The columns of ``labels`` that name a grouped id: its slug, then its names."""
        return LABEL_COLUMNS.get(self.labels, ("slug", "name"))

    def option(self, key, label_row: tuple | None, count, selected) -> Option:
        if self.labels is None:
            return Option(key, self.choices(key).label, count, selected)
        slug, *names = label_row
        return Option(slug, next((n for n in names if n), slug), count, selected)


QUOTE_FACETS = [
    FacetSpec("speaker", "speaker", Speaker, multiple=True),
    FacetSpec("party", "speaker_party", Party, multiple=True),
    FacetSpec("format", "event_format", choices=NegotiationFormat),
    FacetSpec("event", "event", Event),
    FacetSpec("outlet", "article_outlet", Outlet),
    FacetSpec("kind", "kind", choices=Quote.Kind),
]
SPECS = {spec.name: spec for spec in QUOTE_FACETS}
LABEL_COLUMNS = {Party: ("slug", "short_name", "name")}


def _selected(filterset, name) -> list:
    """The chosen options of ``name``: model instances or choice values."""
    value = filterset.form.cleaned_data.get(name) if filterset.is_valid() else None
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) or hasattr(value, "model") else [value]


def _key(value):
    return getattr(value, "pk", value)


def _slug(value) -> str:
    return getattr(value, "slug", value)


def _groups_sql(specs: list[FacetSpec], qs, limit: int) -> tuple[str, tuple]:
    """The ``limit`` largest groups of each facet of ``specs``, in one pass over ``qs``'s rows.

    Rows are (facet name, grouped value as text, count, up to three label columns); ``_split``
    gives each facet its own rows. PostgreSQL counts every facet in one scan (GROUPING SETS);
    SQLite, which has none, reads the rows once into a materialized CTE and groups that.
    """
    columns = [f"c{i}" for i in range(len(specs))]
    inner, params = _rows_sql(qs, [spec.group for spec in specs])
    listed = ", ".join(columns)
    if connections[qs.db].vendor == "postgresql":
        sets = ", ".join(f"({c})" for c in columns)
        ctes = [
            f"m({listed}) AS ({inner})",
            f"c({listed}, n) AS (SELECT {listed}, COUNT(*) FROM m GROUP BY GROUPING SETS ({sets}))",
        ]

        def grouped(c):
            # In each set the other columns are NULL, so a non-NULL value is of this set.
            return f"SELECT {c}, n FROM c WHERE {c} IS NOT NULL"
    else:
        ctes = [f"m({listed}) AS MATERIALIZED ({inner})"]

        def grouped(c):
            return f"SELECT {c}, COUNT(*) FROM m WHERE {c} IS NOT NULL GROUP BY {c}"

    parts = []
    for i, spec in enumerate(specs):
        # COUNT(*), not COUNT(DISTINCT): no filter joins a to-many relation, so no row repeats.
        ctes.append(f"g{i}(k, n) AS ({grouped(columns[i])} ORDER BY 2 DESC, 1 LIMIT {limit:d})")
        names, join = _label_join(spec, f"g{i}", f"l{i}")
        names += ", NULL" * (3 - names.count(","))  # every facet's rows as wide
        # The label table joins the kept groups only.
        parts.append(f"SELECT %s, CAST(g{i}.k AS text), g{i}.n{names} FROM g{i}{join}")
    sql = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(parts)
    return sql, (*params, *[spec.name for spec in specs])


def _rows_sql(qs, groups: list[str]) -> tuple[str, tuple]:
    """The grouped columns of ``qs``'s rows; on SQLite, a search's article tier by article
    (search.tier_rows_by_article)."""
    parts = search.tier_rows_by_article(qs) or [qs]
    built = [part.order_by().values(*groups).query.sql_with_params() for part in parts]
    return " UNION ALL ".join(sql for sql, _ in built), tuple(p for _, ps in built for p in ps)


def _split(rows: list[tuple]) -> dict:
    """{facet name: [(value, count, *labels)]} of ``_groups_sql``'s rows, values typed back."""
    by_name: dict = {}
    for name, value, count, *labels in rows:
        spec = SPECS[name]
        if spec.labels is None:
            by_name.setdefault(name, []).append((value, count))
        else:
            width = len(spec.label_columns)
            by_name.setdefault(name, []).append((int(value), count, *labels[:width]))
    return by_name


def _chosen_sql(spec: FacetSpec, qs, keys: list) -> tuple[str, tuple]:
    """The counts of the chosen options only, which may fall outside the largest groups.

    Kept apart from the largest groups, so that those depend only on the other filters: the
    speaker facet of every single-speaker page is the unfiltered one, counted (and cached) once.
    """
    grouped = (
        qs.order_by()
        .filter(**{f"{spec.group}__in": keys})
        .values(spec.group)
        .annotate(n=Count("pk"))
        .order_by(spec.group)
    )
    return _labelled(spec, grouped)


def _labelled(spec: FacetSpec, grouped) -> tuple[str, tuple]:
    sql, params = grouped.query.sql_with_params()
    names, join = _label_join(spec, "g", "l")
    # The label table joins the kept groups only (a CTE column list works on both databases).
    return f"WITH g(k, n) AS ({sql}) SELECT g.k, g.n{names} FROM g{join}", tuple(params)


def _label_join(spec: FacetSpec, groups: str, alias: str) -> tuple[str, str]:
    """(", alias.slug, alias.name…", " JOIN labels alias ON …") for the groups named ``groups``
    (their ids in column ``k``); two empty strings for a facet labelled by its choices."""
    if spec.labels is None:
        return "", ""
    meta = spec.labels._meta
    names = "".join(f', {alias}."{meta.get_field(c).column}"' for c in spec.label_columns)
    return names, f' JOIN "{meta.db_table}" {alias} ON {alias}."{meta.pk.column}" = {groups}.k'


def _scope(filterset, base_queryset):
    """A function giving, for a facet, its set of rows: all filters but its own, on the base."""
    valid = filterset.is_valid()
    data = filterset.form.cleaned_data if valid else {}
    # What the page's base rows are (all statements, a speaker's, an event's): its model and
    # filters. Compiling it to SQL for the key took 0.7 ms of each list page.
    base = base_name(base_queryset)
    values = {name: _normal(data.get(name)) for name in filterset.filters if name in data}
    own_rows = filterset.queryset is base_queryset

    def others(*, exclude: str) -> SimpleNamespace:
        applied = [(n, v) for n, v in sorted(values.items()) if n != exclude and v not in EMPTY]

        @functools.cache  # a chosen option's count and its facet's groups share the set
        def qs():
            if not valid:
                return base_queryset
            if own_rows and values.get(exclude) in EMPTY:
                # Every filter applies: the page's own rows, built already. Filtering again
                # built a search's condition a second time (0.8 ms of a first search, more
                # with an article tier).
                return filterset.qs
            return filterset.filter_queryset(base_queryset, exclude={exclude})

        return SimpleNamespace(text=f"{base}\n{applied!r}", qs=qs)

    return others


def rows_key(filterset, base_queryset) -> str:
    """Names the rows of a page (its base and every filter applied) without compiling them."""
    return _scope(filterset, base_queryset)(exclude="").text


def _normal(value):
    """A filter's cleaned value as plain, ordered data (model rows by primary key)."""
    if isinstance(value, list | tuple) or hasattr(value, "model"):
        return sorted(repr(_normal(v)) for v in value)
    return getattr(value, "pk", value)


def _lazy(build, spec, others, arg):
    def sql():
        try:
            return build(spec, others(), arg)
        except EmptyResultSet:
            return None  # a filter that can match nothing (a query of stop words)

    return sql


def _together(specs: list[FacetSpec], others, limit: int) -> Together:
    """The largest groups of facets that count the same rows, in one query for those asked."""

    def build(names):
        try:
            return _groups_sql([spec for spec in specs if spec.name in names], others(), limit)
        except EmptyResultSet:
            return None

    return Together(build, _split)


def _options(spec: FacetSpec, rows, selected: list) -> list[Option]:
    chosen = {_key(v) for v in selected}
    return [spec.option(k, tuple(labels) or None, n, k in chosen) for k, n, *labels in rows]


def quote_facets(
    filterset, base_queryset, *, limit: int | None = None, budget_ms: float | None = None
) -> list[Facet]:
    """The facets of the quote FilterSet's fields, counted on the filtered set in a time budget."""
    limit = FACET_LIMIT if limit is None else limit
    budget_ms = FACET_BUDGET_MS if budget_ms is None else budget_ms
    specs = [spec for spec in QUOTE_FACETS if spec.name in filterset.filters]
    selected = {spec.name: _selected(filterset, spec.name) for spec in specs}
    # A facet's count depends on the page's base rows, the other filters and the archive's
    # version (count_rows adds it): that text keys its cache entry, so a cached count is found
    # without building its SQL.
    scope = _scope(filterset, base_queryset)
    queries, keys = {}, {}
    shared: dict[str, tuple] = {}  # facets' set of rows (text) -> (its queryset, their specs)
    # Cheapest first, so that a costly facet cannot spend the budget of the cheap ones: the
    # chosen options' counts (an index lookup each), then facets whose own filter is not in use
    # (they count the page's own set, the smallest, all in one pass). Every facet groups the
    # quote row alone.
    for spec in sorted(specs, key=lambda spec: bool(selected[spec.name])):
        others = scope(exclude=spec.name)
        if selected[spec.name]:
            name = f"{spec.name}:chosen"
            chosen_keys = sorted(_key(v) for v in selected[spec.name])
            queries = {name: _lazy(_chosen_sql, spec, others.qs, chosen_keys), **queries}
            keys = {name: f"{others.text}\n{name}\n{chosen_keys!r}", **keys}
        shared.setdefault(others.text, (others.qs, []))[1].append(spec)
        queries[spec.name] = None  # its place in the order; its query is its set's, below
        keys[spec.name] = f"{others.text}\n{spec.name}\n{limit}"
    defer = set()
    for text, (qs, group) in shared.items():
        together = _together(group, qs, limit)
        queries.update({spec.name: together for spec in group})
        # Ranking this same set earlier in the request read every row of it too, and grouping
        # them six ways takes longer: where that cannot fit the budget, trying would only spend
        # it. Those facets are counted in the background instead.
        if (scan_ms(text) or 0) * GROUPING_PER_SCAN >= budget_ms:
            defer.update(spec.name for spec in group)
    counts = count_rows(
        base_queryset.db, queries, budget_ms=budget_ms, keys=keys, defer=frozenset(defer)
    )
    facets = []
    for spec in specs:
        facet = Facet(spec.name, filterset.filters[spec.name].label, spec.multiple)
        facet.errors = filterset.form.errors.get(spec.name, [])
        rows = counts.rows.get(spec.name)
        chosen_rows = counts.rows.get(f"{spec.name}:chosen", [])
        chosen = [_slug(v) for v in selected[spec.name]]
        if rows is None or (chosen and f"{spec.name}:chosen" not in counts.rows):
            facet.timed_out = True
            # Being counted when every part still missing (largest groups, chosen) is.
            missing = [n for n in (spec.name, f"{spec.name}:chosen") if n in queries]
            missing = [n for n in missing if n not in counts.rows]
            facet.counting_later = all(n in counts.later for n in missing)
            facet.options = _uncounted(spec, filterset, chosen)
        else:
            options = _options(spec, rows, selected[spec.name])
            shown = {o.value for o in options}
            options += [
                o for o in _options(spec, chosen_rows, selected[spec.name]) if o.value not in shown
            ]
            facet.options = sorted(options, key=lambda o: (-o.count, o.label))
            # A chosen option the other filters leave empty still shows, with its zero.
            seen = {o.value for o in options}
            facet.options += [
                Option(v, _label_of(filterset, spec.name, v), 0, True)
                for v in chosen
                if v not in seen
            ]
        facets.append(facet)
    return facets


def _uncounted(spec: FacetSpec, filterset, chosen: list[str]) -> list[Option]:
    """A facet's options without counts: every fixed choice, or the chosen rows."""
    if spec.choices is not None:
        return [Option(v, str(label), None, v in chosen) for v, label in spec.choices.choices]
    return [Option(v, _label_of(filterset, spec.name, v), None, True) for v in chosen]


def _label_of(filterset, name, value) -> str:
    cleaned = filterset.form.cleaned_data.get(name)
    for obj in (
        cleaned if isinstance(cleaned, list | tuple) or hasattr(cleaned, "model") else [cleaned]
    ):
        if getattr(obj, "slug", obj) == value:
            return str(obj)
    return value


@dataclass
class SummaryItem:
    label: str
    remove_url: str


@dataclass
class SummaryPart:
    prefix: str
    joiner: str
    items: list[SummaryItem]


def _without(params: QueryDict, name: str, value: str | None = None) -> str:
    """The query string with one value (or the whole parameter) removed, back on page one."""
    params = params.copy()
    for cursor in ("after", "before", "page"):
        params.pop(cursor, None)
    if value is None:
        params.pop(name, None)
    else:
        params.setlist(name, [v for v in params.getlist(name) if v != value])
    return "?" + params.urlencode() if params else "?"


PREFIXES = {
    "q": ("matching", " "),
    "speaker": ("by", " or "),
    "party": ("from", " or "),
    "dates": ("", " "),
    "format": ("at", " "),
    "event": ("at or about", " "),
    "outlet": ("reported by", " "),
    "kind": ("of kind", " "),
}


def _items(filterset, name, value, params) -> list[SummaryItem]:
    if name == "q":
        return [SummaryItem(f"“{value.strip()}”", _without(params, name))]
    if isinstance(value, list | tuple) or hasattr(value, "model"):
        return [SummaryItem(str(obj), _without(params, name, obj.slug)) for obj in value]
    if isinstance(value, str):
        label = dict(filterset.filters[name].extra["choices"]).get(value, value)
        return [SummaryItem(str(label), _without(params, name))]
    return [SummaryItem(str(value), _without(params, name))]


def summary(filterset, params: QueryDict) -> list[SummaryPart]:
    """The active filters in words, in reading order, each with a link that removes it."""
    if not filterset.is_valid():
        return []
    data = filterset.form.cleaned_data
    parts = []
    # A list may word a filter its own way ("events with statements by", not "events by").
    prefixes = PREFIXES | getattr(filterset, "summary_prefixes", {})
    for name, (prefix, joiner) in prefixes.items():
        if name == "dates":
            parts.extend(_date_parts(data, params))
            continue
        value = data.get(name)
        if name not in filterset.filters or value is None or value == "":
            continue
        items = _items(filterset, name, value, params)
        if items:
            parts.append(SummaryPart(prefix, joiner, items))
    return parts


def _date_parts(data, params) -> list[SummaryPart]:
    start, end = data.get("date_from"), data.get("date_to")
    if start and end and start == end:
        both = params.copy()
        both.pop("date_from", None)
        return [SummaryPart("", " ", [SummaryItem(str(start), _without(both, "date_to"))])]
    parts = []
    if start:
        item = SummaryItem(str(start), _without(params, "date_from"))
        parts.append(SummaryPart("from", " ", [item]))
    if end:
        item = SummaryItem(str(end), _without(params, "date_to"))
        parts.append(SummaryPart("until", " ", [item]))
    return parts
