"""Full-text search: every database-specific detail lives here.

Interface used by filters, views and exports (keep these signatures):
- ``search_quotes(queryset, query)``: the quotes matching ``query``, annotated with ``rank``
  (higher is better); ``queryset.none()`` for a query with no searchable terms.
- ``search_articles(queryset, query)``: the same for articles.
- ``highlight_quotes(quotes, query)``: for the rows about to be shown only, set
  ``quote.snippet`` to safe HTML in which matched words are wrapped in ``<mark>``.
- ``suggest_speakers(query)``: speakers whose name or alias the query names ("lavrov").
Also: ``parse_query`` (the query as understood, with ``notices`` to show the reader),
``highlight_articles`` and ``count_capped`` ("1,000+").

The reader's syntax is PostgreSQL's ``websearch_to_tsquery``: words (all must match),
``"exact phrase"``, ``OR`` and ``-exclude``. We parse it once in Python, so both databases see
the same clean query:
- PostgreSQL gets it re-serialised for ``SearchQuery(search_type="websearch")`` against the
  trigger-maintained ``search_vector`` columns (migrations 0003-0004: quote text A, speaker name
  and aliases B, article headline C; the article body is matched through the article's own
  vector, ranked as D, so it is indexed once per article rather than once per quote). The
  body tier joins the results only while the quotes' own matches number fewer than
  RESULT_COUNT_CAP, and only when the matching articles are found in time (``article_tier_for``).
  Quotes rank by the score of the RUM index (migration 0011), which returns the best of them
  in order without reading the other matches (``by_relevance``): ``ts_rank`` for one word or
  phrase, cover density for several.
- SQLite gets an FTS5 MATCH expression in which every term is an FTS5 string, so no user input
  is ever read as FTS5 syntax, ranked by the same column weights (see ``_Fts5Rank``).
On both, with the body tier, every own match ranks above every quote found only through its
article, and those all rank ARTICLE_WEIGHT, newest id first: a page scores only the own
matches, fewer than the cap, and reads the others' ids alone (``best_ids``).
Known differences: SQLite's ranking mirrors ``ts_rank`` (so several words rank a little
differently), and rows of equal score come in the index's order on PostgreSQL, by bm25 and then
descending id on SQLite; SQLite's porter stemmer is the original Porter algorithm and PostgreSQL's
``english`` config is Snowball (rare words stem differently); an FTS5 phrase matches its words
exactly where PostgreSQL skips stop words inside it ("open the door" ~ "open a door").
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower
from django.db.models.sql.where import ExtraWhere, WhereNode
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.querysets import BODY_START
from articles.search_query import (
    MARK_CLOSE,
    MARK_OPEN,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    ParsedQuery,
    clean_query,
    parse_query,
)

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "RESULT_COUNT_CAP",
    "CappedCount",
    "count_capped",
    "highlight_articles",
    "highlight_quotes",
    "ArticleTier",
    "article_tier_for",
    "best_ids",
    "by_relevance",
    "marks_to_html",
    "parse_query",
    "search_articles",
    "search_quotes",
    "estimated_rows",
    "suggest_speakers",
]

CONFIG = "english"
RESULT_COUNT_CAP = 1000
_MERGE_MARKS = re.compile(r"</mark>(\s+)<mark>")


def _vendor(queryset) -> str:
    return connections[queryset.db].vendor


class _Fts5Rank(Func):
    """A rank for FTS5 rows shaped like ``ts_rank`` with default weights: higher is better.

    ``bm25`` alone cannot rank quote rows: each repeats its article's headline, so common
    words occur in most rows and FTS5 clamps their IDF to ~0. The rank is therefore the sum of
    the weights of the columns that match the query on their own (text 1.0, speaker 0.4,
    headline 0.2, as PostgreSQL's A-C defaults), plus ``article_weight`` when the row's article
    matches (the body tier, 0.1), plus ``bm25`` squashed below 0.05 to order rows within a tier
    (distinct sets of tiers differ by at least 0.1, so the tie-break never crosses a tier).
    With ``article_weight``, a row that matches on its own ranks ``article_weight`` higher
    again, and a row found only through its article ranks ``article_weight`` exactly.

    Every subquery is uncorrelated, so SQLite runs each full-text query once per statement
    (membership lists, a materialized CTE) instead of once per row. Ranking "security" in a
    generated archive where 18,600 of 20,000 quotes match took 7.6 s with per-row queries,
    0.13 s this way.
    """

    output_field = FloatField()

    def __init__(self, table: str, columns: dict, parsed: ParsedQuery, article_weight=None):
        super().__init__(F("pk"), *([F("article_id")] if article_weight else []))
        self.table, self.columns, self.parsed = table, columns, parsed
        self.article_weight = article_weight

    def as_sql(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        t = self.table
        positive = self.parsed.fts5(positive_only=True)
        parts, params = [], []
        for column, weight in self.columns.items():
            parts.append(f"{weight} * ({pk_sql} IN (SELECT rowid FROM {t} WHERE {t} MATCH %s))")
            params += [*pk_params, f"{column} : ({positive})"]
        if self.article_weight:
            # Only a row that matches on its own scores its columns, and ARTICLE_WEIGHT more:
            # every row found only through its article ranks exactly the article's part,
            # below all of them, whatever words its columns share with the query.
            own = f"{pk_sql} IN (SELECT rowid FROM {t} WHERE {t} MATCH %s)"
            parts = [f"CASE WHEN {own} THEN {' + '.join(parts)} + {self.article_weight} ELSE 0 END"]
            params = [*pk_params, self.parsed.fts5(), *params]
            article_sql, article_params = compiler.compile(self.source_expressions[1])
            a = _FTS5["article"][0]
            parts.append(
                f"{self.article_weight} * "
                f"({article_sql} IN (SELECT rowid FROM {a} WHERE {a} MATCH %s))"
            )
            params += [*article_params, positive]
        weights = ", ".join(str(w) for w in self.columns.values())
        parts.append(
            f"coalesce((WITH s AS MATERIALIZED (SELECT rowid AS id, -bm25({t}, {weights}) AS b "
            f"FROM {t} WHERE {t} MATCH %s) "
            f"SELECT 0.05 * max(b, 0) / (1 + max(b, 0)) FROM s WHERE s.id = {pk_sql}), 0)"
        )
        params += [self.parsed.fts5(), *pk_params]
        return "(" + " + ".join(parts) + ")", tuple(params)


# The hidden ordering of a PostgreSQL search that the RUM index can answer (by_relevance).
DISTANCE = "relevance_distance"
# ... and of its own matches alone, where the article tier joins them (_best_with_tier).
OWN_ORDER = "relevance_own_distance"

# FTS5 table and its columns with their weights, in the order migration 0004 made them.
_FTS5 = {
    "quote": ("articles_quote_fts", {"text": 1.0, "speaker": 0.4, "headline": 0.2}),
    "article": ("articles_article_fts", {"headline": 1.0, "standfirst": 0.4, "body": 0.2}),
}
# A quote found through its article (its body, mostly) ranks below its own columns: weight D.
ARTICLE_WEIGHT = 0.1


def _search_query(parsed: ParsedQuery, *, positive_only: bool = False) -> SearchQuery:
    text = parsed.websearch(positive_only=positive_only)
    return SearchQuery(text, search_type="websearch", config=CONFIG)


def _rank(vector: str, parsed: ParsedQuery):
    # Ranked by the positive terms only: ts_rank scores a query with a NOT as 0.
    rank = SearchRank(F(vector), _search_query(parsed, positive_only=True))
    return Coalesce(rank, Value(0.0), output_field=FloatField())


class _RumScore(Func):
    """RUM's score of a quote's vector for a query (0 when it does not match): ``ts_rank``
    with its default weights for a single word or phrase, cover density for several words.
    The score the RUM index orders by (migration 0011), computed from the row."""

    function = "rum_ts_score"
    output_field = FloatField()


class _RumDistance(Func):
    """``vector <=> query``: 1 / RUM's score. Ordered by it, the RUM index returns the best
    matches first and reads only the rows it returns."""

    template = "%(expressions)s"
    arg_joiner = " <=> "
    output_field = FloatField()


def _quote_rank(parsed: ParsedQuery):
    query = _search_query(parsed, positive_only=True)
    return Coalesce(_RumScore(F("search_vector"), query), Value(0.0), output_field=FloatField())


class _TierArticles(Func):
    """``article_id = ANY(%s)``: the quotes of an article tier, its ids sent as one array.

    Django's ``__in`` sends a parameter per id, and a rare word's tier of 967 articles was
    prepared, compiled and quoted id by id each time the search's SQL was built. The class
    also marks the tier's half of a search's condition, which best_ids splits (_tier_parts).

    The array goes as its text ('{1,2,3}'), written once here: psycopg writes a list of ints
    out element by element, 0.8 ms for 1,000 ids each time a statement names the tier (a first
    search names it three times, in two statements), where the same ids as text take 0.13.
    """

    template = "%(expressions)s = ANY(%%s::bigint[])"
    output_field = BooleanField()

    def __init__(self, ids):
        super().__init__(F("article_id"))
        self.ids = list(ids)
        self.array = "{" + ",".join(map(str, self.ids)) + "}"

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return sql, (*params, self.array)


class _TierUnion(RawSQL):
    """SQLite's ids of a search with an article tier: its own matches, then every quote of
    the tier's articles. ``part`` gives either half alone (_tier_parts)."""

    def __init__(self, own_sql: str, own_params: tuple, quotes: str, ids):
        placeholders = ", ".join(["%s"] * len(ids))
        self.own = RawSQL(own_sql, own_params)
        self.tier = RawSQL(f"SELECT id FROM {quotes} WHERE article_id IN ({placeholders})", ids)
        # The same quotes as a condition on the quote table's rows (tier_rows_by_article).
        self.in_tier = (f"{quotes}.article_id IN ({placeholders})", tuple(ids))
        super().__init__(f"{own_sql} UNION {self.tier.sql}", (*own_params, *self.tier.params))

    def part(self, *, tier: bool) -> RawSQL:
        return self.tier if tier else self.own


@dataclass(frozen=True)
class ArticleTier:
    """The articles whose text adds their quotes to a search (the body tier, ranked last)."""

    article_ids: tuple[int, ...] = ()
    # Why the tier is empty although the quotes' own matches did not fill the cap: "" (it is
    # not), "slow" (finding the articles ran past ARTICLE_TIER_BUDGET_MS) or "many" (more than
    # ARTICLE_TIER_MAX articles match).
    left_out: str = ""

    @property
    def notices(self) -> list[str]:
        if not self.left_out:
            return []
        why = "took too long" if self.left_out == "slow" else "matched too many articles"
        return [
            "Statements found only through the text of their article are not included: that "
            f"part of the search {why}. Search the articles for it, or narrow the words."
        ]


# Reading a tier's quotes whole (as the facets group them) against reading their ids alone
# from the article index: 21 ms against 5.5-8.6 ms for the 8,151 quotes of 967 articles.
TIER_ROWS_PER_ID = 3.0

# Finding the articles whose text matches is bounded in time and in size: a phrase of common
# words is checked against every article holding both words (0.3 s at 300,000 quotes).
ARTICLE_TIER_BUDGET_MS = 20
ARTICLE_TIER_MAX = RESULT_COUNT_CAP


def search_quotes(queryset, query: str, *, article_tier: ArticleTier | None = None):
    """Quotes matching ``query`` with a ``rank``; ``none()`` when there is nothing to search.

    A quote matches when its own index (text A, speaker names B, headline C) matches, or when
    its article is one of ``article_tier``'s (its headline, standfirst or body matches), ranked
    ARTICLE_WEIGHT lower. None asks ``article_tier_for`` (at most two bounded queries).
    """
    parsed = parse_query(query)
    if not parsed:
        return _nothing(queryset)
    if article_tier is None:
        article_tier = article_tier_for(queryset, query)
    ids = list(article_tier.article_ids)
    if _vendor(queryset) == "postgresql":
        matches = Q(search_vector=_search_query(parsed))
        rank = _quote_rank(parsed)
        if not ids:
            # Not selected, only ordered by (by_relevance): the RUM index's own order.
            distance = _RumDistance(F("search_vector"), _search_query(parsed, positive_only=True))
            return queryset.filter(matches).annotate(rank=rank).alias(**{DISTANCE: distance})
        # Two index lookups OR-ed in one bitmap: the GIN index and the article index. An own
        # match ranks above every statement found through its article alone, even one whose
        # cover density is below ARTICLE_WEIGHT, and those all rank ARTICLE_WEIGHT: best_ids
        # takes the own matches in the RUM index's order (OWN_ORDER), the very ranking
        # article_tier_for kept, and the rest by id (_best_with_tier).
        distance = _RumDistance(F("search_vector"), _search_query(parsed, positive_only=True))
        rank = Case(When(matches, then=rank + Value(ARTICLE_WEIGHT)), default=ARTICLE_WEIGHT)
        matching = queryset.filter(matches | Q(_TierArticles(ids)))
        return matching.annotate(rank=rank).alias(**{OWN_ORDER: distance})
    table, columns = _FTS5["quote"]
    own = f"SELECT rowid FROM {table} WHERE {table} MATCH %s"
    if not ids:
        matching = RawSQL(own, (parsed.fts5(),))
        return queryset.filter(pk__in=matching).annotate(rank=_Fts5Rank(table, columns, parsed))
    # One list of ids, not "own matches OR article in (...)": SQLite cannot start from either
    # side of an OR, so it scanned the whole table (a facet of a 100,000-quote archive: 132 ms,
    # 6.7 ms from the list). best_ids splits it as on PostgreSQL (_TierUnion.part).
    matching = _TierUnion(own, (parsed.fts5(),), queryset.model._meta.db_table, ids)
    return queryset.filter(pk__in=matching).annotate(
        rank=_Fts5Rank(table, columns, parsed, article_weight=ARTICLE_WEIGHT)
    )


def by_relevance(queryset):
    """``queryset`` (of ``search_quotes``) best first: by the RUM index where it can order
    them, else by ``-rank``. Rows of equal score come in the index's order there (the order of
    their rows in the table) and by descending id otherwise; a search's ranked ids are kept
    per archive version, so its pages agree with each other either way."""
    if _by_index(queryset):
        return queryset.order_by(DISTANCE)
    return queryset.order_by("-rank", "-pk")


def _by_index(queryset) -> bool:
    # search_quotes leaves this hidden ordering only where the RUM index can answer it.
    return DISTANCE in queryset.query.annotations


def best_ids(queryset, limit: int, *, scan: str | None = None) -> list[int]:
    """The ids of the best ``limit`` rows of ``queryset`` (``search_quotes``), kept under the
    archive's version (``facet_counts.remembered``: the next page of the same search, and the
    page after an article tier that ranked the same rows, rank nothing). ``scan`` names the
    set whose facets the ranking's cost informs. Raises EmptyResultSet for a set that can
    hold no row.

    The facets group every match, and the time ranking took told them whether that could fit
    (facets.GROUPING_PER_SCAN). The RUM index reads only the rows it returns, so its time alone
    no longer says; its time per row does, in the state the cache is in now, times the
    planner's estimate of the matches: 6 ms for the best 1,001 of 6,065 matches whose pages
    were not in PostgreSQL's buffers, where grouping all of them took 21 ms.
    """
    path = _tier_path(queryset.query.where)
    if path is not None:
        return _best_with_tier(queryset, limit, scan=scan, articles=_tier_ids(queryset, path))
    sql_params = _built(
        queryset.db,
        scan,
        ("best", limit),
        lambda: by_relevance(queryset).values_list("pk")[:limit].query.sql_with_params(),
    )
    table, from_index = queryset.model._meta.db_table, _by_index(queryset)
    found = _ranked(queryset.db, sql_params, limit, table, from_index=from_index, scan=scan)
    return [pk for (pk,) in found]


def _ranked(alias: str, sql_params: tuple, limit: int, table: str, *, from_index: bool, scan):
    """The rows of a ranking's SQL (``best_ids``), kept; what reading them cost is noted."""
    from articles.facet_counts import remembered

    def unread_ms(rows, ms: float) -> float:
        # Below the limit the index returned, and so read, every match.
        if not from_index or len(rows) < limit:
            return 0.0
        return estimated_rows(alias, sql_params, table) * (ms / len(rows))

    return remembered(alias, sql_params, scan=scan, unread_ms=unread_ms)


def _own_matches_by_index(queryset, query: str, limit: int) -> int:
    """PostgreSQL: how many of ``queryset``'s own matches of ``query`` there are, up to
    ``limit``; -1 for a base that can hold no row.

    The RUM index ranks the own matches about as fast as counting them (both read up to
    ``limit`` rows), and that ranking is the page's own (``best_ids`` of ``search_quotes``
    without a tier), which ranked_page finds kept, whether they fill the cap or come before
    the tier (_best_with_tier): a first search of a common word counted 1,000 rows for nothing
    (4-10 ms of 40 at 1M quotes). Its SQL is the same for every search of the same base
    (``_shaped``): a first search built and compiled it through the ORM (0.4 ms at 1M quotes).
    """
    from articles.facet_counts import base_name

    def build(words: str) -> tuple:
        own = search_quotes(queryset, words, article_tier=ArticleTier())
        return by_relevance(own).values_list("pk")[:limit].query.sql_with_params()

    try:
        sql_params = _shaped(queryset.db, ("own", limit, base_name(queryset)), query, build)
    except EmptyResultSet:
        return -1
    table = queryset.model._meta.db_table
    return len(_ranked(queryset.db, sql_params, limit, table, from_index=True, scan=None))


def _tier_parts(queryset):
    """(own matches, the tier's quotes) of a search with an article tier, else None: the
    search's condition "own match or article in the tier" split in two, with every other
    condition of ``queryset`` kept in both."""
    path = _tier_path(queryset.query.where)
    if path is None:
        return None
    return [_replaced(queryset, path, functools.partial(_part_of, tier=t)) for t in (False, True)]


def _replaced(queryset, path, replace):
    """A copy of ``queryset`` whose condition at ``path`` (_tier_path) is ``replace(it)``."""
    part = queryset.all()  # clones the condition's tree, so its nodes can be changed
    *to_parent, last = path
    node = part.query.where
    for i in to_parent:
        node = node.children[i]
    node.children[last] = replace(node.children[last])
    return part


def tier_rows_by_article(queryset):
    """SQLite: the rows of a search with an article tier as two sets that do not overlap, for
    reading whole rows: every quote of the tier's articles, found by its article, and the own
    matches outside those articles; every other condition of ``queryset`` kept in both. None
    without a tier, and on PostgreSQL.

    The search's own condition finds the same rows as a list of ids ("id IN (own matches UNION
    the tier's quote ids)"), which SQLite reads by looking up each id in the table. Found by
    article, the tier's rows come from the index on the article and the facet columns alone
    (migration 0014): for 7,398 quotes of a 100,000-quote archive, 1.6 ms against 3.5 ms
    through the table; the facet queries of five words with such tiers took 17.4-22.6 ms
    before, 11.2-20.1 after.
    """
    if _vendor(queryset) != "sqlite" or (path := _tier_path(queryset.query.where)) is None:
        return None
    return [_replaced(queryset, path, functools.partial(_by_article, tier=t)) for t in (1, 0)]


def _by_article(condition, *, tier: bool):
    """SQLite's "id IN (_TierUnion)" as the tier's quotes by article, or as the own matches
    outside those articles."""
    in_tier, ids = condition.rhs.in_tier
    if tier:
        return ExtraWhere([in_tier], ids)
    own = type(condition)(condition.lhs, condition.rhs.own)
    return WhereNode([own, ExtraWhere([f"NOT {in_tier}"], ids)])


def _tier_path(node, path=()):
    """The child indexes leading to the condition that holds the tier, or None."""
    for i, child in enumerate(node.children):
        if _holds_tier(child):
            return (*path, i)
        if isinstance(child, WhereNode) and (found := _tier_path(child, (*path, i))) is not None:
            return found
    return None


def _holds_tier(condition) -> bool:
    if isinstance(condition, WhereNode):  # PostgreSQL: own match OR _TierArticles
        return (
            condition.connector == "OR"
            and not condition.negated
            and any(map(_is_tier, condition.children))
        )
    return isinstance(getattr(condition, "rhs", None), _TierUnion)  # SQLite: id IN (union)


def _part_of(condition, *, tier: bool):
    if isinstance(condition, WhereNode):
        condition.children = [c for c in condition.children if _is_tier(c) == tier]
        return condition
    return type(condition)(condition.lhs, condition.rhs.part(tier=tier))


def _is_tier(condition) -> bool:
    # A filter on an expression is held as "expression = true" (Exact), rendered as itself.
    return isinstance(getattr(condition, "lhs", condition), _TierArticles)


# A ranking's SQL, per process, by the name of the rows it ranks (``scan``: a page's base and
# the values of its filters, facets.rows_key) and its part: building it took 0.33 ms of every
# warm search page at 1M quotes, which then only reads the ranked ids kept under that SQL. The
# SQL depends on nothing else but the code, which a deploy restarts, and an article tier's
# ids, which are part of the key; it is the same for every page of the search (the page number
# slices the kept ids). A tier's entry holds its ids twice (about 45 kB for 1,000 articles),
# so the process keeps at most _BUILT_MAX of them.
_BUILT: dict = {}
_BUILT_MAX = 512


def _built(alias: str, name: str | None, part: tuple, build: Callable[[], tuple]) -> tuple:
    """``build()`` (a query's SQL and parameters), built once per process for ``name``."""
    if name is None:
        return build()
    key = (alias, name, part)
    found = _BUILT.get(key)
    if found is None:
        found = build()
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()  # names of searches nobody repeats: start again, no bookkeeping
        _BUILT[key] = found
    return found


# A search's SQL per process by its shape, on PostgreSQL: there its words reach the SQL only as
# the text websearch_to_tsquery() is given, a parameter, so the SQL built once for a stand-in
# query serves every search of the same shape with its own words put in the stand-in's place.
# A first search built its statements' SQL through the ORM for words nobody had asked (the own
# matches' ranking and the article tier's articles: about 0.8 ms at 1M quotes). A query with a
# NOT term has a second text, its positive terms alone (``_search_query``), so it has shapes of
# its own. The stand-in's words are no word of the archive or of any filter's value.
_SHAPED: dict = {}
_SHAPED_MAX = 256
_STAND_INS = {False: "parleystandin", True: "parleystandin -parleystandinnot"}


def _shaped(alias: str, shape: tuple, query: str, build: Callable[[str], tuple]) -> tuple:
    """``build(query)`` (a search's SQL and parameters), built once per process for ``shape``
    (what the SQL depends on but the words: the base's conditions, the limit) on PostgreSQL;
    ``build`` must put the words in its SQL only through ``_search_query``."""
    if connections[alias].vendor != "postgresql":
        return build(query)
    parsed = parse_query(query)
    negated = parsed.websearch() != parsed.websearch(positive_only=True)
    key = (alias, shape, negated)
    found = _SHAPED.get(key)
    if found is None:
        if len(_SHAPED) >= _SHAPED_MAX:
            _SHAPED.clear()
        stand_in = parse_query(_STAND_INS[negated])
        texts = (stand_in.websearch(), stand_in.websearch(positive_only=True))
        found = _SHAPED[key] = (*build(_STAND_INS[negated]), texts)
    sql, params, (full, positive) = found
    words = {full: parsed.websearch(), positive: parsed.websearch(positive_only=True)}
    return sql, tuple(words.get(p, p) if isinstance(p, str) else p for p in params)


def _tier_ids(queryset, path) -> tuple:
    """The article ids of the tier held by the condition at ``path`` (_tier_path)."""
    node = queryset.query.where
    for i in path:
        node = node.children[i]
    if isinstance(node, WhereNode):  # PostgreSQL: own match OR _TierArticles
        tier = next(child for child in node.children if _is_tier(child))
        return tuple(getattr(tier, "lhs", tier).ids)
    return tuple(node.rhs.tier.params)  # SQLite: id IN (_TierUnion)


def _best_with_tier(queryset, limit: int, *, scan: str | None, articles: tuple) -> list[int]:
    """The best ``limit`` ids of a search with an article tier: its own matches in their order,
    then the rest, newest id first.

    Ranking the whole set scored every quote of every tier article (8,151 rows for a word
    whose 343 own matches brought in 967 articles: 18-35 ms at 1M quotes). Only the own
    matches have a score of their own, and there are fewer than the cap of them
    (article_tier_for); every other quote of the tier ranks ARTICLE_WEIGHT, so those are read
    as ids alone, from the article index. On PostgreSQL the own matches come in the RUM
    index's order, which is the query article_tier_for ran, found kept; on SQLite they are
    scored, and merged by score, since one may rank ARTICLE_WEIGHT too (``_Fts5Rank``).
    """
    from articles.facet_counts import note_scan, read_ms, remembered

    by_index = OWN_ORDER in queryset.query.annotations
    parts = functools.cache(lambda: _tier_parts(queryset))

    def build_own():
        own = parts()[0]
        ordered = own.order_by(OWN_ORDER) if by_index else own.order_by("-rank", "-pk")
        own_best = ordered.values_list("pk", *([] if by_index else ["rank"]))[:limit]
        return own_best.query.sql_with_params()

    def build_tier():
        return parts()[1].order_by("-pk").values_list("pk")[:size].query.sql_with_params()

    own_sql = _built(queryset.db, scan, ("own", limit), build_own)
    scored = remembered(queryset.db, own_sql)
    size = limit + len(scored)
    # The tier's articles are data: a write can change them under the same name.
    tier_sql = _built(queryset.db, scan, ("tier", size, articles), build_tier)
    read = remembered(queryset.db, tier_sql)
    if scan is not None:
        # What reading every row of the set would take, which tells the facets whether
        # grouping it can fit their budget (facets.GROUPING_PER_SCAN).
        own_ms, tier_ms = (read_ms(sql) or 0.0 for sql in (own_sql, tier_sql))
        note_scan(scan, own_ms + tier_ms * TIER_ROWS_PER_ID)
    own_ids = {row[0] for row in scored}
    rest = [pk for (pk,) in read if pk not in own_ids]
    if by_index:
        return [*(pk for (pk,) in scored), *rest][:limit]
    rows = sorted([*scored, *((pk, ARTICLE_WEIGHT) for pk in rest)], key=lambda r: (-r[1], -r[0]))
    return [pk for pk, _ in rows[:limit]]


def estimated_rows(alias: str, sql_params: tuple, table: str) -> float:
    """The planner's estimate of the rows a query reads from ``table`` before any LIMIT."""
    sql, params = sql_params
    with connections[alias].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return _most_rows(plan[0]["Plan"], table)


def _most_rows(node: dict, table: str) -> float:
    own = node.get("Plan Rows", 0) if node.get("Relation Name") == table else 0
    return max([own, *(_most_rows(child, table) for child in node.get("Plans", []))])


def article_tier_for(queryset, query: str) -> ArticleTier:
    """The body tier of a search of ``queryset``: empty once its own matches fill the cap.

    Pages show the best RESULT_COUNT_CAP rows and body-only matches rank last, so past the cap
    they could not be shown; adding every quote of every matching article (62,000 rows for a
    mid-frequency word at 1M quotes) would also defeat the index. Below the cap the matching
    articles are listed within a time budget; when that fails the tier is left out and says so.
    """
    from articles.facet_counts import base_name, count_rows, kept

    parsed = parse_query(query)
    if not parsed:
        return ArticleTier()
    cap = RESULT_COUNT_CAP

    def own_matches() -> int:
        if _vendor(queryset) == "postgresql":
            return _own_matches_by_index(queryset, query, cap + 1)
        own = search_quotes(queryset, query, article_tier=ArticleTier())
        try:
            sql, params = own.order_by().values("pk")[:cap].query.sql_with_params()
        except EmptyResultSet:  # a base that can hold no quote: no article can add any
            return -1
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) own", params)
            return cursor.fetchone()[0]

    # Kept under the archive's version like the page's ranked ids: a mid-frequency word's
    # check read 1,000 rows (7 ms at 1M quotes) on every page of its results. Named by the
    # base's conditions and the query, not by its SQL, which took longer to build than reading
    # the kept count (1-1.5 ms of a 9 ms warm search).
    name = f"article-tier-own:{cap}:{base_name(queryset)}\n{query}"
    counted = kept(queryset.db, name, own_matches)
    if counted < 0 or counted >= cap:
        return ArticleTier()
    articles = _article_model().objects.all()

    def ids_sql(words: str) -> tuple:
        found = search_articles(articles, words).order_by().values_list("pk", flat=True)
        return found[: ARTICLE_TIER_MAX + 1].query.sql_with_params()

    # Like a facet count: cached under the archive's version, and when it runs out of time,
    # found in the background for the next visit (a phrase's articles took 25 ms at 1M quotes,
    # past the budget on every visit). Named by the query, so that a page that finds them kept
    # does not build their SQL (building it took 0.4 ms at 1M quotes, for every visit).
    rows = count_rows(
        articles.db,
        {"ids": lambda: _shaped(articles.db, ("article-tier-ids",), query, ids_sql)},
        budget_ms=ARTICLE_TIER_BUDGET_MS,
        keys={"ids": f"article-tier-ids:{ARTICLE_TIER_MAX}\n{query}"},
    ).rows.get("ids")
    if rows is None:
        return ArticleTier(left_out="slow")
    if len(rows) > ARTICLE_TIER_MAX:
        return ArticleTier(left_out="many")
    return ArticleTier(tuple(sorted(pk for (pk,) in rows)))


def search_articles(queryset, query: str):
    """Articles matching ``query`` (headline A, standfirst B, body C) with a ``rank``."""
    parsed = parse_query(query)
    if not parsed:
        return _nothing(queryset)
    if _vendor(queryset) == "postgresql":
        return queryset.filter(search_vector=_search_query(parsed)).annotate(
            rank=_rank("search_vector", parsed)
        )
    table, columns = _FTS5["article"]
    matching = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", (parsed.fts5(),))
    return queryset.filter(pk__in=matching).annotate(rank=_Fts5Rank(table, columns, parsed))


def _nothing(queryset):
    # Still annotated, so ordering by rank works on an empty result.
    return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))


def marks_to_html(text: str) -> str:
    """Escape ``text`` and turn the marker characters into ``<mark>`` tags."""
    html = escape(text)
    opened = False
    for ch in html:  # drop markers that do not nest: never emit an unbalanced tag
        if ch in (MARK_OPEN, MARK_CLOSE):
            if (ch == MARK_OPEN) == opened:
                return escape(text.replace(MARK_OPEN, "").replace(MARK_CLOSE, ""))
            opened = not opened
    if opened:
        return escape(text.replace(MARK_OPEN, "").replace(MARK_CLOSE, ""))
    html = html.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
    return _MERGE_MARKS.sub(r"\1", html)


def _highlights(model, ids, query: str, column: str, *, fragments: bool) -> dict:
    """{pk: marked text} for the given rows only: one query, kept under the archive's version.

    The marks depend only on the rows and the query, so a page of a search asked again (a
    search's ranked ids are kept the same way) reads them from the cache: ``ts_headline``
    over a page of quotes took 3-4 ms of a warm search page at 1M quotes.
    """
    from articles.facet_counts import kept

    parsed = parse_query(query)
    if not ids or not parsed:
        return {}
    db = model.objects.all().db
    name = f"highlights:{model._meta.label}:{column}:{fragments}:{query}:{list(ids)}"
    return kept(db, name, lambda: _marked(db, model, ids, parsed, column, fragments=fragments))


def _marked(db, model, ids, parsed: ParsedQuery, column: str, *, fragments: bool) -> dict:
    connection = connections[db]
    if connection.vendor == "postgresql":
        # Written out rather than built with SearchHeadline: building that queryset took 1.35
        # ms of every first search at 1M quotes (as long as ts_headline over its 20 rows).
        table, name = (connection.ops.quote_name(n) for n in (model._meta.db_table, column))
        sql = (
            f"SELECT id, ts_headline(%s::regconfig, {name}, websearch_to_tsquery(%s::regconfig, "
            f"%s), %s) FROM {table} WHERE id = ANY(%s)"
        )
        options = _headline_options(connection, fragments)
        with connection.cursor() as cursor:
            cursor.execute(sql, [CONFIG, CONFIG, parsed.websearch(), options, list(ids)])
            return dict(cursor.fetchall())
    table, columns = _FTS5[model._meta.model_name]
    col = list(columns).index(column)
    func = (
        f"snippet({table}, {col}, %s, %s, ' … ', 40)"
        if fragments
        else f"highlight({table}, {col}, %s, %s)"
    )
    placeholders = ", ".join(["%s"] * len(ids))
    sql = f"SELECT rowid, {func} FROM {table} WHERE {table} MATCH %s AND rowid IN ({placeholders})"
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [MARK_OPEN, MARK_CLOSE, parsed.fts5(), *ids])
        return dict(cursor.fetchall())


def _headline_options(connection, fragments: bool) -> str:
    """ts_headline's options, as SearchHeadline writes them: a passage or two around the
    matches for an article's body, the whole text for a quote; the matches between the marker
    characters. The same text every time: made once per process."""
    if fragments not in _HEADLINE_OPTIONS:
        options = {"StartSel": MARK_OPEN, "StopSel": MARK_CLOSE}
        if fragments:
            options |= {"MaxWords": 35, "MinWords": 15, "MaxFragments": 2}
            options |= {"FragmentDelimiter": " … "}
        else:
            options |= {"HighlightAll": True}
        compose = connection.ops.compose_sql
        _HEADLINE_OPTIONS[fragments] = ", ".join(
            compose(f"{option}=%s", [value]) for option, value in options.items()
        )
    return _HEADLINE_OPTIONS[fragments]


_HEADLINE_OPTIONS: dict[bool, str] = {}


def highlight_quotes(quotes, query: str):
    """Set ``quote.snippet``: the quote text, escaped, with the matched words in ``<mark>``."""
    quotes = list(quotes)
    found = _highlights(_quote_model(), [q.pk for q in quotes], query, "text", fragments=False)
    for quote in quotes:
        marked = found.get(quote.pk)
        quote.snippet = mark_safe(marks_to_html(marked) if marked else escape(quote.text))
    return quotes


def highlight_articles(articles, query: str):
    """Set ``article.snippet``: passages of the body around the matched words, marked."""
    articles = list(articles)
    found = _highlights(_article_model(), [a.pk for a in articles], query, "body", fragments=True)
    for article in articles:
        marked = found.get(article.pk)
        # Rows of ArticleQuerySet.for_listing carry only the body's start.
        start = getattr(article, "body_start", None)
        if start is None:
            start = article.body[:BODY_START]
        fallback = article.standfirst or start
        article.snippet = mark_safe(marks_to_html(marked) if marked else escape(fallback))
    return articles


def suggest_speakers(query: str):
    """Speakers whose name or alias the query names: all of it, or one of its words or phrases."""
    from articles.models import Speaker, SpeakerAlias

    text, _ = clean_query(query)
    parsed = parse_query(query)
    candidates = {" ".join(text.replace('"', " ").split()).lower()}
    candidates |= {t.text.lower() for t in parsed.positive_terms}
    candidates.discard("")
    if not candidates:
        return Speaker.objects.none()
    from articles.dimensions import speaker_names

    known = speaker_names(Speaker.objects.db)
    if known is not None and known.isdisjoint(candidates):
        return Speaker.objects.none()
    # Two lookups in the lower(name) indexes, their ids in one list (UNION), then the speakers
    # by primary key. A correlated EXISTS scanned every speaker (1.4 ms of 2.7 at 2,000
    # speakers, growing with them), and so did "id IN (...) OR id IN (...)": PostgreSQL tested
    # each speaker against both lists (1.1 ms at 2,000 speakers; 0.15 ms this way).
    named = Speaker.objects.annotate(lower=Lower("name")).filter(lower__in=candidates)
    aliased = SpeakerAlias.objects.annotate(lower=Lower("name")).filter(lower__in=candidates)
    ids = named.order_by().values("pk").union(aliased.order_by().values("speaker_id"))
    return Speaker.objects.filter(pk__in=ids).with_party().order_by("name")


@dataclass(frozen=True)
class CappedCount:
    """A count that stopped at a cap: prints "1,000+" past it."""

    value: int
    capped: bool

    def __str__(self):
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"

    def __int__(self):
        return self.value


def count_capped(queryset, cap: int = RESULT_COUNT_CAP) -> CappedCount:
    """Count at most ``cap`` rows (a LIMITed subquery), so a huge result set stays cheap."""
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return CappedCount(min(n, cap), n > cap)


def _quote_model():
    from articles.models import Quote

    return Quote


def _article_model():
    from articles.models import Article

    return Article
