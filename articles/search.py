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
  trigger-maintained ``search_vector`` (migration 0003: quote text A, speaker name and aliases B,
  article headline C, article body D).
- SQLite gets an FTS5 MATCH expression in which every term is an FTS5 string, so no user input
  is ever read as FTS5 syntax, ranked by ``bm25`` with weights in the same order.
Known differences: SQLite's porter stemmer is the original Porter algorithm and PostgreSQL's
``english`` config is Snowball (rare words stem differently); an FTS5 phrase matches its words
exactly where PostgreSQL skips stop words inside it ("open the door" ~ "open a door").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connections
from django.db.models import Exists, F, FloatField, Func, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils.html import escape
from django.utils.safestring import mark_safe

CONFIG = "english"
MAX_QUERY_LENGTH = 500
MAX_TERMS = 32  # words and phrases; each is one index lookup per candidate row
RESULT_COUNT_CAP = 1000

# PostgreSQL's english.stop list (share/tsearch_data/english.stop). The english config drops
# these words; the SQLite translation drops them too so that "the" finds nothing on both.
_STOP_WORDS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# Highlights are made with two private-use characters as markers, then the text is escaped and
# only the markers become <mark> tags: no stored text can ever reach the page as HTML.
_OPEN, _CLOSE = "\ue000", "\ue001"
_WORD = re.compile(r"[^\W_]+")
_MERGE_MARKS = re.compile(r"</mark>(\s+)<mark>")


@dataclass(frozen=True)
class Term:
    """One word or quoted phrase of the query, as the reader typed it."""

    text: str
    phrase: bool = False
    negated: bool = False

    def websearch(self) -> str:
        # Quoted even when a single word, so no word can be read as an operator ("or", "-").
        return f'{"-" if self.negated else ""}"{self.text}"'

    def fts5(self) -> str:
        # An FTS5 string: the tokenizer splits it into a phrase and nothing inside is syntax.
        return '"' + self.text.replace('"', '""') + '"'


@dataclass(frozen=True)
class ParsedQuery:
    """A query as understood: OR of groups, each group all of its terms (``websearch`` rules)."""

    groups: tuple[tuple[Term, ...], ...] = ()
    truncated: bool = False
    ignored: tuple[str, ...] = ()
    too_many: bool = False  # terms past MAX_TERMS were dropped

    def __bool__(self):
        return bool(self.groups)

    @property
    def positive_terms(self) -> list[Term]:
        return [t for group in self.groups for t in group if not t.negated]

    def websearch(self, *, positive_only: bool = False) -> str:
        return " or ".join(
            " ".join(t.websearch() for t in group if not (positive_only and t.negated))
            for group in self.groups
        )

    def fts5(self, *, positive_only: bool = False) -> str:
        parts = []
        for group in self.groups:
            expr = " AND ".join(t.fts5() for t in group if not t.negated)
            for term in group:
                if term.negated and not positive_only:
                    expr += f" NOT {term.fts5()}"
            parts.append(f"({expr})")
        return " OR ".join(parts)

    @property
    def notices(self) -> list[str]:
        """What the reader should be told about how the query was read."""
        notes = []
        if self.truncated:
            notes.append(
                f"Your search was longer than {MAX_QUERY_LENGTH} characters; "
                f"only the first {MAX_QUERY_LENGTH} were used."
            )
        if self.too_many:
            notes.append(
                f"Your search has more than {MAX_TERMS} different words and phrases; "
                f"only the first {MAX_TERMS} were used."
            )
        if self.ignored:
            words = ", ".join(f"“{w}”" for w in self.ignored)
            notes.append(
                f"Ignored: {words} (common words, or an exclusion with nothing to search)."
            )
        if not self.groups:
            notes.append(
                "Nothing to search for: type at least one word that is not excluded, "
                "for example guarantees or “legally binding”."
            )
        return notes


def clean_query(raw) -> tuple[str, bool]:
    """The query without control characters (NUL breaks PostgreSQL), cut to the maximum length."""
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch for ch in str(raw or "")
    )
    text = text.replace(_OPEN, " ").replace(_CLOSE, " ").strip()
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH], True
    return text, False


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _scan(text: str):
    """Yield (token, phrase, negated) in reading order; an unclosed quote runs to the end."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negated = ch == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end
            yield text[i + 1 : end], True, negated
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        yield text[start:i], False, negated


@functools.lru_cache(maxsize=256)
def parse_query(raw: str) -> ParsedQuery:
    """Read the reader's query; never raises, whatever the input."""
    text, truncated = clean_query(raw)
    groups, current, ignored = [], [], []
    for token, phrase, negated in _scan(text):
        if not phrase and not negated and token.lower() == "or":
            groups.append(current)
            current = []
            continue
        words = _tokens(token)
        if not words:
            continue  # only punctuation: "&&", "(", "*"
        if all(w in STOP_WORDS for w in words):
            ignored.append(token)
            continue
        # One spelling for both databases: words joined by single spaces, quote marks removed.
        term = Term(" ".join(token.split()), phrase=phrase, negated=negated)
        # A repeated term changes no result but costs one more index lookup per row.
        if all((t.text.lower(), t.negated) != (term.text.lower(), term.negated) for t in current):
            current.append(term)
    groups.append(current)
    kept, count, too_many = [], 0, False
    for group in groups:
        if not any(not t.negated for t in group):
            ignored.extend(f"-{t.text}" for t in group)
        elif tuple(group) not in kept:
            room = MAX_TERMS - count
            too_many = too_many or len(group) > room
            group = group[:room]
            if any(not t.negated for t in group):
                kept.append(tuple(group))
                count += len(group)
    return ParsedQuery(tuple(kept), truncated, tuple(dict.fromkeys(ignored)), too_many)


def _vendor(queryset) -> str:
    return connections[queryset.db].vendor


class _Fts5Rank(Func):
    """A rank for FTS5 rows shaped like ``ts_rank`` with default weights: higher is better.

    ``bm25`` alone cannot rank these rows: each quote row repeats its article's headline and
    body, so most words occur in most rows and FTS5 clamps their IDF to ~0. The rank is
    therefore the sum of the weights of the columns that match the query on their own
    (text 1.0, speaker 0.4, headline 0.2, body 0.1, as PostgreSQL's A-D defaults), plus
    ``bm25`` squashed below 0.05 to order rows within a tier (distinct column sets differ by
    at least 0.1, so the tie-break never crosses a tier).
    """

    output_field = FloatField()

    def __init__(self, table: str, columns: dict[str, float], parsed: ParsedQuery):
        super().__init__(F("pk"))
        self.table, self.columns, self.parsed = table, columns, parsed

    def as_sql(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        t = self.table
        row = f"FROM {t} WHERE {t}.rowid = {pk_sql} AND {t} MATCH %s"
        weights = ", ".join(str(w) for w in self.columns.values())
        parts, params = [], []
        positive = self.parsed.fts5(positive_only=True)
        for column, weight in self.columns.items():
            parts.append(f"{weight} * EXISTS(SELECT 1 {row})")
            params += [*pk_params, f"{column} : ({positive})"]
        parts.append(
            f"coalesce((SELECT 0.05 * max(b, 0) / (1 + max(b, 0)) "
            f"FROM (SELECT -bm25({t}, {weights}) AS b {row})), 0)"
        )
        params += [*pk_params, self.parsed.fts5()]
        return "(" + " + ".join(parts) + ")", tuple(params)


# FTS5 table and its columns with their weights, in the order migration 0003 made them.
_FTS5 = {
    "quote": ("articles_quote_fts", {"text": 1.0, "speaker": 0.4, "headline": 0.2, "body": 0.1}),
    "article": ("articles_article_fts", {"headline": 1.0, "standfirst": 0.4, "body": 0.2}),
}


def _search_query(parsed: ParsedQuery, *, positive_only: bool = False) -> SearchQuery:
    text = parsed.websearch(positive_only=positive_only)
    return SearchQuery(text, search_type="websearch", config=CONFIG)


def _search(queryset, query: str, kind: str):
    parsed = parse_query(query)
    if not parsed:
        # Still annotated, so ordering by rank works on an empty result.
        return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
    if _vendor(queryset) == "postgresql":
        search_query = _search_query(parsed)
        # Ranked by the positive terms only: ts_rank scores a query with a NOT as 0.
        return queryset.filter(search_vector=search_query).annotate(
            rank=SearchRank(F("search_vector"), _search_query(parsed, positive_only=True))
        )
    table, columns = _FTS5[kind]
    matching = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", (parsed.fts5(),))
    return queryset.filter(pk__in=matching).annotate(rank=_Fts5Rank(table, columns, parsed))


def search_quotes(queryset, query: str):
    """Quotes matching ``query`` with a ``rank``; ``none()`` when there is nothing to search."""
    return _search(queryset, query, "quote")


def search_articles(queryset, query: str):
    """Articles matching ``query`` (headline A, standfirst B, body C) with a ``rank``."""
    return _search(queryset, query, "article")


def marks_to_html(text: str) -> str:
    """Escape ``text`` and turn the marker characters into ``<mark>`` tags."""
    html = escape(text)
    opened = False
    for ch in html:  # drop markers that do not nest: never emit an unbalanced tag
        if ch in (_OPEN, _CLOSE):
            if (ch == _OPEN) == opened:
                return escape(text.replace(_OPEN, "").replace(_CLOSE, ""))
            opened = not opened
    if opened:
        return escape(text.replace(_OPEN, "").replace(_CLOSE, ""))
    html = html.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
    return _MERGE_MARKS.sub(r"\1", html)


def _highlights(model, ids, parsed: ParsedQuery, column: str, *, fragments: bool) -> dict:
    """{pk: marked text} for the given rows only: one query, whichever the database."""
    if not ids or not parsed:
        return {}
    db = model.objects.all().db
    if connections[db].vendor == "postgresql":
        search_query = _search_query(parsed)
        options = (
            {"max_words": 35, "min_words": 15, "max_fragments": 2, "fragment_delimiter": " … "}
            if fragments
            else {"highlight_all": True}
        )
        headline = SearchHeadline(
            column, search_query, config=CONFIG, start_sel=_OPEN, stop_sel=_CLOSE, **options
        )
        rows = model.objects.filter(pk__in=ids).annotate(h=headline).values_list("pk", "h")
        return dict(rows)
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
        cursor.execute(sql, [_OPEN, _CLOSE, parsed.fts5(), *ids])
        return dict(cursor.fetchall())


def highlight_quotes(quotes, query: str):
    """Set ``quote.snippet``: the quote text, escaped, with the matched words in ``<mark>``."""
    quotes = list(quotes)
    found = _highlights(
        _quote_model(), [q.pk for q in quotes], parse_query(query), "text", fragments=False
    )
    for quote in quotes:
        marked = found.get(quote.pk)
        quote.snippet = mark_safe(marks_to_html(marked) if marked else escape(quote.text))
    return quotes


def highlight_articles(articles, query: str):
    """Set ``article.snippet``: passages of the body around the matched words, marked."""
    articles = list(articles)
    found = _highlights(
        _article_model(), [a.pk for a in articles], parse_query(query), "body", fragments=True
    )
    for article in articles:
        marked = found.get(article.pk)
        fallback = article.standfirst or article.body[:300]
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
    aliases = SpeakerAlias.objects.annotate(lower=Lower("name")).filter(
        speaker=OuterRef("pk"), lower__in=candidates
    )
    return (
        Speaker.objects.annotate(lower=Lower("name"))
        .filter(Q(lower__in=candidates) | Exists(aliases))
        .with_party()
        .order_by("name")
    )


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
