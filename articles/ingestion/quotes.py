"""Find quotations in a cleaned body: pair the marks, recover a missing mark, drop scare quotes.

Handles curly and straight double marks and guillemets; single curly marks only in paragraphs
with no double marks (British style), because ’ is also the apostrophe. A quotation left open at
the end of a paragraph ends there (wire copy reopens it in the next paragraph); a closing mark
with no opening one starts the quotation after the previous quotation or at the paragraph start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from articles.ingestion.text import Span, paragraphs

OPENING = "“«„"
CLOSING = "”»"
_TITLE_SMALL = frozenset(
    ["a", "an", "and", "the", "of", "in", "on", "for", "to", "at", "by", "or", "with", "from"]
)


@dataclass
class Quoted:
    marks: Span  # from the opening mark to just past the closing mark
    start: int  # the quoted words, trimmed of spaces and of a comma the sentence owns
    end: int
    missing_open: bool = False
    missing_close: bool = False


def _straight_role(text: str, i: int, is_open: bool) -> str:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if (before.isspace() or before in "([—–-/") and not after.isspace():
        return "open"
    if after.isspace() or after in ",.;:!?)]—–":
        return "close"
    return "close" if is_open else "open"


def _marks(text: str, single: bool) -> list[tuple[int, str]]:
    found = []
    for i, char in enumerate(text):
        if char in OPENING:
            found.append((i, "open"))
        elif char in CLOSING:
            found.append((i, "close"))
        elif char == '"':
            found.append((i, None))
        elif single and char == "‘" and (i == 0 or not text[i - 1].isalnum()):
            found.append((i, "open"))
        elif single and char == "’" and (i + 1 == len(text) or not text[i + 1].isalnum()):
            found.append((i, "close"))
    return found


def find_quotations(body: str) -> list[Quoted]:
    """Every quotation of the body in order, with its marks and its trimmed inner span."""
    found: list[Quoted] = []
    for par in paragraphs(body):
        text = body[par.start : par.end]
        single = '"' not in text and not any(c in text for c in OPENING + CLOSING)
        open_at: int | None = None
        last_end = 0
        for i, role in _marks(text, single):
            role = role or _straight_role(text, i, open_at is not None)
            if role == "open":
                if open_at is not None:  # a quotation missing its closing mark
                    found.append(_make(body, par.start, open_at, i, missing_close=True))
                open_at = i
            elif open_at is not None:
                found.append(_make(body, par.start, open_at, i + 1))
                open_at, last_end = None, i + 1
            elif text[i] != "’" and i - last_end > 1:
                found.append(_make(body, par.start, last_end, i + 1, missing_open=True))
                last_end = i + 1
        if open_at is not None and len(text) - open_at > 2:
            found.append(_make(body, par.start, open_at, len(text), missing_close=True))
    return [q for q in found if q.end - q.start > 0]


def _make(body: str, base: int, a: int, b: int, **flags) -> Quoted:
    start = base + a + (0 if flags.get("missing_open") else 1)
    end = base + b - (0 if flags.get("missing_close") else 1)
    while start < end and body[start].isspace():
        start += 1
    while end > start and (body[end - 1].isspace() or body[end - 1] in ",;:"):
        end -= 1
    marks = Span(start if flags.get("missing_open") else base + a, base + b)
    return Quoted(marks, start, end, **flags)


def is_scare_quote(body: str, quoted: Quoted, extra: str = "") -> bool:
    """A term or title in quotation marks rather than words someone said.

    One word is always a term; a short phrase is a term when the document uses it elsewhere
    too ("security guarantees" throughout, the headline included), or a title when every word
    is capitalised ("Open Door").
    """
    inner = body[quoted.start : quoted.end]
    words = re.findall(r"[\w’'\-\[\]]+", inner)
    if len(words) <= 1:
        return True
    if len(words) > 4 or re.search(r"[.!?…]$", inner) and len(words) > 2:
        return False
    if all(w[0].isupper() or w.lower() in _TITLE_SMALL for w in words) and words[0][0].isupper():
        return True
    phrase = re.sub(r"[^\w\s]", "", inner).strip().casefold()
    elsewhere = f"{extra} {body[: quoted.start]} {body[quoted.end :]}"
    elsewhere = re.sub(r"[^\w\s]", "", elsewhere).casefold()
    return bool(phrase) and re.search(rf"\b{re.escape(phrase)}\b", elsewhere) is not None
