"""One document in, one outcome out: the step the ingest command and the admin upload share."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from articles.ingestion.knowledge import Knowledge
from articles.ingestion.pipeline import Extraction, extract
from articles.ingestion.source import BadDocument, read_source
from articles.ingestion.writer import WriteResult, write_extraction


@dataclass
class Outcome:
    name: str
    error: str = ""
    extraction: Extraction | None = None
    result: WriteResult | None = None

    @property
    def ok(self) -> bool:
        return not self.error


def ingest_bytes(
    name: str,
    data: bytes,
    knowledge: Knowledge,
    *,
    outlet: str | None = None,
    url: str = "",
    published: datetime.date | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Check, extract and (unless ``dry_run``) archive one document; never raises on bad input."""
    try:
        source = read_source(name, data)
    except BadDocument as error:
        return Outcome(name, error=str(error))
    extraction = extract(
        source.text,
        knowledge,
        file=name,
        outlet=outlet or source.site or None,
        url=url or source.url,
        published=published or source.published,
    )
    extraction.raw = source.raw
    if dry_run:
        return Outcome(name, extraction=extraction)
    result = write_extraction(
        extraction, content_hash=source.content_hash, source_file=name.rsplit("/", 1)[-1]
    )
    return Outcome(name, extraction=extraction, result=result)
