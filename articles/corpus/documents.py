"""Synthetic articles: about 600 words each, with about eight statements at exact offsets.

Each statement's text is written into the body as the body is assembled, so its offsets are
known exactly and ``body[start:end] == text`` holds by construction (the database trigger from
migration 0002 checks it again on load). Statement kinds follow the mix of a wire-service
archive: reported speech and direct quotation dominate, partial quotes and quoted document
text are rarer.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import random
from collections import deque

from django.utils.text import slugify

from articles.corpus.words import Prose
from articles.corpus.world import FIRST_DAY, SLUG_PREFIX, SPAN_DAYS, World

# (kind, share, words in the statement)
KINDS = (
    ("direct", 0.38, (12, 35)),
    ("indirect", 0.34, (10, 25)),
    ("partial", 0.18, (3, 8)),
    ("document", 0.10, (20, 45)),
)
KIND_NAMES = [k for k, _, _ in KINDS]
KIND_CUM_WEIGHTS = list(itertools.accumulate(w for _, w, _ in KINDS))
KIND_LENGTHS = {k: n for k, _, n in KINDS}
SAME_AS_LAG = 2000
MEDIA = ("a press conference", "Channel One", "a radio interview", "state television", "a briefing")
REPORTING_VERBS = ("said", "told reporters", "stated", "stressed", "noted", "added")

ARTICLE_COLUMNS = (
    "id", "outlet_id", "headline", "slug", "standfirst", "dateline_place", "published",
    "date_basis", "date_note", "body", "raw_text", "source_file", "source_url", "content_hash",
    "review_status",
)  # fmt: skip
QUOTE_COLUMNS = (
    "id", "text", "speaker_id", "article_id", "kind", "start", "end", "said_on", "event_id",
    "medium", "relayed_by_id", "same_as_id", "note", "review_status",
)  # fmt: skip


class Body:
    """An article body assembled piece by piece, tracking character offsets."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def text(self) -> str:
        return "".join(self.parts)


def generate_articles(world: World, seed: int, quotes: int, first_ids: dict[str, int]):
    """Yield ``(article_row, event_ids, quote_rows)`` until exactly ``quotes`` quotes exist."""
    rng = random.Random(f"parley-corpus:{seed}:articles")
    prose = Prose(rng)
    article_id, quote_id = first_ids["article"], first_ids["quote"]
    # Reports of a statement another article carried earlier: candidates are direct quotes at
    # least SAME_AS_LAG articles old, so a parallel loader has committed them already.
    waiting: deque = deque()  # (article index, quote id, speaker, text)
    recent: deque = deque(maxlen=200)
    made, index = 0, 0
    while made < quotes:
        while waiting and waiting[0][0] <= index - SAME_AS_LAG:
            recent.append(waiting.popleft()[1:])
        wanted = min(quotes - made, max(1, round(rng.gauss(8, 2))))
        article, events, rows = _article(
            rng, prose, world, seed, index, article_id, quote_id, wanted, recent
        )
        waiting.extend((index, q[0], q[2], q[1]) for q in rows if q[4] == "direct" and not q[11])
        yield article, events, rows
        made += len(rows)
        quote_id += len(rows)
        article_id += 1
        index += 1


def _article(rng, prose, world, seed, index, article_id, quote_id, wanted, recent):
    if rng.random() < 0.8:
        event = rng.choices(world.event_ids, cum_weights=world.event_cum_weights)[0]
        lag = min(int(rng.expovariate(0.7)), 20)  # most coverage the same day or the next
        published = world.event_dates[event] + datetime.timedelta(days=lag)
        place = world.event_places[event]
    else:
        event = None
        published = FIRST_DAY + datetime.timedelta(days=rng.randrange(SPAN_DAYS))
        place = ""
    outlet = rng.choice(world.outlet_ids) if rng.random() < 0.97 else None

    body = Body()
    body.add(prose.sentences(rng.randint(40, 80)))
    rows = []
    for n in range(wanted):
        body.add("\n\n" + prose.sentences(rng.randint(20, 60)) + " ")
        kind = rng.choices(KIND_NAMES, cum_weights=KIND_CUM_WEIGHTS)[0]
        speaker = _speaker(rng, world, event, kind)
        name = world.speaker_names[speaker]
        text, same_as, medium = None, None, ""
        if kind == "direct" and recent and rng.random() < 0.04:
            same_as, speaker, text = rng.choice(recent)
            name = world.speaker_names[speaker]
        text = text or prose.clause(rng.randint(*KIND_LENGTHS[kind]))
        if kind == "direct":
            body.add(f"{name} {rng.choice(REPORTING_VERBS)}: “")
            start, end = body.add(text)
            body.add("”.")
            if rng.random() < 0.1:
                medium = rng.choice(MEDIA)
        elif kind == "partial":
            body.add(f"{name} called the {prose.clause(2)} “")
            start, end = body.add(text)
            body.add("”.")
        elif kind == "indirect":
            body.add(f"{name} said that ")
            start, end = body.add(text)
            body.add(".")
        else:
            body.add(f"The text published by {name} reads: “")
            start, end = body.add(text)
            body.add("”.")
        said_on = published - datetime.timedelta(days=1 if rng.random() < 0.2 else 0)
        quote_event = event if rng.random() < 0.85 else None
        relayed_by = rng.choice(world.outlet_ids) if rng.random() < 0.08 else None
        status = "reviewed" if rng.random() < 0.98 else "unreviewed"
        rows.append(
            (
                quote_id + n,
                text,
                speaker,
                article_id,
                kind,
                start,
                end,
                said_on,
                quote_event,
                medium,
                relayed_by,
                same_as,
                "",
                status,
            )  # fmt: skip
        )
    body.add("\n\n" + prose.sentences(rng.randint(30, 70)))
    text = body.text()

    headline_speaker = world.speaker_names[rows[0][2]] if rows else ""
    headline = f"{headline_speaker}: {prose.clause(rng.randint(5, 9))}"
    slug = f"{SLUG_PREFIX}{seed}-{index}-{slugify(headline)[:60]}".rstrip("-")
    article = (
        article_id, outlet, headline, slug, prose.sentence(rng.randint(12, 20)), place,
        published, "stated", "", text, "", "", "",
        hashlib.sha256(f"parley-corpus:{seed}:{index}\n{text}".encode()).hexdigest(),
        "reviewed",
    )  # fmt: skip
    return article, [event] if event else [], rows


def _speaker(rng, world: World, event, kind: str) -> int:
    if kind == "document" and world.document_speakers:
        return rng.choice(world.document_speakers)
    if event is not None and rng.random() < 0.6:
        return rng.choice(world.event_speakers[event])
    return rng.choices(world.speaker_ids, cum_weights=world.speaker_cum_weights)[0]
