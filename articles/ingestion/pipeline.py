"""Run the stages on one document: clean, metadata, quotes, speakers, dates and events.

``extract`` is pure (no database); the ingest command, the admin upload, the fixture build
and the scorer all call it, so they agree on what a document contains.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from articles.ingestion import attribution, dates, metadata, occasions
from articles.ingestion.clean import clean_text
from articles.ingestion.clean import dateline as find_dateline
from articles.ingestion.knowledge import Knowledge
from articles.ingestion.quotes import find_quotations, is_scare_quote
from articles.ingestion.speakers import NewSpeaker, SpeakerResolver, Who
from articles.ingestion.text import Span, paragraphs, sentences

_MEDIUM_RE = re.compile(
    r"\b(?:told|telling|in an interview (?:with|to))\s+(?:the\s+)?(?P<m>[A-Z][\w\-’']*(?:\s+"
    r"(?:[A-Z][\w\-’']*|TV|channel|radio|newspaper|news agency|agency))*)"
    r"|\b(?:at|during)\s+(?:a|the)\s+(?P<pc>(?:news |press )conference(?:\s+(?:following|after)"
    r"\s+[^,.;]+)?)"
    r"|\b(?:wrote|posted|said|tweeted)\s+(?:on|in\s+a\s+post\s+on)\s+(?P<sm>Twitter|X|Telegram|"
    r"Facebook|Instagram|VKontakte|YouTube|Truth Social)\b"
)
_DOC_OPENER_RE = re.compile(
    r"^(?:In|Under)\s+the\s+(?:[\w\-]+\s+){0,3}?(?:drafts?|documents?|proposals?|treaty|"
    r"agreements?|text|declaration|communiqu[eé])\b"
)
_CONNECTIVE_RE = re.compile(
    r"^(?:meanwhile|in turn|at the same time)\b|^[^,]{1,40},\s*meanwhile,", re.I
)


@dataclass
class Statement:
    start: int
    end: int
    kind: str
    who: Who | None
    sentence: Span
    paragraph: int
    time: dates.TimeCue | None = None
    date: datetime.date | None = None
    event: str | None = None
    event_at: bool = False  # made at the event (inherited by the rest of the speech)
    medium: str = ""
    relayed_by: str | None = None
    connective: bool = False
    cue: attribution.Cue | None = None
    basis: list[str] = field(default_factory=list)  # how it was decided, for the reviewer
    proposed: dates.ProposedEvent | None = None  # an event the archive does not know yet


@dataclass
class Extraction:
    file: str
    headline: str
    standfirst: str
    body: str
    raw: str
    meta: metadata.Metadata
    statements: list[Statement]
    speakers_new: list[NewSpeaker]
    knowledge: Knowledge
    url: str = ""
    events: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def speaker_name(self, who: Who | None) -> str | None:
        if who is None:
            return None
        if who.slug:
            return self.knowledge.by_slug[who.slug].name
        return who.new.name if who.new else None

    def as_json(self) -> dict:
        """The dry-run record: the issue's schema, offsets into the cleaned body."""
        return {
            "file": self.file,
            "headline": self.headline,
            "outlet": self._outlet_name(),
            "published": self.meta.published.isoformat() if self.meta.published else None,
            "date_basis": self.meta.date_basis,
            "quotes": [
                {
                    "text": self.body[s.start : s.end],
                    "speaker": self.speaker_name(s.who),
                    "kind": s.kind,
                    "start": s.start,
                    "end": s.end,
                    "date": s.date.isoformat() if s.date else None,
                    # A known event's slug; "new:<name>" for one proposed for review.
                    "event": s.event or (f"new:{s.proposed.name}" if s.proposed else None),
                }
                for s in self.statements
            ],
            "speakers_new": [{"name": p.name, "role": p.role} for p in self.speakers_new],
        }

    def _outlet_name(self) -> str | None:
        for outlet in self.knowledge.outlets:
            if outlet.slug == self.meta.outlet:
                return outlet.name
        return self.meta.outlet.removeprefix("new:") if self.meta.outlet else None


def extract(
    raw: str,
    knowledge: Knowledge,
    *,
    file: str = "",
    outlet: str | None = None,
    url: str = "",
    published: datetime.date | None = None,
) -> Extraction:
    """Everything the pipeline finds in one document's text."""
    doc = clean_text(raw)
    body = doc.body
    meta = metadata.detect_date(doc, knowledge)
    meta.outlet = metadata.detect_outlet(doc, knowledge)
    if outlet:
        meta.outlet = knowledge.outlet_for_name(outlet) or f"new:{outlet}"
    if published:
        meta.published, meta.date_basis = published, "stated"
        meta.date_note = "Given when the document was ingested."
    reader = _Reader(body, knowledge, meta)
    dateline = find_dateline(body)
    for index, par in enumerate(paragraphs(body)):
        if index == 0 and dateline:
            par = Span(dateline.end(), par.end)
        in_par = [Span(a, b) for a, b in reader.mark_spans if par.start <= a < par.end]
        previous = None
        for sent in sentences(body, par, in_par):
            reader.read(index, sent, previous)
            previous = sent
    statements = reader.statements
    statements.sort(key=lambda s: (s.start, s.end, s.kind))
    occasions.propagate(statements, reader.matcher, knowledge, body)
    events = sorted({s.event for s in statements if s.event} | {e for _, e in reader.mentions})
    return Extraction(
        file=file,
        headline=doc.headline,
        standfirst=doc.standfirst,
        body=body,
        raw=raw,
        meta=meta,
        statements=statements,
        speakers_new=_speaking(reader.resolver.new.values(), statements),
        knowledge=knowledge,
        url=url,
        events=events,
        warnings=[] if statements else ["no statements found"],
    )


class _Reader:
    """Reads a body sentence by sentence, keeping what later sentences need to know."""

    def __init__(self, body: str, knowledge: Knowledge, meta: metadata.Metadata):
        self.body, self.knowledge, self.pub = body, knowledge, meta.published
        self.outlet_name = next((o.name for o in knowledge.outlets if o.slug == meta.outlet), "")
        self.quotations = find_quotations(body)
        self.mark_spans = [(q.marks.start, q.marks.end) for q in self.quotations]
        self.resolver = SpeakerResolver(knowledge, body, meta.outlet, quotes=self.mark_spans)
        self.matcher = dates.EventMatcher(knowledge, self.pub)
        self.statements: list[Statement] = []
        self.mentions: list[tuple[int, str]] = []  # (offset, event slug) as the text names them
        self.last: Who | None = None  # the last person who spoke
        self.doc_context = ""  # the last sentences that spoke of a document

    def read(self, index: int, sent: Span, previous: Span | None) -> None:
        body = self.body
        text = body[sent.start : sent.end]
        for _, day in dates.explicit_dates(text, self.pub):
            event = self.matcher.on_day(day, dates.content_words(text))
            if event:
                self.mentions.append((sent.start, event.slug))
        if re.search(r"\b(?:drafts?|documents?|proposals?|treaty|agreements?)\b", text):
            self.doc_context = "\n".join([*self.doc_context.split("\n")[-2:], text])
        doc_who = None
        if _DOC_OPENER_RE.match(text):
            doc_who = self.resolver.document(text + " " + self.doc_context)
        cues, found = self._cues(index, sent, previous, doc_who)
        found += self._quotations(index, sent, cues, doc_who)
        connective = bool(_CONNECTIVE_RE.match(text))
        for st in found:
            st.connective = connective
            if st.cue is not None:
                st.basis.insert(0, f"speaker from “{st.cue.np}”")
            self._date(st, body[previous.start : previous.end] if previous else "")
            if st.event and st.event_at:
                self.mentions.append((st.start, st.event))
        found = _unique(found)
        self.statements.extend(found)
        for st in found:
            if st.who and st.who.kind == "person":
                self.last = st.who

    def _cues(self, index, sent, previous, doc_who):
        """Attributions of the sentence with their speakers, and the clauses they report."""
        cues, found = [], []
        sentence_cues = attribution.find_cues(self.body, sent.start, sent.end, self.mark_spans)
        if previous is not None:
            span = (previous.start, previous.end)
            stated = attribution.stated_by(self.body, span, (sent.start, sent.end), self.mark_spans)
            sentence_cues += [stated] if stated else []
        for cue in sentence_cues:
            who = self.resolver.resolve(cue.np, cue.np_start, self.last, self.doc_context)
            if who is None or who.kind == "outlet":
                continue
            if who.kind == "unnamed":
                who = None
            if doc_who and not cue.according:
                who = doc_who
            cues.append((cue, who))
            for a, b in cue.clauses:
                found.append(Statement(a, b, "indirect", who, sent, index, cue=cue))
        return cues, found

    def _quotations(self, index, sent, cues, doc_who) -> list[Statement]:
        body, found = self.body, []
        for q in self.quotations:
            if not (sent.start <= q.marks.start < sent.end) or q.end <= q.start:
                continue
            if is_scare_quote(body, q):
                continue
            cue, who = _cue_for(q, cues)
            kind = _kind(body, sent, q, who)
            if cue is None:
                if kind == "partial" and len(body[q.start : q.end].split()) < 4:
                    continue  # a phrase in quotation marks with nobody saying it
                who = doc_who or _continuing(self.statements, index)
                if who is None and kind == "partial":
                    who = self._subject(sent)  # "Zakharova blasted it, calling it «...»"
                kind = _kind(body, sent, q, who)
            st = Statement(q.start, q.end, kind, who, sent, index, cue=cue)
            if cue is None:
                st.basis.append(
                    "no attribution of its own: continues the quotation before it"
                    if who
                    else "no attribution found"
                )
            if q.missing_open or q.missing_close:
                st.basis.append("a quotation mark is missing in the source")
            found.append(st)
        return found

    def _subject(self, sent: Span) -> Who | None:
        """The person a sentence is about, when it quotes words without a reporting verb."""
        found = attribution.subject_of(self.body[sent.start : sent.end])
        if not found:
            return None
        who = self.resolver.resolve(found, sent.start, self.last, self.doc_context)
        return who if who and who.kind in {"person", "institution"} else None

    def _date(self, st: Statement, previous_text: str) -> None:
        cue = st.cue
        if cue is None:
            return
        region = self.body[cue.region[0] : cue.region[1]]
        last_event = _last_event(self.mentions, st.start)
        _read_cue(st, region, cue, self.pub, self.matcher, last_event, self.outlet_name,
                  self.knowledge)  # fmt: skip
        if not st.date and cue.np.lower() in {"he", "she"} and previous_text:
            # "Baerbock struck a similar tone in Kyiv on Monday. She said ...": the sentence
            # naming the person tells when.
            earlier = dates.time_cue(previous_text, self.pub)
            st.date = earlier.date if earlier else None


def _speaking(new, statements) -> list[NewSpeaker]:
    """The new speakers some statement is attributed to, in order of first appearance."""
    used = {id(s.who.new) for s in statements if s.who and s.who.new}
    return [person for person in new if id(person) in used]


def _cue_for(q, cues):
    """The attribution of a quotation: the nearest cue after it, else the nearest before."""
    after = [(c, w) for c, w in cues if c.verb_start >= q.marks.end]
    before = [(c, w) for c, w in cues if c.verb_end <= q.marks.start]
    if after:
        return min(after, key=lambda cw: cw[0].verb_start)
    if before:
        return max(before, key=lambda cw: cw[0].verb_end)
    return None, None


def _continuing(statements: list[Statement], paragraph: int) -> Who | None:
    """An unattributed quotation continues the speaker of the quotation just before it."""
    for st in reversed(statements):
        if paragraph - st.paragraph <= 1 and st.kind in {"direct", "partial"}:
            return st.who
        break
    return None


def _kind(body: str, sent: Span, q, who: Who | None) -> str:
    if who and who.kind == "document":
        return "document"
    inner = body[q.start : q.end].lstrip("([")
    prefix = body[sent.start : q.marks.start].rstrip()
    starts_clause = not prefix or prefix.endswith((":", ".", "”", '"', "?", "!"))
    if prefix.endswith(",") and not re.search(r"\baccording to\b[^,]*,$", prefix, re.I):
        starts_clause = True
        if prefix[:1] in '"“«‘':
            return "direct"  # '"We are ready," he said, "but ...": the same quotation goes on
    return "direct" if inner[:1].isupper() and starts_clause else "partial"


def _read_cue(st, region, cue, pub, matcher, last_event, outlet_name, knowledge):
    """Date, event, medium and relay from the words around the reporting verb."""
    st.time = dates.time_cue(region, pub)
    for phrase in dates.event_phrases(region):
        event = matcher.at(phrase, st.time, last_event)
        if event:
            st.event, st.event_at = event.slug, True
            break
    if st.time and st.time.date:
        st.date = st.time.date
    elif st.event:
        st.date = knowledge.events_by_slug[st.event].last_date
    if not st.event and st.date:
        st.proposed = dates.propose_event(region, st.date)
    medium = _MEDIUM_RE.search(region)
    if medium:
        st.medium = (medium.group("m") or medium.group("pc") or medium.group("sm") or "").strip()
        if st.medium and st.medium == outlet_name and st.date is None and pub:
            st.date = pub  # an interview given to this outlet: said when published
    if cue.relay:
        st.relayed_by = knowledge.outlet_for_name(_outlet_words(cue.relay, knowledge))


def _outlet_words(np: str, knowledge: Knowledge) -> str:
    match = knowledge.outlet_re.search(np) if knowledge.outlet_re else None
    return match.group() if match else np


def _last_event(mentions, pos):
    before = [m for m in mentions if m[0] <= pos]
    return before[-1][1] if before else None


def _unique(found: list[Statement]) -> list[Statement]:
    seen, out = set(), []
    for st in sorted(found, key=lambda s: (s.start, s.end)):
        if (st.start, st.end) in seen:
            continue
        if st.kind == "indirect" and any(
            o.kind != "indirect" and o.start <= st.start and st.end <= o.end + 1 for o in found
        ):
            continue  # the reported clause is the quotation itself
        seen.add((st.start, st.end))
        out.append(st)
    return out
