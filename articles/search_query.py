"""The reader's search syntax, parsed once for both databases (see articles/search.py).

Syntax of PostgreSQL's ``websearch_to_tsquery``: words (all must match), ``"exact phrase"``,
``OR`` and ``-exclude``. Parsing never raises: control characters become spaces, an unclosed
quote runs to the end, punctuation-only words and English stop words are dropped, and what was
dropped is reported in ``ParsedQuery.notices``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32  # words and phrases; each is one index lookup per candidate row

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

# Highlight markers (private-use characters): a query never contains them, so no reader can
# forge a <mark> (articles/search.py turns them into tags after escaping).
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
_WORD = re.compile(r"[^\W_]+")


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
    text = text.replace(MARK_OPEN, " ").replace(MARK_CLOSE, " ").strip()
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
