"""The same statement reported by several outlets: link the copies to one canonical quote.

Translations differ ("legal guarantees" / "legally binding guarantees"), so two texts are the
same statement when, for the same speaker within a few days, their normalised words largely
agree: a character-level ratio or a content-word overlap of at least ``THRESHOLD``.
"""

from __future__ import annotations

import datetime
import re
from difflib import SequenceMatcher

from articles.ingestion.knowledge import content_words

THRESHOLD = 0.6
DAYS = 3
_NORMAL_RE = re.compile(r"[^\w\s]")


def normalise(text: str) -> str:
    return " ".join(_NORMAL_RE.sub(" ", text.casefold()).split())


class Text:
    """A statement's text prepared once for many comparisons."""

    __slots__ = ("normal", "words")

    def __init__(self, text: str):
        self.normal = normalise(text)
        self.words = content_words(text)


def similarity(a: str | Text, b: str | Text) -> float:
    """How alike two statements are, 0 to 1."""
    a = a if isinstance(a, Text) else Text(a)
    b = b if isinstance(b, Text) else Text(b)
    if not a.normal or not b.normal:
        return 0.0
    if min(len(a.normal), len(b.normal)) / max(len(a.normal), len(b.normal)) < 0.5:
        return 0.0
    union = a.words | b.words
    overlap = len(a.words & b.words) / len(union) if union else 0.0
    if overlap >= THRESHOLD or overlap < 0.3:
        return overlap  # clear either way: skip the costly character comparison
    return max(SequenceMatcher(None, a.normal, b.normal).ratio(), overlap)


def find_same(quote, candidates, prepared: dict | None = None) -> object | None:
    """The canonical quote among ``candidates`` that ``quote`` repeats, if any."""
    prepared = {} if prepared is None else prepared
    mine = Text(quote.text)
    best, best_score = None, THRESHOLD
    for other in candidates:
        if other.article_id == quote.article_id or other.speaker_id != quote.speaker_id:
            continue
        if not _close(quote.said_on, other.said_on):
            continue
        theirs = prepared.get(other.pk) or prepared.setdefault(other.pk, Text(other.text))
        score = similarity(mine, theirs)
        if score >= best_score:
            best, best_score = other, score
    return best


def _close(a: datetime.date | None, b: datetime.date | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs((a - b).days) <= DAYS


def link_duplicates(quotes) -> int:
    """Point each new (unsaved) quote that repeats an archived one at it; return how many.

    Runs before the quotes are inserted, so the link is written with them in one statement.
    """
    from django.db.models import Q

    from articles.models import Quote

    by_speaker: dict[int, list] = {}
    for quote in quotes:
        by_speaker.setdefault(quote.speaker_id, []).append(quote)
    linked = 0
    for speaker_id, group in by_speaker.items():
        # One query per speaker: canonical quotes (a linked copy adds nothing but work) said
        # near the new ones' days, or undated like some of them.
        days = [q.said_on for q in group if q.said_on]
        near = Q(said_on__isnull=True)
        if days:
            delta = datetime.timedelta(days=DAYS)
            near |= Q(said_on__range=(min(days) - delta, max(days) + delta))
        candidates = list(
            Quote.objects.filter(near, speaker_id=speaker_id, same_as__isnull=True)
            .exclude(article_id=group[0].article_id)
            .only("id", "text", "said_on", "speaker_id", "article_id")
        )
        prepared: dict = {}
        for quote in group:
            same = find_same(quote, candidates, prepared)
            if same is not None:
                quote.same_as = same
                linked += 1
    return linked
