"""Read an input document: refuse bad input with a reason, turn saved web pages into text.

Plain text must be UTF-8. A saved web page (.html/.htm, or text that starts like HTML) goes
through trafilatura, a maintained article extractor, which also gives the page's title, date,
site name and URL when the page carries them. Nothing is fetched from the network.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SUFFIXES = {".txt", ".html", ".htm"}


class BadDocument(ValueError):
    """The document cannot be ingested; the message says why."""


@dataclass
class Source:
    name: str
    raw: str  # what the archive keeps as the source text
    text: str  # what the pipeline reads (the article text of a web page)
    content_hash: str
    title: str = ""
    url: str = ""
    published: datetime.date | None = None
    site: str = ""


def max_bytes() -> int:
    return getattr(settings, "INGEST_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_size(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise BadDocument(
            f"file is {size:,} bytes, over the {limit:,}-byte limit (INGEST_MAX_BYTES)"
        )


def read_source(name: str, data: bytes) -> Source:
    """Decode and check one document; raise BadDocument with the reason."""
    check_size(len(data))
    if not data.strip():
        raise BadDocument("file is empty")
    if b"\x00" in data[:8192]:
        raise BadDocument("binary file, not text (it contains NUL bytes)")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadDocument(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "convert it to UTF-8 first"
        ) from None
    raw = raw.removeprefix("\ufeff")
    source = Source(name=name, raw=raw, text=raw, content_hash=hashlib.sha256(data).hexdigest())
    if Path(name).suffix.lower() in {".html", ".htm"} or _looks_like_html(raw):
        _from_html(source)
    if not source.text.strip():
        raise BadDocument("no article text in the document")
    return source


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html"))


def _from_html(source: Source) -> None:
    import trafilatura

    text = trafilatura.extract(source.raw, include_comments=False, include_tables=False)
    if not text:
        raise BadDocument("no article text found in the web page")
    meta = trafilatura.extract_metadata(source.raw)
    if meta is not None:
        source.title = meta.title or ""
        source.url = meta.url or ""
        source.site = meta.sitename or ""
        if meta.date:
            try:
                source.published = datetime.date.fromisoformat(meta.date[:10])
            except ValueError:
                source.published = None
    # The title first, as in a plain-text copy, so the cleaner finds the headline.
    source.text = f"{source.title}\n\n{text}" if source.title else text


def iter_documents(paths: list[Path]) -> list[Path]:
    """Files named, and the .txt/.html files inside folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            )
        else:
            found.append(path)
    return found
