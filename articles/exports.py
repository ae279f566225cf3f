"""Bulk exports and citations of quotes: CSV, BibTeX and a plain-text reference.

The CSV columns are a published interface (documented on the search help page): add new
columns at the end, never rename or reorder them.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterable, Iterator

from django.utils.dateformat import format as date_format

CSV_COLUMNS = (
    "id",
    "permalink",
    "text",
    "kind",
    "date",
    "speaker",
    "speaker_slug",
    "party",
    "event",
    "event_date",
    "format",
    "outlet",
    "article_headline",
    "article_url",
    "article_published",
)

# Rows fetched per database round trip while streaming; memory stays flat on any result size.
CHUNK_SIZE = 2000


def _iso(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


# Where each column after id and permalink comes from, in CSV_COLUMNS order: the rows are read
# as plain values, not model instances (six per row with their relations). 10,000 rows at 1M
# quotes took 510-580 ms in-process as instances; see export_rows.
_SOURCES = (
    "text",
    "kind",
    "said_on",
    "speaker__name",
    "speaker__slug",
    "speaker__party__short_name",
    "speaker__party__name",
    "event__name",
    "event__start_date",
    "event__format",
    "article__outlet__name",
    "article__headline",
    "article__source_url",
    "article__published",
)

# Lines are sent in blocks of about this many characters: one per row made a write to the
# socket, and a trip through the response's encoding, for each of 10,000 rows.
BLOCK_CHARS = 64 * 1024


def export_rows(queryset) -> Iterator[tuple]:
    """(pk, *_SOURCES) for each quote, in the queryset's order, fetched in chunks."""
    return queryset.values_list("pk", *_SOURCES).iterator(chunk_size=CHUNK_SIZE)


def quote_csv_row(row: tuple, permalink: str) -> list[str]:
    """One CSV row from ``export_rows``, in CSV_COLUMNS order; empty strings for unknown values."""
    (
        pk,
        text,
        kind,
        said_on,
        speaker,
        speaker_slug,
        party_short,
        party_name,
        event,
        event_date,
        event_format,
        outlet,
        headline,
        url,
        published,
    ) = row
    return [
        str(pk),
        permalink,
        text,
        kind,
        _iso(said_on),
        speaker,
        speaker_slug,
        party_short or party_name or "",  # str(party)
        event or "",
        _iso(event_date),
        event_format or "",
        outlet or "",
        headline,
        url,
        _iso(published),
    ]


def iter_quotes_csv(rows: Iterable[tuple], permalink: Callable[[int], str]) -> Iterator[str]:
    """The CSV text of ``export_rows``, a header line first, in blocks as it is produced."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(quote_csv_row(row, permalink(row[0])))
        if buffer.tell() >= BLOCK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_queryset(queryset):
    """The quotes with everything a BibTeX entry shows, fetched in chunks (no per-row queries)."""
    return queryset.for_export().iterator(chunk_size=CHUNK_SIZE)


# BibTeX's special characters, each with the form that prints it literally.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_BIBTEX_SPECIAL = re.compile(r"[\\{}$&%#_^~]")


def bibtex_escape(text: str) -> str:
    """``text`` safe inside a braced BibTeX field: specials escaped, white space collapsed."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], " ".join(text.split()))


def bibtex_key(quote) -> str:
    """A key that never changes for a quote: it rests on the quote's id alone."""
    return f"parley-quote-{quote.pk}"


def long_date(value: datetime.date | None) -> str:
    return date_format(value, "j F Y") if value else ""


def quote_bibtex(quote, *, permalink: str, accessed: datetime.date) -> str:
    """A ``@misc`` entry (biblatex fields, readable by BibTeX) for one quote."""
    speaker, article = quote.speaker, quote.article
    # Double braces keep institutions and documents from being parsed as "First Last".
    author = bibtex_escape(speaker.name)
    author = f"{{{author}}}" if speaker.kind != speaker.Kind.PERSON else author
    where = [f"“{article.headline}”"]
    if article.outlet:
        where.append(article.outlet.name)
    if article.published:
        where.append(long_date(article.published))
    fields = [
        ("author", author),
        ("title", f"{{{bibtex_escape(quote.text)}}}"),
        ("howpublished", bibtex_escape(article.outlet.name) if article.outlet else ""),
        ("date", _iso(quote.said_on)),
        ("year", str(quote.said_on.year) if quote.said_on else ""),
        ("note", bibtex_escape("Quoted in " + ", ".join(where))),
        ("url", permalink),
        ("urldate", accessed.isoformat()),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{bibtex_key(quote)},\n{body}\n}}\n"


def iter_quotes_bibtex(quotes: Iterable, permalink: Callable, accessed: datetime.date):
    """The entries, in blocks of whole entries (BLOCK_CHARS), as they are produced."""
    block, size = [], 0
    for quote in quotes:
        entry = quote_bibtex(quote, permalink=permalink(quote), accessed=accessed) + "\n"
        block.append(entry)
        size += len(entry)
        if size >= BLOCK_CHARS:
            yield "".join(block)
            block, size = [], 0
    if block:
        yield "".join(block)


def quote_citation(quote, *, permalink: str, accessed: datetime.date) -> str:
    """A plain-text reference: speaker, date, headline, outlet, permalink, date accessed."""
    article = quote.article
    said = f"statement of {long_date(quote.said_on)}" if quote.said_on else "undated statement"
    source = f"“{article.headline}”"
    if article.outlet:
        source += f", {article.outlet.name}"
    if article.published:
        source += f", {long_date(article.published)}"
    return (
        f"{quote.speaker.name}, {said}. Quoted in {source}. "
        f"Parley archive, {permalink} (accessed {long_date(accessed)})."
    )
