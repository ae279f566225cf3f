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


def similarity(a: str, b: str) -> float:
    """How alike two statements are, 0 to 1."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    if min(len(na), len(nb)) / max(len(na), len(nb)) < 0.5:
        return 0.0
    wa, wb = content_words(a), content_words(b)
    overlap = len(wa & wb) / len(wa | wb) if wa | wb else 0.0
    return max(SequenceMatcher(None, na, nb, autojunk=False).ratio(), overlap)


def find_same(quote, candidates) -> object | None:
    """The canonical quote among ``candidates`` that ``quote`` repeats, if any."""
    best, best_score = None, THRESHOLD
    for other in candidates:
        if other.article_id == quote.article_id or other.speaker_id != quote.speaker_id:
            continue
        if not _close(quote.said_on, other.said_on):
            continue
        score = similarity(quote.text, other.text)
        if score >= best_score:
            best, best_score = other, score
    if best is None:
        return None
    return best.same_as if best.same_as_id else best


def _close(a: datetime.date | None, b: datetime.date | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs((a - b).days) <= DAYS


def link_duplicates(quotes) -> int:
    """Point each new quote that repeats an archived one at it; return how many were linked."""
    from articles.models import Quote

    linked = 0
    for quote in quotes:
        window = Quote.objects.filter(speaker_id=quote.speaker_id).exclude(
            article_id=quote.article_id
        )
        if quote.said_on:
            delta = datetime.timedelta(days=DAYS)
            window = window.filter(said_on__range=(quote.said_on - delta, quote.said_on + delta))
        else:
            window = window.filter(said_on__isnull=True)
        same = find_same(quote, window.select_related("same_as").order_by("id"))
        if same is not None:
            quote.same_as = same
            quote.save(update_fields=["same_as"])
            linked += 1
    return linked
