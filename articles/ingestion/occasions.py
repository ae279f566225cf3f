"""Statements of one occasion: fill what a statement does not say from its neighbours.

A run of statements by one speaker is one occasion (one interview, one speech) unless a new time
cue says otherwise: undated ones take the run's date, event (when made at it), medium and relay.
"Meanwhile"/"in turn", the same paragraph and "also said" carry the date across speakers or
interruptions; a document's words date from its publication; and a statement that names an
event (by date, "this summit", its participants or the parties it dealt with) is about it.
"""

from __future__ import annotations

import re

from articles.ingestion import dates


def propagate(statements, matcher, knowledge, body) -> None:
    """Fill what a statement does not say from the statements of the same occasion."""
    runs: list[list] = []
    for st in statements:
        key = st.who.key if st.who else None
        if runs and key and runs[-1][0].who and runs[-1][0].who.key == key:
            runs[-1].append(st)
        else:
            runs.append([st])
    for run in runs:
        dated = [s for s in run if s.date]
        for st in run:
            if not st.date and dated:
                source = min(dated, key=lambda d: (d.start > st.start, abs(d.start - st.start)))
                st.date = source.date
                st.basis.append("date from the same speaker's other words here")
                if source.event_at and not st.event:
                    st.event, st.event_at = source.event, True
                st.proposed = st.proposed or (None if st.event else source.proposed)
            for attr in ("medium", "relayed_by"):
                if not getattr(st, attr):
                    # The nearest earlier statement of the run that names one, else a later one.
                    having = [s for s in run if getattr(s, attr) and s.date == st.date]
                    if having:
                        source = min(
                            having, key=lambda s: (s.start > st.start, abs(s.start - st.start))
                        )
                        setattr(st, attr, getattr(source, attr))
    for i, st in enumerate(statements):
        # "The minister also said ...": the same occasion as that speaker's last statement.
        if st.date or not st.cue or not re.search(r"\balso\b", st.cue.np) or not st.who:
            continue
        for earlier in reversed(statements[:i]):
            if earlier.who and earlier.who.key == st.who.key and earlier.date:
                st.date = earlier.date
                st.basis.append("date from the speaker's earlier words (“also”)")
                if earlier.event_at and not st.event:
                    st.event, st.event_at = earlier.event, True
                break
    previous = None
    for st in statements:
        same_occasion = previous and (st.connective or previous.paragraph == st.paragraph)
        vague = st.time and st.time.vague
        if not st.date and same_occasion and previous.date and not vague:
            st.date = previous.date
            st.basis.append("date from the statement before it")
            if previous.event_at and not st.event:
                st.event, st.event_at = previous.event, True
        if st.who and st.who.kind == "document" and not st.date:
            _document_date(st, matcher, knowledge)
        previous = st
    for st in statements:
        if st.event or st.who is None:
            continue
        party = knowledge.by_slug[st.who.slug].party if st.who.slug else None
        text = body[st.start : st.end]
        named = set()
        if knowledge.name_re:
            for m in knowledge.name_re.finditer(text):
                speaker = knowledge.speaker_for_name(m.group())
                if speaker and speaker.kind == "person":
                    named.add(speaker.slug)
        event = matcher.about(text, st.date, party, named)
        if event:
            st.event = event.slug


def _document_date(st, matcher, knowledge):
    """A document's words date from its publication: the known publication it matches."""
    speaker = knowledge.by_slug.get(st.who.slug) if st.who.slug else None
    if speaker is None:
        return
    words = dates.content_words(" ".join(speaker.names) + " " + speaker.role)
    best, score = None, 1
    for event in knowledge.events:
        if event.kind != "publication" or (matcher.pub and event.start_date > matcher.pub):
            continue
        overlap = len(words & event.words)
        if overlap > score:
            best, score = event, overlap
    if best:
        st.date, st.event, st.event_at = best.start_date, best.slug, True
        st.basis.append("date of the document's publication")
