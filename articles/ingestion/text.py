"""Segment a cleaned body into paragraphs and sentences, keeping offsets into the body.

Quotations are atomic: a sentence never ends inside quotation marks, so a quotation of three
sentences followed by ", he said" is one sentence whose attribution can be found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    [
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "col",
        "lt",
        "maj",
        "capt",
        "sen",
        "rep",
        "gov",
        "st",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "amb",
        "adm",
        "sgt",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
    ]
)
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"“«‘(\[A-Z0-9])")
_PARAGRAPH_RE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def paragraphs(body: str) -> list[Span]:
    """Every non-empty line of the body (the cleaner joins paragraphs with a blank line)."""
    return [Span(m.start(), m.end()) for m in _PARAGRAPH_RE.finditer(body)]


def sentences(body: str, paragraph: Span, quotes: list[Span]) -> list[Span]:
    """Sentences of one paragraph; never split inside a quotation (``quotes`` are mark spans)."""
    text = body[paragraph.start : paragraph.end]
    inside = [(q.start - paragraph.start, q.end - paragraph.start) for q in quotes]
    spans, start = [], 0
    for match in _SENTENCE_END_RE.finditer(text):
        cut = match.end()
        if any(a < match.start() and cut < b for a, b in inside):
            continue  # full stop inside a quotation that goes on ("... this. However, ...")
        word = re.search(r"([\w.]+)[.]$", text[: match.start() + 1])
        if word and text[match.start()] == "." and _is_abbreviation(word.group(1), text, cut):
            continue
        spans.append(Span(paragraph.start + start, paragraph.start + cut))
        start = cut + len(text[cut:]) - len(text[cut:].lstrip())
    if start < len(text):
        spans.append(Span(paragraph.start + start, paragraph.end))
    return spans


def _is_abbreviation(word: str, text: str, cut: int) -> bool:
    lowered = word.lower().rstrip(".")
    if lowered in ABBREVIATIONS:
        # "U.S. Secretary" continues; "in the U.S. The talks" is ambiguous: keep together.
        return True
    return len(word) == 1 and word.isupper()  # an initial: "Joseph R. Biden"
