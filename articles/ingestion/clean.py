"""Clean a news text copied from the web: drop boilerplate, find headline and standfirst.

The raw text is never altered; cleaning produces a new body in which paragraphs are kept
(separated by a blank line), Unicode is NFC, non-breaking and repeated spaces are single spaces.
Quote offsets index this body.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Whole lines that are site furniture, never article text. Matched case-insensitively against
# a stripped line; kept general (blog platforms, news-site footers), not tied to one source.
BOILERPLATE = [
    r"all news",
    r"latest news",
    r"post a comment",
    r"no comments:?",
    r"\d+ comments?:?",
    r"subscribe to:? .*",
    r"<<\s*home",
    r"home\s*>>",
    r"(newer|older) posts?",
    r"follow us on .*",
    r"share (this|on) .*",
    r"(read|see) (more|also)\b.{0,80}",
    r"advertisement",
    r"related (news|articles|stories):?",
    r"tags?:.*",
    r"click here .*",
    r"sign up for .*newsletter.*",
    r"posted by .{0,80}",
    r"labels?:.*",
    r"\((?:reporting|writing|additional reporting) by .*\)",
]
_BOILERPLATE_RE = re.compile("^(?:" + "|".join(BOILERPLATE) + ")$", re.IGNORECASE)

WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# A line that is only a date, as blogs print above a post: "Friday 21 January 2022".
# Also "Published: 13 January 2022 14:05 GMT" and "Updated Jan. 13, 2022, 9:30 am".
MONTHS_SHORT = "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
DATE_LINE_RE = re.compile(
    rf"^(?:(?:published|updated|posted|date)(?:\s+on)?:?\s+)?(?:(?:{WEEKDAYS}),?\s+)?"
    rf"(?:\d{{1,2}}\s+(?:{MONTHS}|{MONTHS_SHORT})\.?|(?:{MONTHS}|{MONTHS_SHORT})\.?\s+\d{{1,2}},?)"
    rf"\s+\d{{4}}(?:,?\s+(?:at\s+)?\d{{1,2}}[:.]\d{{2}}(?:\s*(?:am|pm|a\.m\.|p\.m\.))?"
    rf"(?:\s*(?:gmt|utc|msk|cet|est|edt|bst)(?:\s*[+-]\d+)?)?)?$",
    re.IGNORECASE,
)
BYLINE_RE = re.compile(r"^[Bb][Yy]\s+[A-Z][\w.'’\- ]{1,60}$")
# Wire dateline opening a paragraph: "MOSCOW, December 6./TASS/." or "MOSCOW, December 19. /TASS/."
DATELINE_RE = re.compile(
    r"^/?(?P<place>[A-Z][A-Za-z.\- ]{1,40}),\s*(?P<month>[A-Z][a-z]{2,8})\.?\s+(?P<day>\d{1,2})"
    r"(?:,\s*(?P<year>\d{4}))?\s*\.?\s*/\s*(?P<agency>[A-Za-z][\w\- ]{1,30})\s*/\s*\.?\s*"
)
# Reuters and AP style: "GENEVA, Jan 26 (Reuters) - ", "BRUSSELS (AP) — ", "BRUSSELS — ".
WIRE_DATELINE_RE = re.compile(
    r"^(?P<place>[A-Z][A-Z.\- ]{1,40}?)(?:,\s*(?P<month>[A-Z][a-z]{2,8})\.?\s+(?P<day>\d{1,2})"
    r"(?:,\s*(?P<year>\d{4}))?)?\s*(?:\((?P<agency>[A-Za-z][\w .\-]{1,30})\)\s*)?(?:--|[-—–])\s+"
)
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH_RE = re.compile(r"[\u200b\u200c\u200d\ufeff]")
_TERMINAL_RE = re.compile(r"[.!?…][\"'”’»)\]]*$")


@dataclass
class CleanDocument:
    headline: str
    standfirst: str
    body: str
    date_line: str = ""
    byline: str = ""
    removed: list[str] = field(default_factory=list)


def dateline(body: str) -> re.Match | None:
    """The wire dateline opening the body, TASS style or Reuters/AP style, if any."""
    return DATELINE_RE.match(body) or WIRE_DATELINE_RE.match(body)


def normalise_line(line: str) -> str:
    """NFC, zero-width characters dropped, every run of (non-breaking) spaces one space."""
    line = unicodedata.normalize("NFC", line)
    line = _ZERO_WIDTH_RE.sub("", line)
    return _SPACES_RE.sub(" ", line).strip()


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE_RE.match(line))


def _same_text(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _looks_like_headline(line: str) -> bool:
    # Headlines are short and do not end a sentence; a lead paragraph does.
    return len(line) <= 200 and not _TERMINAL_RE.search(line)


def clean_text(raw: str) -> CleanDocument:
    """Split a raw web copy into headline, standfirst and cleaned body."""
    lines = [
        normalise_line(line) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    removed: list[str] = []
    date_line = byline = ""
    kept: list[str] = []
    for line in lines:
        if not line:
            continue
        if is_boilerplate(line):
            removed.append(line)
        elif not date_line and DATE_LINE_RE.match(line):
            date_line = line
        elif not byline and BYLINE_RE.match(line) and len(kept) <= 2:
            byline = line
        else:
            kept.append(line)

    headline = standfirst = ""
    if kept and _looks_like_headline(kept[0]) and not DATELINE_RE.match(kept[0]):
        headline = kept.pop(0)
        # A copy that prints the headline twice (page title and article title).
        repeats = [line for line in kept if _same_text(line, headline)]
        removed.extend(repeats)
        kept = [line for line in kept if not _same_text(line, headline)]
        candidate = kept[0] if kept else ""
        stripped = candidate.rstrip("\"'”’»")
        if (
            candidate
            and len(kept) > 1
            and len(candidate) <= 400
            and not DATELINE_RE.match(candidate)
            and not _TERMINAL_RE.search(stripped)
        ):
            standfirst = kept.pop(0)
    body = "\n\n".join(kept)
    if not headline:
        headline = first_sentence(body)
    return CleanDocument(
        headline=headline,
        standfirst=standfirst,
        body=body,
        date_line=date_line,
        byline=byline,
        removed=removed,
    )


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of ``text``, cut at ``limit`` characters on a word boundary."""
    match = re.search(r"^(.+?[.!?])(?:\s|$)", text, re.DOTALL)
    sentence = (match.group(1) if match else text).split("\n")[0].strip()
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return sentence
