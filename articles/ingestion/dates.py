"""Dates and events: when a statement was made and at (or about) which event.

Relative expressions ("on Monday", "Thursday's call", "last week", "on Jan. 13", "on 10
January") resolve against the article's publication date. Events are matched against the
known events by date, kind words ("call", "summit"), place and name words, participants named
and, for a statement about an interaction ("promised", "talks"), the parties it names.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from articles.ingestion.knowledge import Knowledge, KnownEvent, content_words

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = r"(?P<month>Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|Sep(?:t(?:ember)?)?\.?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"  # noqa: E501
_MONTH_DAY_RE = re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?!\d)(?:,?\s+(?P<year>\d{{4}}))?")
_DAY_MONTH_RE = re.compile(rf"\b(?P<day>\d{{1,2}})\s+{_MONTH}(?:,?\s+(?P<year>\d{{4}}))?")
_WEEKDAY_RE = re.compile(
    r"\b(?P<last>last\s+)?(?P<day>{})(?:’s|'s)?\b".format("|".join(WEEKDAYS)), re.I
)
_VAGUE_RE = re.compile(r"\b(?:earlier|previously|recently|in the past|before that)\b", re.I)
_EVENT_PHRASE_RE = re.compile(
    r"\b(?i:at|during|following|after|on the sidelines of|over the course of|in the course of|"
    r"ahead of|before)\s+(?P<phrase>(?:a|an|the|this|that|[A-Z][\w’']*)\b[^,.;]{0,100})",
)
_ANAPHOR_RE = re.compile(
    r"^(?:the|this|that)\s+(?:\w+\s+){0,2}(?:meeting|talks|summit|call|conversation|"
    r"negotiations|round|session|consultations|conference)\b",
    re.I,
)
KIND_WORDS = {
    "call": {"call", "phone", "telephone", "conversation"},
    "summit": {"summit", "videoconference", "video"},
    "speech": {"ceremony", "speech", "address", "credentials"},
    "negotiation-round": {"talks", "negotiations", "round", "dialogue"},
    "meeting": {"meeting", "council", "talks", "consultations"},
    "publication": {"published", "publication", "released", "draft", "drafts"},
}
# What a counterpart did at a meeting ("the Americans promised us"): such a statement is about
# the latest meeting with exactly those parties. Nouns like "talks" alone are too loose.
# The same words as content_words() returns them ("talks" -> "talk"), to compare like with like.
_KIND_CONTENT_WORDS = {kind: content_words(" ".join(cue)) for kind, cue in KIND_WORDS.items()}
INTERACTION_WORDS = {
    "promised", "volunteered", "agreed", "offered", "refused", "rejected", "pledged", "vowed",
    "assured", "handed", "conceded",
}  # fmt: skip


@dataclass
class TimeCue:
    date: datetime.date | None = None
    earliest: datetime.date | None = None  # a range ("last week") when no single day is known
    latest: datetime.date | None = None
    vague: bool = False  # "earlier": some day before, not known
    by_weekday: bool = False


_MONTH_NAMES = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
]  # fmt: skip


def month_number(token: str) -> int | None:
    """1-12 for a month name or its usual abbreviation ("Jan.", "Sept"); None otherwise."""
    word = token.rstrip(".").lower()
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if word == name or word == name[:3] or (number == 9 and word == "sept"):
            return number
    return None


def _resolve_day(month: int, day: int, year: int | None, pub: datetime.date | None):
    if year:
        try:
            return datetime.date(year, month, day)
        except ValueError:
            return None
    if pub is None:
        return None
    for candidate_year in (pub.year, pub.year - 1, pub.year + 1):
        try:
            candidate = datetime.date(candidate_year, month, day)
        except ValueError:
            continue
        if -60 <= (candidate - pub).days <= 300 and abs((candidate - pub).days) < 183:
            return candidate
    return None


def explicit_dates(text: str, pub: datetime.date | None) -> list[tuple[int, datetime.date]]:
    """Calendar dates written in ``text`` with their offsets; the year from ``pub`` if absent."""
    found = []
    for rx in (_MONTH_DAY_RE, _DAY_MONTH_RE):
        for m in rx.finditer(text):
            year = int(m.group("year")) if m.group("year") else None
            month = month_number(m.group("month"))
            day = _resolve_day(month, int(m.group("day")), year, pub) if month else None
            if day:
                found.append((m.start(), day))
    return sorted(found)


def weekday_before(pub: datetime.date, weekday: int, strictly: bool = False) -> datetime.date:
    back = (pub.weekday() - weekday) % 7
    if back == 0 and strictly:
        back = 7
    return pub - datetime.timedelta(days=back)


def time_cue(text: str, pub: datetime.date | None) -> TimeCue | None:
    """The time an attribution region gives, resolved against the publication date."""
    if re.search(r"\blast week\b", text, re.I) and pub:
        monday = pub - datetime.timedelta(days=pub.weekday())
        return TimeCue(
            earliest=monday - datetime.timedelta(days=7), latest=monday - datetime.timedelta(1)
        )
    if re.search(r"\bthis week\b", text, re.I) and pub:
        return TimeCue(earliest=pub - datetime.timedelta(days=pub.weekday()), latest=pub)
    dates = explicit_dates(text, pub)
    if dates:
        return TimeCue(date=dates[0][1])
    weekday = _WEEKDAY_RE.search(text)
    if weekday and pub:
        day = WEEKDAYS.index(weekday.group("day").lower())
        return TimeCue(
            date=weekday_before(pub, day, strictly=bool(weekday.group("last"))), by_weekday=True
        )
    if re.search(r"\byesterday\b", text, re.I) and pub:
        return TimeCue(date=pub - datetime.timedelta(days=1))
    if re.search(r"\btoday\b", text, re.I) and pub:
        return TimeCue(date=pub)
    if _VAGUE_RE.search(text):
        return TimeCue(vague=True)
    return None


@dataclass
class EventMatcher:
    knowledge: Knowledge
    pub: datetime.date | None

    def kinds_in(self, words: set[str]) -> set[str]:
        """Event kinds the content words suggest ("talks" -> negotiation round or meeting)."""
        return {kind for kind, cue in _KIND_CONTENT_WORDS.items() if words & cue}

    def at(self, phrase: str, cue: TimeCue | None, last_event: str | None) -> KnownEvent | None:
        """The event a phrase such as "a ceremony of receiving credentials" or "the talks" names."""
        anaphor = _ANAPHOR_RE.match(phrase.strip()) and len(phrase.split()) <= 4
        if anaphor and last_event:
            return self.knowledge.events_by_slug.get(last_event)
        if anaphor and self.pub:
            # "after the talks" in a story of the day: the one such event of that day or the eve.
            kinds = self.kinds_in(content_words(phrase))
            day_before = self.pub - datetime.timedelta(days=1)
            found = [
                e
                for e in self.knowledge.events
                if e.kind in kinds and e.start_date <= self.pub and e.last_date >= day_before
            ]
            if len(found) == 1:
                return found[0]
        words = content_words(phrase)
        kinds = self.kinds_in(words)
        best, best_score = None, 0
        for event in self._window(cue):
            overlap = len(words & event.words)
            on_day = bool(cue and cue.date and event.start_date <= cue.date <= event.last_date)
            if overlap < 2 and not on_day:
                continue  # one shared word ("talks") is not enough to name an event
            score = overlap + (2 if event.kind in kinds else 0) + (2 if on_day else 0)
            if score > best_score:
                best, best_score = event, score
        return best if best_score >= 3 else None

    def on_day(self, day: datetime.date, words: set[str] | None = None) -> KnownEvent | None:
        """The one event held on ``day`` (kind words break a tie)."""
        found = [e for e in self.knowledge.events if e.start_date <= day <= e.last_date]
        if len(found) > 1 and words:
            kinds = self.kinds_in(words)
            found = [e for e in found if e.kind in kinds or words & e.words] or found
        return found[0] if len(found) == 1 else None

    def about(
        self,
        text: str,
        said_on: datetime.date | None,
        speaker_party: str | None,
        participants: set[str],
    ) -> KnownEvent | None:
        """The event a statement is about, from what its own words name."""
        for _, day in explicit_dates(text, said_on or self.pub):
            event = self.on_day(day)
            if event:
                return event
        anchor = said_on or self.pub
        if anchor is None:
            return None
        near = [e for e in self.knowledge.events if abs((e.start_date - anchor).days) <= 14]
        this = re.search(r"\bthis\s+(summit|meeting|call|round|session)\b", text, re.I)
        if this:
            kind = {"round": "negotiation-round", "session": "meeting"}.get(
                this.group(1).lower(), this.group(1).lower()
            )
            found = sorted(
                (e for e in near if e.kind == kind),
                key=lambda e: abs((e.start_date - anchor).days),
            )
            if found:
                return found[0]
        named = [e for e in near if len(participants & set(e.participants)) >= 2]
        if len(named) == 1:
            return named[0]
        words = content_words(text)
        if not words & INTERACTION_WORDS:
            return None
        parties = {self.knowledge.party_index[m.group()] for m in self._parties(text)}
        parties |= {p for p in self._speaker_parties(participants)}
        parties.discard(speaker_party)
        if not parties:
            return None
        before = [e for e in near if e.last_date <= anchor]
        found = [e for e in before if set(e.parties) - {speaker_party} == parties]
        # The latest encounter with exactly those parties is the one "they promised" at.
        return max(found, key=lambda e: e.last_date) if found else None

    def _parties(self, text: str):
        rx = self.knowledge.party_re
        return rx.finditer(text) if rx else []

    def _speaker_parties(self, slugs: set[str]) -> set[str]:
        return {
            self.knowledge.by_slug[s].party
            for s in slugs
            if s in self.knowledge.by_slug and self.knowledge.by_slug[s].party
        }

    def _window(self, cue: TimeCue | None) -> list[KnownEvent]:
        if cue and cue.earliest and cue.latest:
            lo, hi = cue.earliest, cue.latest
        elif cue and cue.date:
            lo = hi = cue.date
        elif self.pub:
            lo, hi = self.pub - datetime.timedelta(days=31), self.pub
        else:
            return list(self.knowledge.events)
        return [e for e in self.knowledge.events if e.start_date <= hi and e.last_date >= lo]


@dataclass
class ProposedEvent:
    name: str
    kind: str
    date: datetime.date
    place: str = ""


_PROPOSABLE_RE = re.compile(
    r"^(?:a|an|the)\s+(?P<head>(?:[\w’'\-]+\s+){0,2}?(?P<kind>meeting|talks|summit|negotiations|"
    r"consultations|phone call|call|conversation|conference|session))\b(?P<rest>[^,.;]*)",
    re.I,
)
_PROPOSED_KINDS = {
    "meeting": "meeting", "talks": "negotiation-round", "negotiations": "negotiation-round",
    "consultations": "meeting", "summit": "summit", "call": "call", "phone call": "call",
    "conversation": "call", "conference": "meeting", "session": "meeting",
}  # fmt: skip


def propose_event(region: str, day: datetime.date) -> ProposedEvent | None:
    """An unknown meeting the words were said at ("at a meeting with ... in Beijing")."""
    for phrase in event_phrases(region):
        found = _PROPOSABLE_RE.match(phrase.strip())
        if not found or re.search(r"\b(?:news|press)\s+conference\b", phrase, re.I):
            continue
        rest = re.split(r"\s+(?:on|last|this|yesterday|today)\b", found.group("rest"))[0]
        name = (found.group("head") + rest).strip()
        place = re.search(r"\bin\s+([A-Z][\w\-]+(?:\s+[A-Z][\w\-]+)?)", rest)
        kind = _PROPOSED_KINDS[found.group("kind").lower()]
        return ProposedEvent(
            name[:1].upper() + name[1:], kind, day, place.group(1) if place else ""
        )
    return None


def event_phrases(text: str) -> list[str]:
    """Every phrase after an event preposition, nested ones too ("... following the talks")."""
    phrases, pos = [], 0
    while (m := _EVENT_PHRASE_RE.search(text, pos)) is not None:
        phrases.append(m.group("phrase"))
        pos = m.start("phrase")
    return phrases
