"""Score the pipeline against gold annotations (fixtures/annotations.toml).

Span matching: a found statement matches a gold one of the same group when their texts are
equal once trailing punctuation, quotation marks and spaces are trimmed from both ends, or when
their spans overlap by at least 80% of each one's length. Each gold statement matches at most
one found statement. Groups: "quoted" (direct, partial and document text) and "indirect".
Speaker accuracy is over matched statements; date accuracy over matched statements whose gold
annotation has a date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from articles.ingestion.locate import find_all
from articles.ingestion.pipeline import Extraction

GROUPS = {"direct": "quoted", "partial": "quoted", "document": "quoted", "indirect": "indirect"}
_TRIM = " \t\n.,;:!?\"'“”‘’«»"


@dataclass
class GoldQuote:
    start: int
    end: int
    kind: str
    speaker: str | None
    date: datetime.date | None
    event: str | None


@dataclass
class Tally:
    found: int = 0
    gold: int = 0
    matched: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score:
    groups: dict[str, Tally] = field(
        default_factory=lambda: {"quoted": Tally(), "indirect": Tally()}
    )
    speaker_right: int = 0
    speaker_total: int = 0
    date_right: int = 0
    date_total: int = 0
    event_right: int = 0
    event_total: int = 0
    misses: list[str] = field(default_factory=list)
    matched_pairs: list = field(default_factory=list)

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_right / self.speaker_total if self.speaker_total else 1.0

    @property
    def date_accuracy(self) -> float:
        return self.date_right / self.date_total if self.date_total else 1.0

    @property
    def event_accuracy(self) -> float:
        return self.event_right / self.event_total if self.event_total else 1.0


def gold_quotes(body: str, annotations: list[dict]) -> list[GoldQuote]:
    """Gold statements located in the cleaned body.

    A text found several times takes the occurrence asked for, else the one nearest a given
    ``start``, else the first; a text found nowhere stays in the gold (a certain miss).
    """
    out = []
    for q in annotations:
        spans = find_all(body, q["text"])
        if q.get("occurrence") and len(spans) >= q["occurrence"]:
            spans = [spans[q["occurrence"] - 1]]
        elif "start" in q and spans:
            spans = [min(spans, key=lambda span: abs(span[0] - q["start"]))]
        start, end = spans[0] if spans else (-1, -1)
        out.append(
            GoldQuote(
                start, end, q["kind"], q.get("speaker"), _as_date(q.get("date")), q.get("event")
            )
        )
    return out


def _as_date(value) -> datetime.date | None:
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


def load_gold(path: Path) -> list[dict]:
    """Annotated articles from a TOML file like fixtures/annotations.toml, or from JSON in the
    schema of `ingest --dry-run --json` (a corrected dry run is a gold file)."""
    import json
    import tomllib

    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return [
            {"file": Path(record["file"]).name, "quote": record.get("quotes", [])}
            for record in json.loads(text)
        ]
    return tomllib.loads(text).get("article", [])


def spans_match(body: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    if body[a[0] : a[1]].strip(_TRIM) == body[b[0] : b[1]].strip(_TRIM):
        return True
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return overlap > 0 and overlap >= 0.8 * (a[1] - a[0]) and overlap >= 0.8 * (b[1] - b[0])


def score_document(extraction: Extraction, gold: list[GoldQuote], score: Score) -> None:
    """Add one document's counts to ``score``."""
    body = extraction.body
    used: set[int] = set()
    found = extraction.statements
    for st in found:
        score.groups[GROUPS[st.kind]].found += 1
    for g in gold:
        group = GROUPS[g.kind]
        score.groups[group].gold += 1
        match = None
        for i, st in enumerate(found):
            if i in used or GROUPS[st.kind] != group:
                continue
            if spans_match(body, (st.start, st.end), (g.start, g.end)):
                match = i
                break
        text = body[g.start : g.end][:70] if g.start >= 0 else "(text not in the body)"
        if match is None:
            score.misses.append(f"{extraction.file}: missed {g.kind} {text!r}")
            continue
        used.add(match)
        st = found[match]
        score.groups[group].matched += 1
        score.matched_pairs.append((st, g))
        score.speaker_total += 1
        slug = (st.who.slug or (st.who.new.name if st.who.new else None)) if st.who else None
        if _same_speaker(extraction, st, g.speaker):
            score.speaker_right += 1
        else:
            score.misses.append(f"{extraction.file}: speaker {slug} != {g.speaker}: {text!r}")
        if g.date:
            score.date_total += 1
            if st.date == g.date:
                score.date_right += 1
            else:
                score.misses.append(f"{extraction.file}: date {st.date} != {g.date}: {text!r}")
        # A proposed (unknown) event counts as "new:<name>", as the dry-run JSON writes it.
        found_event = st.event or (f"new:{st.proposed.name}" if st.proposed else None)
        if g.event or found_event:
            score.event_total += 1
            if found_event == g.event:
                score.event_right += 1
            else:
                score.misses.append(
                    f"{extraction.file}: event {found_event} != {g.event}: {text!r}"
                )
    for i, st in enumerate(found):
        if i not in used:
            text = body[st.start : st.end][:70]
            score.misses.append(f"{extraction.file}: extra {st.kind} {text!r}")


def _same_speaker(extraction: Extraction, st, gold: str | None) -> bool:
    """Gold names a known speaker by slug, canonical name or alias; a new one by its name."""
    if st.who is None or (st.who.slug is None and st.who.new is None):
        return gold is None
    if gold is None:
        return False
    if st.who.new:
        names = [st.who.new.name]
    else:
        speaker = extraction.knowledge.by_slug[st.who.slug]
        names = [speaker.slug, *speaker.names]
    return gold.casefold() in {n.casefold() for n in names}


def report(score: Score) -> list[str]:
    lines = []
    for name, label in (("quoted", "direct/partial/document"), ("indirect", "indirect")):
        t = score.groups[name]
        lines.append(
            f"{label:24} precision {t.precision:.3f}  recall {t.recall:.3f}  F1 {t.f1:.3f}"
            f"  (found {t.found}, gold {t.gold}, matched {t.matched})"
        )
    lines.append(
        f"{'speaker accuracy':24} {score.speaker_accuracy:.3f}"
        f"  ({score.speaker_right}/{score.speaker_total} matched statements)"
    )
    lines.append(
        f"{'date accuracy':24} {score.date_accuracy:.3f}"
        f"  ({score.date_right}/{score.date_total} matched statements with a gold date)"
    )
    lines.append(
        f"{'event accuracy':24} {score.event_accuracy:.3f}"
        f"  ({score.event_right}/{score.event_total} matched statements with an event)"
    )
    return lines
