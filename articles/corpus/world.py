"""The synthetic world: outlets, parties, speakers and events, deterministic for a seed.

Every slug starts with ``gen-`` so generated rows never collide with the curated archive and
``generate_corpus --clear`` can remove exactly them. Rows are plain tuples in the column order
the loaders declare (see ``articles.corpus.load``), with final primary keys already assigned.
"""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass, field

from django.utils.text import slugify

from articles.corpus.words import split_words
from articles.models import Event, NegotiationFormat

SLUG_PREFIX = "gen-"
FIRST_DAY = datetime.date(2016, 1, 1)
LAST_DAY = datetime.date(2025, 12, 31)
SPAN_DAYS = (LAST_DAY - FIRST_DAY).days

OUTLETS = (
    ("Continental Press Agency", "Austria"),
    ("Baltic Wire", "Estonia"),
    ("Eurasia Daily", "Kazakhstan"),
    ("Atlantic Dispatch", "Canada"),
    ("Capital Herald", "United Kingdom"),
    ("Danube Observer", "Hungary"),
    ("Northern Telegraph", "Norway"),
    ("Global Affairs Review", "Switzerland"),
    ("Steppe News Service", "Kazakhstan"),
    ("Harbour Gazette", "Netherlands"),
    ("Meridian Radio", "France"),
    ("Frontier Times", "Finland"),
)

# Forty parties, none of them the curated archive's own (Russia, US, NATO, OSCE, EU, Ukraine).
STATES = split_words(
    "France Germany Poland Turkey Finland Sweden Norway Estonia Latvia Lithuania Belarus "
    "Kazakhstan Georgia Armenia Azerbaijan Moldova Romania Bulgaria Hungary Italy Spain Canada "
    "Japan India Brazil Switzerland Austria Serbia Slovakia Netherlands Denmark China"
)
MULTI_WORD_STATES = ("United Kingdom", "Czech Republic")
ORGANISATIONS = (
    ("United Nations", "UN", "organisation"),
    ("Council of Europe", "CoE", "organisation"),
    ("Collective Security Treaty Organization", "CSTO", "alliance"),
    ("Shanghai Cooperation Organisation", "SCO", "organisation"),
    ("African Union", "AU", "union"),
    ("Commonwealth of Independent States", "CIS", "union"),
)

FIRST_NAMES = split_words(
    "Anna Boris Clara Dmitri Elena Felix Greta Hugo Irina Jonas Katja Lars Maria Nikolai Olga "
    "Pavel Rosa Stefan Tamara Viktor Agnes Bruno Dora Emil Freya Gustav Hanna Igor Julia Karl "
    "Lena Marek Nadia Oskar Petra Rafael Sofia Tomas Ursula Vera Walter Yana Zoran Alina "
    "Bogdan Celine Darius Eva Filip Ilona"
)
LAST_NAMES = split_words(
    "Adler Barsky Castell Dorn Eriksen Falk Gromov Hartmann Ivanova Jensen Kowalski Lindqvist "
    "Morozov Novak Orlov Petrov Quist Rasmussen Sokolov Tamm Ulrich Varga Weiss Yilmaz Zeller "
    "Andersen Berg Ciobanu Dvorak Engel Fischer Galan Horvat Ilves Jovanovic Kask Laine Meyer "
    "Nemeth Ozols Popescu Richter Sandor Toth Urban Vogel Wagner Zajac Aalto Bauer Chen Dahl "
    "Ekberg Ferrari Gallo Haas Ito Juhasz Kim Lund Moretti Nyberg Olsen Pajari Ricci Sato "
    "Tanaka Uzun Valli Winter Yamada Zhou Arslan Brandt Costa Demir Elias Frank"
)
ROLES = (
    "Foreign Minister of {p}",
    "Deputy Foreign Minister of {p}",
    "Spokesperson of the Ministry of Foreign Affairs of {p}",
    "Ambassador of {p} to the United Nations",
    "Defence Minister of {p}",
    "Head of State of {p}",
    "Head of Government of {p}",
    "National Security Adviser of {p}",
    "Chief negotiator of {p}",
    "Member of parliament of {p}",
)
PLACES = split_words(
    "Geneva Vienna Brussels Helsinki Istanbul Minsk Astana Warsaw Paris Berlin Rome Madrid "
    "Oslo Stockholm Riga Tallinn Vilnius Tbilisi Yerevan Baku Bucharest Sofia Budapest Prague"
)
TOPICS = (
    "strategic stability",
    "security guarantees",
    "arms control",
    "conventional forces",
    "confidence-building measures",
    "missile deployments",
    "military exercises",
    "border security",
    "humanitarian access",
    "sanctions relief",
    "energy security",
    "prisoner exchanges",
)
# Which kinds of event each negotiation format produces, with the format's share of events.
FORMATS = {
    NegotiationFormat.BILATERAL_RUSSIA_US: (
        0.14,
        (Event.Kind.NEGOTIATION_ROUND, Event.Kind.MEETING),
    ),
    NegotiationFormat.NATO_RUSSIA_COUNCIL: (0.08, (Event.Kind.MEETING,)),
    NegotiationFormat.OSCE: (0.12, (Event.Kind.MEETING, Event.Kind.NEGOTIATION_ROUND)),
    NegotiationFormat.LEADERS: (0.10, (Event.Kind.CALL, Event.Kind.SUMMIT)),
    NegotiationFormat.MINISTERIAL: (0.22, (Event.Kind.MEETING, Event.Kind.CALL)),
    NegotiationFormat.UNILATERAL: (0.14, (Event.Kind.PUBLICATION, Event.Kind.SPEECH)),
    NegotiationFormat.MULTILATERAL: (
        0.20,
        (Event.Kind.SUMMIT, Event.Kind.MEETING, Event.Kind.OTHER),
    ),
}


@dataclass
class World:
    """Everything the article generator draws from, plus the rows to load."""

    outlets: list[tuple] = field(default_factory=list)
    parties: list[tuple] = field(default_factory=list)
    speakers: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    event_parties: list[tuple] = field(default_factory=list)
    event_participants: list[tuple] = field(default_factory=list)
    # Lookups for the article generator.
    speaker_names: dict[int, str] = field(default_factory=dict)
    speaker_ids: list[int] = field(default_factory=list)
    speaker_cum_weights: list[float] = field(default_factory=list)
    document_speakers: list[int] = field(default_factory=list)
    event_dates: dict[int, datetime.date] = field(default_factory=dict)
    event_places: dict[int, str] = field(default_factory=dict)
    event_speakers: dict[int, list[int]] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    event_cum_weights: list[float] = field(default_factory=list)
    outlet_ids: list[int] = field(default_factory=list)


def build_world(seed: int, first_ids: dict[str, int], *, speakers: int = 2000, events: int = 500):
    """Outlets, 40 parties, ``speakers`` speakers and ``events`` events for ``seed``."""
    rng = random.Random(f"parley-corpus:{seed}:world")
    world = World()

    outlet_id = first_ids["outlet"]
    for offset, (name, country) in enumerate(OUTLETS):
        world.outlets.append((outlet_id + offset, name, SLUG_PREFIX + slugify(name), "", country))
        world.outlet_ids.append(outlet_id + offset)

    party_names = [(name, name, "state") for name in (*STATES, *MULTI_WORD_STATES)] + [
        (name, short, kind) for name, short, kind in ORGANISATIONS
    ]
    party_id = first_ids["party"]
    party_ids, party_labels = [], {}
    for offset, (name, short, kind) in enumerate(party_names):
        pk = party_id + offset
        world.parties.append((pk, name, short, SLUG_PREFIX + slugify(name), kind))
        party_ids.append(pk)
        party_labels[pk] = name
    # Big parties field many more speakers than small ones.
    party_weights = [1 / (rank + 2) for rank in range(len(party_ids))]
    rng.shuffle(party_weights)

    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    speaker_id = first_ids["speaker"]
    by_party: dict[int, list[int]] = {pk: [] for pk in party_ids}
    for offset in range(speakers):
        pk = speaker_id + offset
        party = rng.choices(party_ids, weights=party_weights)[0]
        label = party_labels[party]
        roll = rng.random()
        if roll < 0.03:
            kind, name, role = "document", f"Draft agreement of {label} no. {offset}", ""
            world.document_speakers.append(pk)
        elif roll < 0.08:
            kind, name, role = (
                "institution",
                f"Ministry of Foreign Affairs of {label} ({offset})",
                "",
            )
        else:
            kind, name = "person", names[offset % len(names)]
            if offset >= len(names):
                name = f"{name} {offset // len(names) + 1}"
            role = rng.choice(ROLES).format(p=label)
        slug = f"{SLUG_PREFIX}{slugify(name)[:80]}-{offset}"
        world.speakers.append((pk, name, slug, kind, role, "", party, "", "reviewed"))
        world.speaker_names[pk] = name
        world.speaker_ids.append(pk)
        by_party[party].append(pk)
    # A few speakers do most of the talking, as in any press archive.
    weights = [1 / (rank + 5) for rank in range(speakers)]
    rng.shuffle(weights)
    world.speaker_cum_weights = list(itertools.accumulate(weights))

    _build_events(rng, world, first_ids["event"], events, party_ids, by_party)
    return world


def _build_events(rng, world, first_id, count, party_ids, by_party):
    """Events clustered around crises, so dates come in bursts rather than evenly."""
    centres = [rng.randrange(SPAN_DAYS) for _ in range(max(count // 8, 1))]
    days = []
    for _ in range(count):
        if rng.random() < 0.7:
            day = int(rng.gauss(rng.choice(centres), 12))
        else:
            day = rng.randrange(SPAN_DAYS)
        days.append(min(max(day, 0), SPAN_DAYS))
    days.sort()
    formats = list(FORMATS)
    format_weights = [FORMATS[f][0] for f in formats]
    rounds: dict[tuple, int] = {}
    for offset, day in enumerate(days):
        pk = first_id + offset
        fmt = rng.choices(formats, weights=format_weights)[0]
        kind = rng.choice(FORMATS[fmt][1])
        place, topic = rng.choice(PLACES), rng.choice(TOPICS)
        rounds[(place, topic)] = rounds.get((place, topic), 0) + 1
        name = (
            f"{place} {Event.Kind(kind).label.lower()} on {topic}, round {rounds[(place, topic)]}"
        )
        start = FIRST_DAY + datetime.timedelta(days=day)
        end = start + datetime.timedelta(days=rng.choice((1, 2))) if rng.random() < 0.2 else None
        slug = f"{SLUG_PREFIX}{slugify(name)[:90]}-{offset}"
        world.events.append((pk, name, slug, kind, fmt.value, start, end, place, "", "reviewed"))
        world.event_dates[pk] = start
        world.event_places[pk] = place
        parties = rng.sample(party_ids, rng.randint(2, 4))
        world.event_parties.extend((pk, party) for party in parties)
        speakers = [
            s
            for party in parties
            for s in rng.sample(by_party[party], min(3, len(by_party[party])))
        ]
        world.event_participants.extend((pk, s) for s in speakers)
        world.event_speakers[pk] = speakers or world.speaker_ids[:10]
        world.event_ids.append(pk)
    # Some events (a summit, a crisis round) are covered far more than others.
    weights = [1 / (rank + 3) for rank in range(count)]
    rng.shuffle(weights)
    world.event_cum_weights = list(itertools.accumulate(weights))
