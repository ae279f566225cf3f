"""Facet counts and the one-line summary of what a filtered quote list shows.

A facet counts, for each option, the statements that option would give with all the *other*
current filters applied (its own filter left out), so a reader sees what choosing it would give,
not only the option already chosen. One grouped query per facet, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Value, When
from django.http import QueryDict

from articles.models import NegotiationFormat, Quote

FACET_LIMIT = 20


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    multiple: bool
    options: list[Option] = field(default_factory=list)
    errors: list = field(default_factory=list)


@dataclass(frozen=True)
class FacetSpec:
    name: str
    value: str  # the grouped column, e.g. "speaker__slug"
    label_fields: tuple[str, ...]
    multiple: bool = False

    def label(self, row) -> str:
        if self.name == "format":
            return NegotiationFormat(row[self.value]).label
        if self.name == "kind":
            return Quote.Kind(row[self.value]).label
        return next((row[f] for f in self.label_fields if row[f]), row[self.value])


QUOTE_FACETS = [
    FacetSpec("speaker", "speaker__slug", ("speaker__name",), multiple=True),
    FacetSpec(
        "party",
        "speaker__party__slug",
        ("speaker__party__short_name", "speaker__party__name"),
        multiple=True,
    ),
    FacetSpec("format", "event__format", ()),
    FacetSpec("event", "event__slug", ("event__name",)),
    FacetSpec("outlet", "article__outlet__slug", ("article__outlet__name",)),
    FacetSpec("kind", "kind", ()),
]


def _selected_values(filterset, name) -> list[str]:
    value = filterset.form.cleaned_data.get(name) if filterset.is_valid() else None
    if value in (None, ""):
        return []
    values = value if isinstance(value, list | tuple) or hasattr(value, "model") else [value]
    return [getattr(v, "slug", v) for v in values]


def quote_facets(filterset, base_queryset, *, limit: int = FACET_LIMIT) -> list[Facet]:
    """The facets of the quote FilterSet's fields, counted on the filtered set."""
    facets = []
    valid = filterset.is_valid()
    for spec in QUOTE_FACETS:
        if spec.name not in filterset.filters:
            continue
        selected = _selected_values(filterset, spec.name)
        qs = (
            filterset.filter_queryset(base_queryset, exclude={spec.name})
            if valid
            else base_queryset
        )
        # Chosen options sort first so they fall inside the limit and show their true count.
        chosen_first = Case(
            When(**{f"{spec.value}__in": selected}, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        rows = (
            qs.filter(**{f"{spec.value}__isnull": False})
            .values(spec.value, *spec.label_fields)
            # COUNT(*), not COUNT(DISTINCT): no filter joins a to-many relation, so no row repeats.
            .annotate(n=Count("pk"), chosen=chosen_first)
            .order_by("chosen", "-n", spec.value)[:limit]
        )
        facet = Facet(spec.name, filterset.filters[spec.name].label, spec.multiple)
        facet.errors = filterset.form.errors.get(spec.name, [])
        seen = set()
        for row in rows:
            value = row[spec.value]
            seen.add(value)
            facet.options.append(Option(value, spec.label(row), row["n"], value in selected))
        facet.options.sort(key=lambda o: (-o.count, o.label))
        # A chosen option the other filters leave empty still shows, with its zero.
        for value in selected:
            if value not in seen:
                facet.options.append(Option(value, _label_of(filterset, spec.name, value), 0, True))
        facets.append(facet)
    return facets


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
    for name, (prefix, joiner) in PREFIXES.items():
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
