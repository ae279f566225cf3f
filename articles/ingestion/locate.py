"""Find a quotation's exact characters in an article body, tolerating typographic variants.

Editors type straight quotes where the source has curly ones, a hyphen for a dash, one space for
a non-breaking space. Matching folds those differences while keeping a map from every folded
character back to the body, so the offsets returned select the body's own characters.
"""

from __future__ import annotations

import re

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-", "\u00a0": " ", "\u202f": " ",
    }
)  # fmt: skip
_SPACE_RE = re.compile(r"\s")


class QuoteNotFound(ValueError):
    """The quotation does not occur in the body (or occurs more often than it says)."""


def fold(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` for matching; return it and the index in ``text`` of each folded char."""
    out: list[str] = []
    index: list[int] = []
    previous_space = False
    for i, char in enumerate(text.translate(_FOLD)):
        if _SPACE_RE.match(char):
            if previous_space:
                continue
            char, previous_space = " ", True
        else:
            previous_space = False
        out.append(char)
        index.append(i)
    return "".join(out), index


def find_all(body: str, needle: str) -> list[tuple[int, int]]:
    """Every (start, end) span of ``body`` that matches ``needle`` after folding."""
    folded_body, index = fold(body)
    folded_needle, _ = fold(needle.strip())
    if not folded_needle:
        return []
    spans = []
    position = folded_body.find(folded_needle)
    while position != -1:
        last = position + len(folded_needle) - 1
        spans.append((index[position], index[last] + 1))
        position = folded_body.find(folded_needle, position + 1)
    return spans


def locate(body: str, needle: str, occurrence: int | None = None) -> tuple[int, int]:
    """The span of ``needle`` in ``body``; ``occurrence`` (1-based) picks one of several."""
    spans = find_all(body, needle)
    if not spans:
        raise QuoteNotFound(f"not found in the body: {needle!r}")
    if occurrence is None:
        if len(spans) > 1:
            raise QuoteNotFound(
                f"found {len(spans)} times in the body; "
                f"add occurrence = 1..{len(spans)}: {needle!r}"
            )
        return spans[0]
    if not 1 <= occurrence <= len(spans):
        raise QuoteNotFound(
            f"occurrence {occurrence} asked for but found {len(spans)} times: {needle!r}"
        )
    return spans[occurrence - 1]
