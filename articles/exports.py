"""Bulk exports and citations of quotes: CSV, BibTeX and a plain-text reference.

The CSV columns are a published interface (documented on the search help page): add new
columns at the end, never rename or reorder them.
"""

from __future__ import annotations

import csv
import datetime
import itertools
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


# What a CSV row is made of besides its id and permalink (quote_csv_row), read as plain values,
# not model instances: six per row with their relations took 510-580 ms in-process for 10,000
# rows at 1M quotes, about half of the export's time.
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
    """A named row of ``pk`` and _SOURCES for each quote, in the queryset's order, in chunks."""
    return queryset.values_list("pk", *_SOURCES, named=True).iterator(chunk_size=CHUNK_SIZE)


def quote_csv_row(row, permalink: str) -> list[str]:
    """One CSV row from ``export_rows``, in CSV_COLUMNS order; empty strings for unknown values."""
    return [
        str(row.pk),
        permalink,
        row.text,
        row.kind,
        _iso(row.said_on),
        row.speaker__name,
        row.speaker__slug,
        # What str(party) gives (Party.__str__), or nothing for a speaker of no party.
        row.speaker__party__short_name or row.speaker__party__name or "",
        row.event__name or "",
        _iso(row.event__start_date),
        row.event__format or "",
        row.article__outlet__name or "",
        row.article__headline,
        row.article__source_url,
        _iso(row.article__published),
    ]


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer to stream."""

    def write(self, value):
        return value


def iter_quotes_csv(rows: Iterable, permalink: Callable[[int], str]) -> Iterator[str]:
    """The CSV text of ``export_rows``, a header line first, in blocks as it is produced."""
    writer = csv.writer(_Echo())
    header = [writer.writerow(CSV_COLUMNS)]
    lines = (writer.writerow(quote_csv_row(row, permalink(row.pk))) for row in rows)
    return in_blocks(itertools.chain(header, lines))


def in_blocks(texts: Iterable[str]) -> Iterator[str]:
    """``texts`` joined into blocks of at least BLOCK_CHARS characters (the last one may be
    shorter), each made of whole texts: lines of a CSV, entries of a BibTeX file."""
    block, size = [], 0
    for text in texts:
        block.append(text)
        size += len(text)
        if size >= BLOCK_CHARS:
            yield "".join(block)
            block, size = [], 0
    if block:
        yield "".join(block)


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


def iter_quotes_bibtex(
    quotes: Iterable, permalink: Callable[[int], str], accessed: datetime.date
) -> Iterator[str]:
    """The entries, in blocks of whole entries, as they are produced."""
    return in_blocks(
        quote_bibtex(quote, permalink=permalink(quote.pk), accessed=accessed) + "\n"
        for quote in quotes
    )


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
