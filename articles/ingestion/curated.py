"""Build the archive's Django fixture from the source documents and the curated TOML file.

The statements come from the ingestion pipeline run on each document, corrected by the few
operations curated.toml keeps (articles/ingestion/corrections.py); outlets, parties, speakers,
events and article metadata come from curated.toml itself.

Deterministic by construction: primary keys follow the order of the curated file (statements in
body order within each article), every list is emitted in a fixed order, and the JSON is written
with sorted keys, so two builds are byte-identical and a test can compare the committed fixture
with a fresh build.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import tomllib
from pathlib import Path

from django.utils.text import slugify

from articles.ingestion.clean import DATELINE_RE, clean_text
from articles.ingestion.corrections import CorrectionError, curated_statements
from articles.ingestion.knowledge import knowledge_from_curated

QUOTE_KINDS = {"direct", "partial", "indirect", "document"}
DATE_BASES = {"stated", "year-inferred", "content-inferred", "unknown"}


class CurationError(ValueError):
    """The curated file and the documents disagree; the message says where."""


def _date(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise CurationError(f"expected a TOML date (YYYY-MM-DD without quotes), got {value!r}")


def _lookup(table: dict[str, int], slug: str | None, what: str, where: str) -> int | None:
    if slug is None:
        return None
    try:
        return table[slug]
    except KeyError:
        raise CurationError(f"{where}: unknown {what} {slug!r}") from None


def article_slug(headline: str, taken: set[str]) -> str:
    base = slugify(headline)[:80].rstrip("-") or "article"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def build_fixture(curated_path: Path, documents_dir: Path) -> list[dict]:
    """Return the fixture objects (Django's serialisation format) for the curated archive."""
    data = tomllib.loads(curated_path.read_text(encoding="utf-8"))
    knowledge = knowledge_from_curated(data)
    objects: list[dict] = []

    def emit(model: str, pk: int, fields: dict) -> None:
        objects.append({"model": f"articles.{model}", "pk": pk, "fields": fields})

    outlets: dict[str, int] = {}
    for pk, outlet in enumerate(data.get("outlet", []), start=1):
        outlets[outlet["slug"]] = pk
        emit(
            "outlet",
            pk,
            {
                "name": outlet["name"],
                "slug": outlet["slug"],
                "url": outlet.get("url", ""),
                "country": outlet.get("country", ""),
            },
        )

    parties: dict[str, int] = {}
    for pk, party in enumerate(data.get("party", []), start=1):
        parties[party["slug"]] = pk
        emit(
            "party",
            pk,
            {
                "name": party["name"],
                "short_name": party.get("short_name", ""),
                "slug": party["slug"],
                "kind": party["kind"],
            },
        )

    speakers: dict[str, int] = {}
    alias_pk = 0
    for pk, speaker in enumerate(data.get("speaker", []), start=1):
        where = f"speaker {speaker['slug']}"
        speakers[speaker["slug"]] = pk
        emit(
            "speaker",
            pk,
            {
                "name": speaker["name"],
                "slug": speaker["slug"],
                "kind": speaker.get("kind", "person"),
                "role": speaker.get("role", ""),
                "organisation": speaker.get("organisation", ""),
                "party": _lookup(parties, speaker.get("party"), "party", where),
                "description": speaker.get("description", ""),
                "review_status": "reviewed",
            },
        )
    for speaker in data.get("speaker", []):
        for alias in speaker.get("aliases", []):
            alias_pk += 1
            emit("speakeralias", alias_pk, {"speaker": speakers[speaker["slug"]], "name": alias})

    events: dict[str, int] = {}
    for pk, event in enumerate(data.get("event", []), start=1):
        where = f"event {event['slug']}"
        events[event["slug"]] = pk
        emit(
            "event",
            pk,
            {
                "name": event["name"],
                "slug": event["slug"],
                "kind": event["kind"],
                "format": event["format"],
                "start_date": _date(event["start_date"]),
                "end_date": _date(event.get("end_date")),
                "place": event.get("place", ""),
                "description": event.get("description", ""),
                "parties": [_lookup(parties, s, "party", where) for s in event.get("parties", [])],
                "participants": [
                    _lookup(speakers, s, "speaker", where) for s in event.get("participants", [])
                ],
                "review_status": "reviewed",
            },
        )

    slugs: set[str] = set()
    quote_pk = 0
    for pk, article in enumerate(data.get("article", []), start=1):
        where = f"article {article['file']}"
        path = documents_dir / article["file"]
        if not path.is_file():
            raise CurationError(f"{where}: document not found at {path}")
        raw_bytes = path.read_bytes()
        raw = raw_bytes.decode("utf-8")
        doc = clean_text(raw)
        headline = article.get("headline", doc.headline)
        date_basis = article.get("date_basis", "unknown")
        if date_basis not in DATE_BASES:
            raise CurationError(f"{where}: date_basis must be one of {sorted(DATE_BASES)}")
        dateline = DATELINE_RE.match(doc.body)
        emit(
            "article",
            pk,
            {
                "outlet": _lookup(outlets, article.get("outlet"), "outlet", where),
                "headline": headline,
                "slug": article.get("slug") or article_slug(headline, slugs),
                "standfirst": article.get("standfirst", doc.standfirst),
                "dateline_place": article.get(
                    "dateline_place", dateline.group("place").title() if dateline else ""
                ),
                "published": _date(article.get("published")),
                "date_basis": date_basis,
                "date_note": article.get("date_note", ""),
                "body": doc.body,
                "raw_text": raw,
                "source_file": article["file"],
                "source_url": article.get("url", ""),
                "content_hash": hashlib.sha256(raw_bytes).hexdigest(),
                "events": [_lookup(events, s, "event", where) for s in article.get("events", [])],
                "review_status": "reviewed",
            },
        )
        try:
            _, statements = curated_statements(raw, knowledge, article, where)
        except CorrectionError as error:
            raise CurationError(str(error)) from None
        for quote in statements:
            quote_pk += 1
            qwhere = f"{where}, quote {quote['text'][:60]!r}"
            if quote["kind"] not in QUOTE_KINDS:
                raise CurationError(f"{qwhere}: kind must be one of {sorted(QUOTE_KINDS)}")
            if not quote["speaker"] or quote["speaker"].startswith("new:"):
                raise CurationError(
                    f"{qwhere}: speaker {quote['speaker']!r} is not a curated speaker; add a "
                    "[[speaker]] or a correction"
                )
            emit(
                "quote",
                quote_pk,
                {
                    "text": quote["text"],
                    "speaker": _lookup(speakers, quote["speaker"], "speaker", qwhere),
                    "article": pk,
                    "kind": quote["kind"],
                    "start": quote["start"],
                    "end": quote["end"],
                    "said_on": _date(quote["date"]),
                    "event": _lookup(events, quote["event"], "event", qwhere),
                    "medium": quote["medium"] or "",
                    "relayed_by": _lookup(outlets, quote["relayed_by"], "outlet", qwhere),
                    "same_as": None,
                    "note": quote["note"],
                    "review_status": "reviewed",
                },
            )
    return objects


def dump_fixture(objects: list[dict]) -> str:
    """The fixture as stable, human-diffable JSON text."""
    return json.dumps(objects, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
