"""Article metadata: outlet, dateline place and the publication date with its basis.

The basis says how sure the date is: ``stated`` (a full date printed with the copy),
``year-inferred`` (a dateline without a year; the year chosen so the weekdays the text names
and the known events it mentions agree), ``content-inferred`` (no date printed: the latest day
the copy reports as past), or ``unknown``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from articles.ingestion import dates
from articles.ingestion.clean import CleanDocument
from articles.ingestion.clean import dateline as find_dateline
from articles.ingestion.knowledge import Knowledge

_STATED_RE = re.compile(
    rf"(?:(?P<d1>\d{{1,2}})\s+{dates._MONTH}|{dates._MONTH.replace('month', 'month2')}\s+"
    rf"(?P<d2>\d{{1,2}}),?)\s+(?P<year>\d{{4}})"
)
_BYLINE_RE = re.compile(r"^By\s+(?P<name>.+)$", re.I)
_TELLS_RE = re.compile(r"\btells?\s+(?P<outlet>[A-Z][\w\- ]{1,30}?)\s*$")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
_FUTURE_RE = re.compile(r"\b(?:will|would|set for|scheduled|due to|is to|are to|plans? to)\b")


@dataclass
class Metadata:
    outlet: str | None = None  # outlet slug
    dateline_place: str = ""
    published: datetime.date | None = None
    date_basis: str = "unknown"
    date_note: str = ""


def detect_outlet(doc: CleanDocument, knowledge: Knowledge) -> str | None:
    """The publishing outlet: dateline agency, byline, or an exclusive named in the headline.

    A known outlet's slug; an agency the archive does not know yet as "new:<name>".
    """
    dateline = find_dateline(doc.body)
    if dateline and dateline.group("agency"):
        agency = dateline.group("agency").strip()
        return knowledge.outlet_for_name(agency) or f"new:{agency}"
    byline = _BYLINE_RE.match(doc.byline or "")
    if byline:
        slug = knowledge.outlet_for_name(byline.group("name"))
        if slug:
            return slug
    # "..., Russian diplomat tells RT": an outlet's own interview, republished.
    tells = _TELLS_RE.search(doc.headline)
    if tells:
        return knowledge.outlet_for_name(tells.group("outlet"))
    return None


def detect_date(doc: CleanDocument, knowledge: Knowledge) -> Metadata:
    meta = Metadata()
    dateline = find_dateline(doc.body)
    if dateline:
        meta.dateline_place = dateline.group("place").title()
    stated = _STATED_RE.search(doc.date_line or "")
    if stated:
        day = int(stated.group("d1") or stated.group("d2"))
        month = dates.month_number(stated.group("month") or stated.group("month2"))
        meta.published = _date(int(stated.group("year")), month, day)
        if meta.published:
            meta.date_basis = "stated"
            meta.date_note = f"Date printed with the copy: “{doc.date_line}”."
            return meta
    month = None
    if dateline and dateline.group("month"):
        month = dates.month_number(dateline.group("month"))
    if month:
        day = int(dateline.group("day"))
        if dateline.group("year"):
            meta.published = _date(int(dateline.group("year")), month, day)
            meta.date_basis = "stated" if meta.published else "unknown"
            return meta
        year, why = _infer_year(doc.body, month, day, knowledge)
        if year:
            meta.published = datetime.date(year, month, day)
            meta.date_basis = "year-inferred"
            meta.date_note = f"Dateline without a year; {why}."
        return meta
    return _from_content(doc, knowledge, meta)


def _date(year: int, month: int | None, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day) if month else None
    except ValueError:
        return None


def _infer_year(body: str, month: int, day: int, knowledge: Knowledge) -> tuple[int | None, str]:
    """The year in which the dateline's day fits the weekdays and events the text names."""
    years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", body)}
    years |= {e.start_date.year for e in knowledge.events}
    years |= {y + 1 for y in years} | {y - 1 for y in years}
    weekday = re.search(r"\bon ({})\b".format("|".join(dates.WEEKDAYS)), body, re.I)
    scored = []
    for year in sorted(years):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            continue
        score = 0
        if weekday and candidate.weekday() == dates.WEEKDAYS.index(weekday.group(1).lower()):
            score += 2
        near = sum(1 for e in knowledge.events if abs((e.start_date - candidate).days) <= 21)
        scored.append((score + near, -abs(year - datetime.date.today().year), year, near))
    if not scored or max(scored)[0] == 0:
        return None, ""
    _, _, best, near = max(scored)
    reasons = []
    if weekday:
        reasons.append(f"“on {weekday.group(1)}” fits {best}")
    if near:
        reasons.append(f"{near} known events of the time agree")
    return best, " and ".join(reasons)


def _from_content(doc: CleanDocument, knowledge: Knowledge, meta: Metadata) -> Metadata:
    """The latest day the copy reports as past, from explicit dates and known events."""
    candidates: list[tuple[datetime.date, str, bool]] = []
    for sentence in _SENTENCE_RE.split(doc.body):
        if _FUTURE_RE.search(sentence):
            continue
        for _, day in dates.explicit_dates(sentence, None):
            candidates.append((day, "a date with its year", False))
        for match in dates._MONTH_DAY_RE.finditer(sentence):
            month, number = dates.month_number(match.group("month")), int(match.group("day"))
            for event in knowledge.events:
                if (event.start_date.month, event.start_date.day) == (month, number):
                    candidates.append((event.start_date, f"{event.name} on that day", False))
    matcher = dates.EventMatcher(knowledge, None)
    for sentence in _SENTENCE_RE.split(doc.body):
        names = (
            {m.group() for m in knowledge.name_re.finditer(sentence)}
            if knowledge.name_re
            else set()
        )
        people = {knowledge.speaker_for_name(n).slug for n in names}
        words = dates.content_words(sentence)
        kinds = matcher.kinds_in(words)
        for event in knowledge.events:
            if len(people & set(event.participants)) >= 2 and event.kind in kinds:
                weekday = dates.WEEKDAYS[event.start_date.weekday()]
                by_weekday = re.search(rf"\b{weekday}\b", doc.body, re.I) is not None
                candidates.append((event.last_date, event.name, by_weekday))
    if not candidates:
        return meta
    day, why, by_weekday = max(candidates)
    # A day the copy names by its weekday ("Thursday's call") is already past when it is written.
    meta.published = day + datetime.timedelta(days=1 if by_weekday else 0)
    meta.date_basis = "content-inferred"
    meta.date_note = f"No date printed; latest day reported: {day.isoformat()} ({why})."
    return meta
