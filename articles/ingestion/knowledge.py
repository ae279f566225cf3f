"""What the pipeline already knows: speakers, their other names, events, outlets and parties.

Extraction never touches the database; it reads a ``Knowledge`` built either from the curated
TOML file (the fixture build, the scorer) or from the database (the ingest command, the admin).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

# Words naming a party other than its own name: demonyms, capitals standing for governments.
# Small on purpose; a party not listed here is still found by its name and short name.
PARTY_WORDS = {
    "russia": ["Russia", "Russian", "Russians", "Moscow", "Kremlin", "Russian Federation"],
    "united-states": [
        "United States", "US", "U.S.", "USA", "America", "American", "Americans", "Washington",
        "White House",
    ],
    "nato": ["NATO", "North Atlantic Alliance", "North Atlantic Treaty Organization", "alliance"],
    "osce": ["OSCE", "Organization for Security and Cooperation in Europe"],
    "eu": ["EU", "European Union"],
    "ukraine": ["Ukraine", "Ukrainian", "Ukrainians", "Kyiv", "Kiev"],
    "china": ["China", "Chinese", "Beijing"],
    "united-kingdom": ["United Kingdom", "UK", "U.K.", "Britain", "British", "London"],
}  # fmt: skip

STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "and",
        "or",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "this",
        "that",
        "its",
        "his",
        "her",
        "their",
        "our",
        "we",
        "i",
        "he",
        "she",
        "it",
        "they",
        "s",
    ]
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*")


def content_words(text: str) -> set[str]:
    """Lower-cased words of ``text`` without function words, for overlap scores."""
    words = set()
    for word in _WORD_RE.findall(text):
        word = word.lower().strip("'").removesuffix("'s")
        if word and word not in STOP:
            words.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return words


@dataclass
class KnownSpeaker:
    slug: str
    name: str
    kind: str = "person"
    role: str = ""
    party: str | None = None
    aliases: list[str] = field(default_factory=list)
    organisation: str = ""

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]

    @property
    def role_words(self) -> set[str]:
        return content_words(f"{self.role} {self.organisation}")


@dataclass
class KnownEvent:
    slug: str
    name: str
    kind: str
    format: str
    start_date: datetime.date
    end_date: datetime.date | None = None
    place: str = ""
    description: str = ""
    parties: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)

    @property
    def last_date(self) -> datetime.date:
        return self.end_date or self.start_date

    @property
    def words(self) -> set[str]:
        return content_words(f"{self.name} {self.description} {self.place} {self.kind}")


@dataclass
class KnownOutlet:
    slug: str
    name: str


@dataclass
class Knowledge:
    speakers: list[KnownSpeaker] = field(default_factory=list)
    events: list[KnownEvent] = field(default_factory=list)
    outlets: list[KnownOutlet] = field(default_factory=list)
    parties: dict[str, list[str]] = field(default_factory=dict)  # slug -> names

    def __post_init__(self):
        self.by_slug = {s.slug: s for s in self.speakers}
        self.events_by_slug = {e.slug: e for e in self.events}
        # Longest names first so "Sergey Lavrov" wins over "Lavrov" and "Russia".
        names = sorted(
            {(n, s.slug) for s in self.speakers for n in s.names if n},
            key=lambda pair: (-len(pair[0]), pair),
        )
        self.name_index = {n.casefold(): slug for n, slug in reversed(names)}
        self.name_re = _alternation([n for n, _ in names])
        self.outlet_index = {o.name.casefold(): o.slug for o in self.outlets}
        self.outlet_index.update({o.slug.casefold(): o.slug for o in self.outlets})
        self.outlet_re = _alternation(sorted(self.outlet_index, key=len, reverse=True), flags=re.I)
        party_names: dict[str, str] = {}
        for slug, words in PARTY_WORDS.items():
            for word in words:
                party_names[word] = slug
        for slug, words in self.parties.items():
            for word in words:
                party_names[word] = slug
        self.party_index = party_names
        self.party_re = _alternation(sorted(party_names, key=len, reverse=True))

    def speaker_for_name(self, name: str) -> KnownSpeaker | None:
        slug = self.name_index.get(name.casefold())
        return self.by_slug.get(slug) if slug else None

    def outlet_for_name(self, name: str) -> str | None:
        return self.outlet_index.get(name.strip().casefold())


def _alternation(words: list[str], flags: int = 0) -> re.Pattern | None:
    if not words:
        return None
    body = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", flags)


def knowledge_from_curated(data: dict) -> Knowledge:
    """Knowledge from the parsed curated TOML (outlets, parties, speakers, events)."""
    return Knowledge(
        speakers=[
            KnownSpeaker(
                slug=s["slug"],
                name=s["name"],
                kind=s.get("kind", "person"),
                role=s.get("role", ""),
                party=s.get("party"),
                aliases=list(s.get("aliases", [])),
                organisation=s.get("organisation", ""),
            )
            for s in data.get("speaker", [])
        ],
        events=[
            KnownEvent(
                slug=e["slug"],
                name=e["name"],
                kind=e["kind"],
                format=e["format"],
                start_date=e["start_date"],
                end_date=e.get("end_date"),
                place=e.get("place", ""),
                description=e.get("description", ""),
                parties=list(e.get("parties", [])),
                participants=list(e.get("participants", [])),
            )
            for e in data.get("event", [])
        ],
        outlets=[KnownOutlet(o["slug"], o["name"]) for o in data.get("outlet", [])],
        parties={
            p["slug"]: [n for n in (p["name"], p.get("short_name", "")) if n]
            for p in data.get("party", [])
        },
    )


def knowledge_from_db() -> Knowledge:
    """Knowledge from the database: every speaker and alias, event and outlet."""
    from articles.models import Event, Outlet, Party, Speaker

    speakers = [
        KnownSpeaker(
            slug=s.slug,
            name=s.name,
            kind=s.kind,
            role=s.role,
            party=s.party.slug if s.party else None,
            aliases=[a.name for a in s.aliases.all()],
            organisation=s.organisation,
        )
        for s in Speaker.objects.select_related("party").prefetch_related("aliases")
    ]
    events = [
        KnownEvent(
            slug=e.slug,
            name=e.name,
            kind=e.kind,
            format=e.format,
            start_date=e.start_date,
            end_date=e.end_date,
            place=e.place,
            description=e.description,
            parties=[p.slug for p in e.parties.all()],
            participants=[p.slug for p in e.participants.all()],
        )
        for e in Event.objects.prefetch_related("parties", "participants")
    ]
    return Knowledge(
        speakers=speakers,
        events=events,
        outlets=[KnownOutlet(o.slug, o.name) for o in Outlet.objects.all()],
        parties={p.slug: [n for n in (p.name, p.short_name) if n] for p in Party.objects.all()},
    )
