"""Run the pipeline on a curated document and apply the editor's corrections to its output.

curated.toml keeps, per article, only what the pipeline gets wrong, as explicit operations:

    [[article.correction]]          # drop a statement the pipeline found
    drop = "the results of recent talks"
    why = "..."

    [[article.correction]]          # change a statement (found by a unique piece of its text)
    match = "NATO to begin substantive talks"
    text = "called on NATO to begin substantive talks on ..."    # any of: text, speaker, kind,
    medium = "..."                                                # date, event, medium, relayed_by
    why = "..."

    [[article.correction]]          # add a statement the pipeline missed
    add = "At the same time, we welcomed ..."
    speaker = "alexander-grushko"
    kind = "direct"
    why = "..."

and editorial notes, which are not corrections: ``[[article.note]] match = "...", note = "..."``.
An operation that matches no statement, or several, is an error, so a stale correction is
noticed as soon as the pipeline improves.
"""

from __future__ import annotations

import datetime

from articles.ingestion.knowledge import Knowledge
from articles.ingestion.locate import QuoteNotFound, fold, locate
from articles.ingestion.pipeline import Extraction, extract

FIELDS = ("speaker", "kind", "date", "event", "medium", "relayed_by")
NONE = "none"  # TOML has no null: `date = "none"` removes a date


class CorrectionError(ValueError):
    """A correction does not fit the pipeline's output; the message says which."""


def pipeline_statements(extraction: Extraction) -> list[dict]:
    """The pipeline's statements as plain records (speaker and event as slugs)."""
    out = []
    for st in extraction.statements:
        who = st.who
        speaker = who.slug if who and who.slug else None
        if who and who.new:
            speaker = f"new:{who.new.name}"
        out.append(
            {
                "text": extraction.body[st.start : st.end],
                "start": st.start,
                "end": st.end,
                "speaker": speaker,
                "kind": st.kind,
                "date": st.date,
                "event": st.event,
                "medium": st.medium,
                "relayed_by": st.relayed_by,
                "note": "",
            }
        )
    return out


def _find(records: list[dict], piece: str, kind: str | None, where: str) -> dict:
    want = fold(piece)[0]
    hits = [
        r for r in records if want in fold(r["text"])[0] and (kind is None or r["kind"] == kind)
    ]
    if len(hits) != 1:
        found = "no statement" if not hits else f"{len(hits)} statements"
        raise CorrectionError(f"{where}: {found} of the pipeline's contain {piece!r}")
    return hits[0]


def _value(name: str, value):
    if value == NONE:
        return None
    if name == "date" and value is not None and not isinstance(value, datetime.date):
        raise CorrectionError(f"date must be a TOML date (YYYY-MM-DD), got {value!r}")
    return value


def apply_corrections(body: str, records: list[dict], article: dict, where: str) -> list[dict]:
    """The statements once the article's corrections and notes are applied, in body order."""
    records = [dict(r) for r in records]
    for number, fix in enumerate(article.get("correction", []), start=1):
        at = f"{where}, correction {number}"
        if "drop" in fix:
            records.remove(_find(records, fix["drop"], fix.get("kind"), at))
        elif "match" in fix:
            record = _find(records, fix["match"], fix.get("was_kind"), at)
            if "text" in fix:
                try:
                    record["start"], record["end"] = locate(
                        body, fix["text"], fix.get("occurrence")
                    )
                except QuoteNotFound as error:
                    raise CorrectionError(f"{at}: {error}") from None
                record["text"] = body[record["start"] : record["end"]]
            for name in FIELDS:
                if name in fix:
                    record[name] = _value(name, fix[name])
        elif "add" in fix:
            try:
                start, end = locate(body, fix["add"], fix.get("occurrence"))
            except QuoteNotFound as error:
                raise CorrectionError(f"{at}: {error}") from None
            record = {"text": body[start:end], "start": start, "end": end, "note": ""}
            record.update({name: _value(name, fix.get(name)) for name in FIELDS})
            record["medium"] = record["medium"] or ""
            records.append(record)
        else:
            raise CorrectionError(f"{at}: give one of drop, match or add")
    for note in article.get("note", []):
        _find(records, note["match"], note.get("kind"), f"{where}, note")["note"] = note["note"]
    return sorted(records, key=lambda r: (r["start"], r["end"], r["kind"]))


def curated_statements(
    raw: str, knowledge: Knowledge, article: dict, where: str
) -> tuple[Extraction, list[dict]]:
    """Run the pipeline on one curated document (its curated date given) and correct it."""
    extraction = extract(raw, knowledge, file=article["file"], published=article.get("published"))
    records = pipeline_statements(extraction)
    return extraction, apply_corrections(extraction.body, records, article, where)


def count_corrections(data: dict) -> int:
    return sum(len(a.get("correction", [])) for a in data.get("article", []))
