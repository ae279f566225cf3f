"""Facets that count the same rows are counted in one pass (articles/facets.py, _groups_sql).

A facet leaves out its own filter, so every facet whose filter is unused counts the page's own
set: those are one query, whose counts are cached facet by facet (facet_counts.Together).
"""

from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import facet_counts, facets, search
from articles.filters import ArchiveFilterSet
from articles.models import Quote
from tests.budgets import generous_budgets  # noqa: F401  (autouse: every count finishes)
from tests.caches import clear_caches

GROUPED = {
    "speaker": ("speaker_id", lambda q: q.speaker.slug),
    "party": ("speaker_party_id", lambda q: q.speaker.party.slug),
    "format": ("event_format", lambda q: q.event_format),
    "event": ("event_id", lambda q: q.event.slug),
    "outlet": ("article_outlet_id", lambda q: q.article.outlet.slug),
    "kind": ("kind", lambda q: q.kind),
}


def facet_queries(captured) -> list[str]:
    """The queries that group quote rows for the facets (each selects the facet's name)."""
    return [q["sql"] for q in captured if "UNION ALL SELECT" in q["sql"] or " g0(k, n)" in q["sql"]]


def expected(quotes, name) -> dict:
    column, value = GROUPED[name]
    return dict(Counter(value(q) for q in quotes if getattr(q, column) is not None))


def counts(page, name) -> dict:
    facet = next(f for f in page.context["facets"] if f.name == name)
    return {o.value: o.count for o in facet.options}


def test_every_facet_whose_filter_is_unused_is_counted_by_one_query(archive, client):
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/quotes/?q=guarantees")
    (together,) = facet_queries(captured)
    # All six facets, in one pass over the matches, each kept to its largest groups.
    assert all(f"g{i}(k, n)" in together for i in range(6)), together
    matches = list(search.search_quotes(Quote.objects.all(), "guarantees"))
    assert page.context["page"].count == len(matches) == 52  # not capped: every match counts
    for name in GROUPED:
        assert counts(page, name) == expected(matches, name), name


def test_a_facet_whose_filter_is_chosen_counts_apart_and_the_rest_together(archive, client):
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/quotes/?kind=direct&outlet=tass")
    grouped = facet_queries(captured)
    # The four unused filters' facets together; the kind facet without the kind filter; the
    # outlet facet without the outlet filter. (The chosen options' own counts are apart.)
    assert sorted(sql.count(" UNION ALL ") for sql in grouped) == [0, 0, 3]
    direct_tass = Quote.objects.filter(kind="direct", article__outlet__slug="tass")
    for name in ("speaker", "party", "format", "event"):
        assert counts(page, name) == expected(direct_tass, name), name
    assert counts(page, "kind") == expected(
        Quote.objects.filter(article__outlet__slug="tass"), "kind"
    )
    assert counts(page, "outlet") == expected(Quote.objects.filter(kind="direct"), "outlet")


def test_facets_of_unused_filters_count_the_pages_own_rows_as_built(archive, client, monkeypatch):
    filtered = []
    original = ArchiveFilterSet.filter_queryset

    def filter_queryset(self, queryset, *, exclude=()):
        filtered.append(set(exclude))
        return original(self, queryset, exclude=exclude)

    monkeypatch.setattr(ArchiveFilterSet, "filter_queryset", filter_queryset)
    clear_caches()
    page = client.get("/quotes/?q=guarantees")
    # The page's rows only: its search was not built again for the facets.
    assert filtered == [set()]
    assert counts(page, "kind") == expected(
        search.search_quotes(Quote.objects.all(), "guarantees"), "kind"
    )
    filtered.clear()
    clear_caches()
    page = client.get("/quotes/?q=guarantees&kind=direct")
    # The kind facet leaves the kind filter out (its chosen option's count and its groups share
    # that set); every other facet counts the page's own rows.
    assert filtered == [set(), {"kind"}]
    assert counts(page, "kind") == expected(
        search.search_quotes(Quote.objects.all(), "guarantees"), "kind"
    )
    direct = search.search_quotes(Quote.objects.filter(kind="direct"), "guarantees")
    assert counts(page, "speaker") == expected(direct, "speaker")


def test_facets_counted_together_are_found_one_by_one_by_other_pages(archive, client):
    clear_caches()
    client.get("/quotes/?kind=direct")  # counts the unfiltered kinds, the rest under kind=direct
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/quotes/?kind=indirect")
    # The kind facet of this page is the first page's (both leave the kind filter out): cached.
    # Only the other five are counted, together.
    (together,) = facet_queries(captured)
    assert "g4(k, n)" in together and "g5(k, n)" not in together, together
    assert counts(page, "kind") == expected(Quote.objects.all(), "kind")


def test_a_together_counts_only_its_names_not_yet_cached(archive):
    clear_caches()
    asked = []

    def build(names):
        asked.append(list(names))
        selects = " UNION ALL ".join(f"SELECT '{name}', {i}" for i, name in enumerate(names))
        return selects, ()

    def split(rows):
        return {name: [(value,)] for name, value in rows}

    together = facet_counts.Together(build, split)
    keys = {"a": "test-together a", "b": "test-together b", "c": "test-together c"}
    first = facet_counts.count_rows(
        "default", {"a": together, "b": together}, budget_ms=1000, keys=keys
    )
    assert first.rows == {"a": [(0,)], "b": [(1,)]}
    second = facet_counts.count_rows(
        "default", {"a": together, "b": together, "c": together}, budget_ms=1000, keys=keys
    )
    # a and b were kept under their own keys; only c is built, alone.
    assert asked == [["a", "b"], ["c"]]
    assert second.rows == {"a": [(0,)], "b": [(1,)], "c": [(0,)]}
    clear_caches()


def test_a_together_past_the_budget_leaves_all_its_facets_uncounted(archive, client, monkeypatch):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    clear_caches()
    page = client.get("/quotes/?q=guarantees")
    assert all(f.timed_out for f in page.context["facets"])


def _tier_search(query: str, **filters):
    quotes = Quote.objects.filter(**filters)
    tier = search.article_tier_for(quotes, query)
    assert tier.article_ids, "the search must have an article tier"
    return search.search_quotes(quotes, query, article_tier=tier)


def test_a_search_with_an_article_tier_counts_each_quote_once(archive, client):
    # "legally binding": 4 quotes say it, 30 more are in articles whose text does (the tier);
    # on SQLite the tier's quotes are read by article, apart from the own matches.
    clear_caches()
    every = list(_tier_search("legally binding"))
    direct = [q for q in every if q.kind == "direct"]
    assert (len(every), len(direct)) == (34, 12)
    for url, matches in [
        ("/quotes/?q=legally+binding", every),
        ("/quotes/?q=legally+binding&kind=direct", direct),
    ]:
        page = client.get(url)
        assert page.context["page"].count == len(matches)
        for name in ("speaker", "party", "format", "event", "outlet"):
            assert counts(page, name) == expected(matches, name), (url, name)
    # The kind facet leaves out its own filter: every match.
    assert counts(page, "kind") == expected(every, "kind")


def test_sqlite_reads_an_article_tiers_rows_from_the_article_and_facet_index(archive):
    qs = _tier_search("legally binding")
    parts = search.tier_rows_by_article(qs)
    if connection.vendor != "sqlite":
        assert parts is None  # PostgreSQL groups the rows its search found (GROUPING SETS)
        return
    tier, own = parts
    # Together the two parts are the search's rows, each once.
    ids = [*tier.values_list("pk", flat=True), *own.values_list("pk", flat=True)]
    assert sorted(ids) == sorted(qs.values_list("pk", flat=True))
    sql, params = facets._groups_sql(list(facets.QUOTE_FACETS), qs, 20)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " / ".join(row[-1] for row in cursor.fetchall())
    assert "USING COVERING INDEX quote_article_facets_idx (article_id=?)" in plan, plan
