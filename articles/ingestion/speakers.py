"""Resolve the noun phrase of an attribution ("Russian Foreign Minister Sergey Lavrov", "he",
"the diplomat", "the document") to a speaker: a known one through its names, a person named
in the text (new, with the role the text gives), or the person a pronoun or role noun points
back to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from articles.ingestion.knowledge import PARTY_WORDS, Knowledge, KnownSpeaker, content_words

PRONOUNS = {"he", "she", "him", "her"}
UNRESOLVABLE = {"they", "it", "we", "i", "you", "one", "who", "which", "some", "others"}
ADVERBS = re.compile(
    r"\b(?:also|meanwhile|once again|again|nevertheless|however|earlier|later|then|further|"
    r"in turn|in particular|for (?:his|her|its|their) part|separately|previously|moreover|"
    r"additionally|too|still|already|repeatedly|reportedly|has|have|had)\b",
    re.I,
)
# Heads of role phrases. Generic ones ("the diplomat") point to the last person speaking.
GENERIC_ROLES = {
    "diplomat", "official", "envoy", "spokesman", "spokeswoman", "spokesperson", "aide",
    "politician", "source", "representative", "negotiator", "delegate", "lawmaker", "expert",
}  # fmt: skip
SPECIFIC_ROLES = {
    "president", "minister", "ambassador", "secretary", "secretary-general", "chief", "head",
    "adviser", "advisor", "leader", "chancellor", "premier", "senator", "general", "commander",
    "deputy", "director", "chairman", "chair", "governor", "mayor", "king", "queen", "pope",
}  # fmt: skip
ROLE_WORDS = {w.title() for w in GENERIC_ROLES | SPECIFIC_ROLES} | {
    "Foreign", "Defense", "Defence", "Prime", "Vice", "Deputy", "Secretary", "State", "Kremlin",
    "Spokesman", "Spokeswoman", "Press", "Senior", "First", "Acting", "Former", "Permanent",
    "Ambassador", "Mr", "Mrs", "Ms", "Dr", "Aide", "Envoy", "Head", "General", "Affairs",
    "Special", "National", "Security", "Adviser", "Advisor", "Minister", "Chief",
}  # fmt: skip
DOCUMENT_NOUNS = {
    "document", "documents", "draft", "drafts", "proposal", "proposals", "treaty", "agreement",
    "agreements", "text", "statement", "declaration", "communique", "communiqué", "letter",
    "resolution", "report", "memorandum", "article", "clause", "paper",
}  # fmt: skip
NAME_TOKEN = r"[A-Z][a-z]+(?:[-’'][A-Z]?[a-z]+)?"
_NAME_RE = re.compile(rf"(?<![\w-])({NAME_TOKEN}(?:\s+(?:[A-Z]\.\s+)?{NAME_TOKEN}){{1,3}})$")
_NAME_ANYWHERE_RE = re.compile(rf"(?<![\w-])({NAME_TOKEN}(?:\s+{NAME_TOKEN}){{1,2}})(?![\w-])")
NOT_NAMES = {
    "That", "This", "These", "Those", "It", "He", "She", "They", "We", "There", "Here", "But",
    "And", "However", "Meanwhile", "Also", "Then", "Still", "Yet", "Officials", "Sources",
    "Delegation", "Council", "Union", "Nations", "Alliance", "Organization", "Organisation",
    "Treaty", "Forces", "Army", "Navy", "Republic", "Federation", "Kingdom", "States", "News",
    "Agency", "Channel", "Security", "Control", "Arms", "Military", "Negotiations", "Talks",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Post", "Comment", "Open", "Door", "West", "East", "Europe",
    "European", "Western", "Eastern", "Soviet", "Switzerland", "Geneva", "Vienna", "Brussels",
}  # fmt: skip


# "U.S. officials said": several unnamed people, no one speaker.
PLURAL_SOURCES = {
    "officials", "diplomats", "sources", "analysts", "experts", "observers", "lawmakers",
    "people", "residents", "witnesses", "critics", "reports", "media",
}  # fmt: skip
PARTY_NAMES = {slug: words[:1] for slug, words in PARTY_WORDS.items()}
RANK_WORDS = {"deputy", "vice", "acting", "former", "assistant", "first"}
INSTITUTION_HEADS = {
    "Street", "House", "Ministry", "Department", "Office", "Kremlin", "Pentagon", "Government",
    "Commission", "Embassy", "Mission", "Palace", "Agency", "Service", "Committee", "Parliament",
    "Duma", "Senate", "Congress", "Secretariat", "Cabinet", "Presidency", "Quai", "Elysee",
}  # fmt: skip
_ROLES_ALT = "|".join(sorted(GENERIC_ROLES | SPECIFIC_ROLES))
_ROLE_BEFORE_RE = re.compile(rf"\b(?:{_ROLES_ALT})s?\b[^.;:“”\"]{{0,60}}?,?\s*$", re.I)


@dataclass
class NewSpeaker:
    name: str
    role: str = ""
    kind: str = "person"


@dataclass
class Who:
    """A resolved speaker: a known slug, or a new speaker's name; ``outlet`` for relays."""

    slug: str | None = None
    new: NewSpeaker | None = None
    outlet: str | None = None
    kind: str = "person"

    @property
    def key(self) -> str | None:
        return self.slug or (f"new:{self.new.name}" if self.new else None)


@dataclass
class SpeakerResolver:
    knowledge: Knowledge
    body: str
    article_outlet: str | None = None
    quotes: list[tuple[int, int]] = field(default_factory=list)
    mentions: list[tuple[int, str]] = field(default_factory=list)
    new: dict[str, NewSpeaker] = field(default_factory=dict)
    persons: dict[str, NewSpeaker] = field(default_factory=dict)  # named, not (yet) speaking

    def __post_init__(self):
        def quoted(pos: int) -> bool:
            return any(a <= pos < b for a, b in self.quotes)

        if self.knowledge.name_re:
            for m in self.knowledge.name_re.finditer(self.body):
                speaker = self.knowledge.speaker_for_name(m.group())
                if speaker and speaker.kind == "person" and not quoted(m.start()):
                    self.mentions.append((m.start(), speaker.slug))
        # People the text introduces with a role ("Germany's foreign minister, Annalena
        # Baerbock"), so a later "she" or "the minister" can find them.
        for m in _NAME_ANYWHERE_RE.finditer(self.body):
            name = m.group(1)
            if quoted(m.start()) or not self._could_be_name(name):
                continue
            if self.knowledge.speaker_for_name(name) or self._known(name):
                continue
            window = self.body[max(0, m.start() - 80) : m.start()]
            if _ROLE_BEFORE_RE.search(window):
                role = re.split(r"[.;:\n“”\"()]|\s[-—–]\s", window)[-1].strip(" ,")
                person = self.persons.setdefault(name, NewSpeaker(name, role))
                self.mentions.append((m.start(), f"new:{person.name}"))
        self.mentions.sort()

    def resolve(self, np: str, pos: int, last: Who | None, context: str = "") -> Who | None:
        """The speaker ``np`` names at body offset ``pos``; ``last`` is the last person speaking."""
        np = tidy(np)
        if not np or len(np.split()) > 18:
            return None
        lowered = np.lower()
        if lowered in PRONOUNS:
            return self._pronoun(pos, last)
        if not re.search(r"[A-Za-z]", np):
            return None
        if lowered.replace("-", " ").split()[-1] in DOCUMENT_NOUNS:
            return self.document(f"{np} {context}")
        plural = lowered.split()[-1] in PLURAL_SOURCES
        if plural or re.match(r"(?:a|an|one|two|several|some)\s", lowered):
            return Who(kind="unnamed")  # "a senior Western diplomat": the text names nobody
        if lowered in UNRESOLVABLE:
            return None
        outlet = self._outlet(np)
        if outlet:
            return Who(outlet=outlet, kind="outlet")
        known = self._known(np)
        if known:
            return Who(slug=known.slug, kind=known.kind)
        words = lowered.replace("-", " ").split()
        if words and words[-1] in DOCUMENT_NOUNS | {"reads", "says"}:
            return self.document(f"{np} {context}")
        if np.split()[-1] in INSTITUTION_HEADS and (np[0].isupper() or lowered.startswith("the ")):
            name = re.sub(r"^the\s+", "", np, flags=re.I)
            person = self.new.setdefault(name, NewSpeaker(name, kind="institution"))
            return Who(new=person, kind="institution")
        name = self._trailing_name(np)
        if name:
            return self._person(name, np[: len(np) - len(name)], pos)
        state = self._state(np)
        if state:
            return state
        if "," in np:  # "Sergei Ryabkov, the deputy foreign minister"
            head, _, rest = np.partition(",")
            head = head.strip()
            name = _NAME_RE.search(head)
            if name and name.group(1) == head:
                return self._person(name.group(1), rest, pos)
            if re.fullmatch(NAME_TOKEN, head) and self._could_be_name(head):
                return self._surname(head, rest, pos)
        if re.fullmatch(NAME_TOKEN, np) and self._could_be_name(np):
            return self._surname(np, "", pos)
        return self._role(np, words, pos, last)

    def _trailing_name(self, np: str) -> str | None:
        """The person's name ending a phrase: "UN Secretary-General Antonio Guterres"."""
        tokens = np.split()
        name: list[str] = []
        for token in reversed(tokens):
            parts = set(token.split("-"))
            if not re.fullmatch(NAME_TOKEN, token) or parts & ROLE_WORDS or token in ROLE_WORDS:
                break
            if not self._could_be_name(token):
                break
            name.insert(0, token)
        if len(name) < 2 or len(name) > 4:
            return None
        return " ".join(name)

    def _state(self, np: str) -> Who | None:
        """ "China called on ...": a state or organisation the archive has no speaker for."""
        bare = re.sub(r"^the\s+", "", np, flags=re.I)
        slug = self.knowledge.party_index.get(bare)
        if slug is None:
            return None
        names = self.knowledge.parties.get(slug) or PARTY_NAMES.get(slug) or [bare]
        name = names[-1] if len(names) > 1 else names[0]  # the short name ("United States")
        person = self.new.setdefault(name, NewSpeaker(name, kind="institution"))
        return Who(new=person, kind="institution")

    def _surname(self, surname: str, role: str, pos: int) -> Who:
        """A person named by surname only: one the text named in full, else a new speaker."""
        # A known person named in full earlier in the text, though "Peskov" is not an alias.
        for _, key in reversed([m for m in self.mentions if m[0] < pos]):
            speaker = self.knowledge.by_slug.get(key)
            if speaker and speaker.name.split()[-1] == surname:
                return Who(slug=speaker.slug, kind=speaker.kind)
        for person in [*self.new.values(), *self.persons.values()]:
            if surname in person.name.split():  # "Wang" for Wang Wenbin, "Ryabkov" for Sergei
                self.new.setdefault(person.name, person)
                return Who(new=person)
        return self._person(surname, role, pos)

    def document(self, context: str) -> Who | None:
        """The known document best matching ``context`` (its words against names and role)."""
        want = content_words(context)
        best, score = None, 0
        for speaker in self.knowledge.speakers:
            if speaker.kind != "document":
                continue
            have = content_words(" ".join(speaker.names) + " " + speaker.role)
            overlap = len(want & have)
            if overlap > score:
                best, score = speaker, overlap
        return Who(slug=best.slug, kind="document") if best else None

    def _outlet(self, np: str) -> str | None:
        rx = self.knowledge.outlet_re
        match = rx.search(np) if rx else None
        if not match:
            return None
        rest = content_words(np.replace(match.group(), " "))
        if rest <= {"news", "agency", "russian", "state", "channel", "tv", "newspaper", "daily"}:
            return self.knowledge.outlet_for_name(match.group())
        return None

    def _known(self, np: str) -> KnownSpeaker | None:
        rx = self.knowledge.name_re
        if rx is None:
            return None
        candidates = [m for m in rx.finditer(np)] + [m for m in rx.finditer(_lower_first(np))]
        # The speaker's name ends the phrase or its first part ("Sergey Lavrov, the minister");
        # "Putin's spokesman Dmitry Peskov" and "Putin aide Ivan Petrov" are someone else.
        candidates = [m for m in candidates if re.match(r"\s*(?:$|,|\()", np[m.end() :])]
        if not candidates:
            return None
        match = max(candidates, key=lambda m: (m.end(), len(m.group())))
        speaker = self.knowledge.speaker_for_name(match.group())
        if speaker is None:
            return None
        if speaker.kind != "person":
            # "Moscow said" is the government; "Moscow correspondent Ivan Petrov" is not.
            bare = re.sub(r"^the\s+", "", np, flags=re.I)
            if bare.casefold() != re.sub(r"^the\s+", "", match.group(), flags=re.I).casefold():
                return None
        return speaker

    def _could_be_name(self, name: str) -> bool:
        tokens = set(name.split())
        if tokens & (ROLE_WORDS | INSTITUTION_HEADS | NOT_NAMES):
            return False
        return not any(t in self.knowledge.party_index for t in tokens)

    def _pronoun(self, pos: int, last: Who | None) -> Who | None:
        """ "he"/"she": the person named last before it (outside quotations)."""
        before = [key for at, key in self.mentions if at < pos]
        if before:
            key = before[-1]
            if key.startswith("new:"):
                name = key[4:]
                person = self.new.get(name) or self.persons.get(name)
                self.new.setdefault(name, person)
                return Who(new=person)
            return Who(slug=key, kind="person")
        return last if last and last.kind == "person" else None

    def _person(self, name: str, role: str, pos: int) -> Who:
        known = self.knowledge.speaker_for_name(name)
        if known:
            return Who(slug=known.slug, kind=known.kind)
        person = self.new.get(name) or self.persons.get(name)
        if person is not None:
            self.new[name] = person
        role = re.sub(r"^(?:the|a|an)\s+", "", tidy(role).strip(" ,"), flags=re.I)
        if person is None:
            person = self.new[name] = NewSpeaker(name=name, role=role)
        elif role:
            person.role = role  # the phrase the name came with beats one guessed nearby
        self.mentions.append((pos, f"new:{name}"))
        self.mentions.sort()
        return Who(new=person)

    def _role(self, np: str, words: list[str], pos: int, last: Who | None) -> Who | None:
        heads = [w for w in words if w in GENERIC_ROLES or w in SPECIFIC_ROLES]
        if not heads:
            return None
        parties = {
            self.knowledge.party_index[m.group()]
            for m in (self.knowledge.party_re.finditer(np) if self.knowledge.party_re else [])
        }
        specific = [h for h in heads if h in SPECIFIC_ROLES]
        candidates = self._candidates(pos)
        if not specific:
            if last and last.kind == "person" and self._party_ok(last, parties):
                return last
            named = self._pronoun(pos, None)  # nobody has spoken yet: the person named last
            if named and self._party_ok(named, parties):
                return named
            specific = heads
        want = content_words(np)
        best, best_score = None, 0
        for key, distance in candidates:
            role_words, party = self._profile(key)
            if parties and party and party not in parties:
                continue
            if not any(h in role_words for h in specific):
                continue
            score = len(want & role_words) * 10 - distance
            # "the minister" is not the deputy minister named just before.
            score -= 15 * len((role_words & RANK_WORDS) - want)
            if best is None or score > best_score:
                best, best_score = key, score
        if best is None:
            return None
        if best.startswith("new:"):
            person = self.new.get(best[4:]) or self.persons[best[4:]]
            self.new.setdefault(person.name, person)
            return Who(new=person)
        return Who(slug=best, kind="person")

    def _candidates(self, pos: int) -> list[tuple[str, int]]:
        """Persons mentioned in the document, with a penalty growing with the distance back."""
        seen: dict[str, int] = {}
        for at, key in self.mentions:
            distance = (pos - at) // 200 if at <= pos else 5 + (at - pos) // 200
            seen[key] = min(seen.get(key, 99), distance)
        return sorted(seen.items())

    def _profile(self, key: str) -> tuple[set[str], str | None]:
        if key.startswith("new:"):
            person = self.new.get(key[4:]) or self.persons[key[4:]]
            return content_words(person.role), None
        speaker = self.knowledge.by_slug[key]
        return content_words(speaker.role), speaker.party

    def _party_ok(self, who: Who, parties: set[str]) -> bool:
        if not parties or not who.slug:
            return True
        return self.knowledge.by_slug[who.slug].party in parties


def _lower_first(np: str) -> str:
    return np[:1].lower() + np[1:]


_TIME_IN_NP_RE = re.compile(
    r"\b(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b(?:yesterday|today|last week|this week|on [A-Z][a-z]{2,8}\.? \d{1,2})\b",
    re.I,
)


def tidy(np: str) -> str:
    """The noun phrase without adverbs and time words ("The Kremlin on Tuesday")."""
    np = ADVERBS.sub(" ", np)
    np = _TIME_IN_NP_RE.sub(" ", np)
    np = re.sub(r"\s+", " ", np).strip(" ,;:")
    return np
