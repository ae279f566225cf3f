"""Find who-said-what cues in a sentence: reporting verbs, their subjects and reported clauses.

Works on the sentence with quotations masked, so a verb inside a quotation is never a cue and
commas inside it never split a phrase. Recognises wire-copy shapes:

- clause-final: "<clause>, Russian Foreign Minister Sergey Lavrov told Sputnik."
- inverted: "<clause>, said Lavrov." and '"...," said the minister.'
- that-clause: "The diplomat added that <clause>."; "told RT on Thursday that <clause>"
- object: "Putin urged NATO to <...>"; "the alliance reaffirmed <...>"
- relayed: "<clause>, RIA Novosti quoted Lavrov as saying on Jan. 13."
- "According to <speaker>, <clause>" and a trailing ", adding that <clause>".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from articles.ingestion.speakers import GENERIC_ROLES, SPECIFIC_ROLES, tidy

ROLE_HEADS = GENERIC_ROLES | SPECIFIC_ROLES

VERBS = (
    r"said|says|say|told|tells|stressed|stresses|noted|added|adds|explained|explains|"
    r"outlined|emphasi[sz]ed|emphasi[sz]es|underlined|underscored|pointed out|points out|"
    r"reiterated|reiterates|recalled|warned|warns|insisted|insists|argued|argues|claimed|"
    r"stated|declared|announced|announces|urged|urges|called on|calls on|suggested|"
    r"suggests|proposed|reaffirmed|reaffirms|highlighted|mentioned|assured|believes|remarked|"
    r"commented|asserted|acknowledged|admitted|confirmed|wrote|writes|replied|answered|"
    r"informed|reminded|observed|concluded|complained|vowed|pledged|reads|stipulates|"
    r"quoted|cited|predicted|signalled|signaled|hoped|expects|expected|asked|asks"
)
_VERB_RE = re.compile(rf"(?<![\w-])(?:{VERBS})(?![\w-])")
# Verbs whose object is the statement: "urged NATO to ...", "reaffirmed its policy".
OBJECT_VERBS = {
    "urged", "urges", "called on", "calls on", "emphasized", "emphasised", "underlined",
    "underscored", "reaffirmed", "reaffirms", "reiterated", "reiterates", "pointed out",
    "points out", "highlighted", "proposed", "suggested", "stressed", "demanded",
}  # fmt: skip
PARTICIPLES = (
    r"adding|noting|saying|stressing|reiterating|explaining|warning|insisting|arguing|"
    r"recalling|pointing out|emphasi[sz]ing|underlining"
)
_PARTICIPLE_RE = re.compile(rf",\s+(?:{PARTICIPLES})\s+(?:that\s+)?")
_NOT_OBJECT = re.compile(
    r"^\s+(?:that|on|in|at|to|during|last|this|after|before|earlier|later|yesterday|today|"
    r"with|from|by|as|when|while|if|the\s+following)\b|^\s*[,.;:!?]|^\s*$"
)
_THAT_RE = re.compile(r"^(?P<mid>[^_.;:!?]{0,90}?)\bthat\s+")
SAY_VERBS = {
    "said", "says", "added", "warned", "stressed", "noted", "believes", "insisted", "told", "tells",
}  # fmt: skip
_ADJUNCT = (
    r"(?:on\s+\w+day|last\s+\w+|this\s+\w+|yesterday|today|earlier|later|again|also|"
    r"journalists|reporters|the press|the media|lawmakers|in a "
    r"statement|in an interview(?:\s+with\s+[\w\-]+(?:\s+[A-Z][\w\-]*)*)?|on [A-Z][a-z]+\.?\s+\d+)"
)
_ZERO_THAT_RE = re.compile(
    rf"^(?P<mid>(?:,?\s+{_ADJUNCT})*,?)\s+(?=(?:the|a|an|his|her|its|their|it|he|she|they|"
    r"we|[A-Z][\w’'.\-]*|\d[\d,.]*)(?:\s+\S+){2,})"
)
# Verbs with a person between them and "that": "told RT on Thursday that", "informed Putin that".
TELL_VERBS = {"told", "tells", "informed", "assured", "warned", "reminded", "quoted"}
_DETERMINER_RE = re.compile(r"^\s*(?:the|a|an|its|his|her|their|our|this|these|those)\b", re.I)
_PREPOSITION_OPENER_RE = re.compile(
    r"^(?:over|during|on|in|at|after|before|following|under|with|amid|for|earlier|later|as|"
    r"despite|according|asked|when|while|speaking|commenting|responding|referring|answering|"
    r"addressing)\b[^,]*,?$",
    re.I,
)
_NEXT_VERB_RE = re.compile(rf",?\s+and\s+(?=(?:[a-z]+\s+){{0,2}}(?:{VERBS})\b)")
_OPENERS = re.compile(
    r"^(?:however|meanwhile|at the same time|in turn|earlier|moreover|also|still|yet|but|and|"
    r"nevertheless|in addition|furthermore|separately|besides|so|thus|therefore)\b[,\s]*",
    re.I,
)
_ACCORDING_RE = re.compile(r"(?:^|,\s+)according to\s+(?P<np>[^,_]{2,120}?),\s+", re.I)
_SUBJECT_RE = re.compile(
    r"^(?P<np>(?:[\w\-’'.]+\s+){0,6}?[\w\-’'.]+?)\s+(?=(?:[a-z]+ed|[a-z]+[^s']s|is|was|has|had)\b)"
)
_COLON_RE = re.compile(r"^(?P<np>[A-Z][^_,;:.]{1,80}?):\s*_")
_STATED_BY_RE = re.compile(
    r"^(?:This|That|It|These|Such)\s+(?:\w+\s+)?(?:was|were|has been)\s+(?:stated|said|announced|"
    r"noted|declared|reported|written|emphasi[sz]ed|stressed|underlined)\s+by\s+(?P<np>[^,_]{2,120}?)"
    r"(?=\s+(?:at|on|in|during|to|after|before|while|when|speaking)\b|\s*[,.;]|\s*$)"
)
_ASIDE_RE = re.compile(
    r"^\s*(?:[a-z]+ing|asked|who|which|when|while|in|at|on)\b(?:(?!\bthat\b)[^_])*$"
)
_APPOSITIVE_RE = re.compile(r"^,\s+(?P<role>(?:the|a|an)\s+[^,.;_]{2,80}?)\s*(?=[.;]?$|,)", re.I)
_RELAY_TAIL_RE = re.compile(r",\s+according to\s+(?P<np>[^,_]{2,80}?)[.\s]*$", re.I)
_AS_SAYING_RE = re.compile(r"^\s+(?P<np>[^,_]{2,120}?)\s+as\s+(?:saying|telling\s+[^,._]+)")
_INVERTED_NP_RE = re.compile(
    r"^\s+(?P<np>(?:the\s+|a\s+)?[A-Za-z][^,.;:_]*?)(?=\s*(?:[,.;:!?]|$)|\s+(?:on|in|at|to|"
    r"during|after|last|this|as|yesterday|today|earlier|who|told)\b)"
)


@dataclass
class Cue:
    """One attribution in a sentence. Offsets are body offsets."""

    verb: str
    verb_start: int
    verb_end: int
    np: str
    np_start: int
    relay: str = ""  # the outlet NP of "X quoted Y as saying"
    region: tuple[int, int] = (0, 0)  # where time, place and medium cues are read
    clauses: list[tuple[int, int]] = field(default_factory=list)  # reported clauses
    according: bool = False


def mask(body: str, start: int, end: int, quotes: list[tuple[int, int]]) -> str:
    """The sentence with every quotation (marks included) replaced by underscores."""
    chars = list(body[start:end])
    for a, b in quotes:
        for i in range(max(a, start), min(b, end)):
            chars[i - start] = "_"
    return "".join(chars)


def find_cues(body: str, start: int, end: int, quotes: list[tuple[int, int]]) -> list[Cue]:
    """Every attribution cue of the sentence body[start:end]."""
    m = mask(body, start, end, quotes)
    cues: list[Cue] = []
    according = _ACCORDING_RE.search(m)
    if according:
        clause_start = according.end()
        cue = Cue(
            "according to",
            start + according.start(),
            start + according.start("np"),
            according.group("np"),
            start + according.start("np"),
            region=(start, start + according.end()),
            according=True,
        )
        _add_clause(cue, body, m, start, clause_start, len(m))
        cues.append(cue)
    colon = _COLON_RE.match(m)
    if colon:  # 'Deputy Foreign Minister Sergei Ryabkov: "..."'
        at = start + colon.end("np")
        cues.append(Cue(":", at, at + 1, colon.group("np"), start, region=(start, at + 1)))
    consumed = -1
    for verb in _VERB_RE.finditer(m):
        if verb.start() < consumed:
            continue
        cue = _cue_for_verb(body, m, start, verb)
        if cue:
            cues.append(cue)
            consumed = max([cue.region[1] - start] + [b - start for _, b in cue.clauses])
    participle = _PARTICIPLE_RE.search(m)
    if participle and participle.start() >= consumed:
        # "The diplomat stopped short of naming deadlines, reiterating that ...": the subject
        # of the sentence reports, though its own verb does not.
        subject = _SUBJECT_RE.match(m)
        if subject and not cues:
            cue = Cue("", start + subject.end(), start + subject.end(), subject.group("np"), start)
            cue.region = (start, start + participle.end())
            _add_clause(cue, body, m, start, participle.end(), len(m))
            cues.append(cue)
    return cues


def subject_of(sentence: str) -> str | None:
    """The noun phrase before the sentence's first verb-like word, if it has one."""
    found = _SUBJECT_RE.match(sentence)
    return found.group("np") if found else None


def stated_by(
    body: str, previous: tuple[int, int], sentence: tuple[int, int], quotes
) -> Cue | None:
    """ "<statement>. This was stated by <speaker> at ...": the previous sentence is reported."""
    m = mask(body, sentence[0], sentence[1], quotes)
    found = _STATED_BY_RE.match(m)
    if not found:
        return None
    np_start = sentence[0] + found.start("np")
    cue = Cue("stated by", sentence[0], np_start, found.group("np"), np_start)
    cue.region = sentence
    _add_clause(cue, body, mask(body, *previous, quotes), previous[0], 0, previous[1] - previous[0])
    return cue


def _segments(left: str) -> list[tuple[int, int]]:
    """Comma- and quotation-separated pieces of ``left`` as (start, end), left to right."""
    pieces, begin = [], 0
    for sep in re.finditer(r",|_+", left):
        pieces.append((begin, sep.start()))
        begin = sep.end()
    pieces.append((begin, len(left)))
    return pieces


def _np_ish(text: str) -> bool:
    words = text.split()
    if not words or len(words) > 16 or "_" in text:
        return False
    return all(w[0].isupper() or w in {"of", "the", "and", "in", "to", "on", "for"} for w in words)


def _role_phrase(text: str) -> bool:
    """ "The Kremlin's spokesman", "Her deputy": a role before a name, set off by commas."""
    words = text.split()
    if not words or len(words) > 8 or "_" in text:
        return False
    if not (words[0][0].isupper() or words[0].lower() in {"the", "his", "her", "its", "their"}):
        return False
    return any(re.sub(r"['’]s$", "", w.lower()) in ROLE_HEADS for w in words)


def _cue_for_verb(body: str, m: str, base: int, verb: re.Match) -> Cue | None:
    name = verb.group()
    left = m[: verb.start()]
    after_start = verb.end()
    pieces = _segments(left)
    # The subject: the last piece once adverbs are gone ("Moscow, meanwhile, once again pointed
    # out" -> "Moscow"); a comma right before the verb closes an appositive ("Konstantin
    # Gavrilov, told") unless what precedes is a clause or a quotation ("..., said Lavrov").
    np_piece = None
    for index, (a, b) in reversed(list(enumerate(pieces))):
        if index and left[b : b + 1] == "," and _ASIDE_RE.match(left[a:b]):
            continue  # "Ryabkov, speaking separately, said": an aside between subject and verb
        if tidy(left[a:b]):
            np_piece = (a, b)
            break
    inverted = np_piece is None
    if np_piece is not None and left[np_piece[1] :].strip():
        piece = left[np_piece[0] : np_piece[1]]
        inverted = not (_np_ish(piece) or _role_phrase(piece))
    relay = ""
    if name in {"quoted", "cited"}:
        as_saying = _AS_SAYING_RE.match(m[after_start:])
        if not as_saying or np_piece is None:
            return None
        relay = left[np_piece[0] : np_piece[1]].strip()
        np_text, np_start = as_saying.group("np"), after_start + as_saying.start("np")
        after_start += as_saying.end()
        subject_start = np_piece[0]
    elif inverted:
        found = _INVERTED_NP_RE.match(m[after_start:])
        if not found:
            return None
        np_text, np_start = found.group("np"), after_start + found.start("np")
        after_start += found.end()
        subject_start = verb.start()
        # '..., said Maria Zakharova, the Foreign Ministry spokeswoman.': keep the role.
        appositive = _APPOSITIVE_RE.match(m[after_start:])
        if appositive and _role_phrase(appositive.group("role")):
            np_text = m[np_start : after_start + appositive.end("role")]
            after_start += appositive.end()
    else:
        np_text, np_start = left[np_piece[0] : np_piece[1]], np_piece[0]
        subject_start = np_start
    np_end = np_piece[1] if np_piece and not inverted and name not in {"quoted", "cited"} else 0
    np_start += len(np_text) - len(np_text.lstrip())
    np_text = np_text.strip()
    if not np_text or len(np_text.split()) > 16:
        return None
    if re.search(r"\b(?:that|which|who|when|if|because)\b", np_text):
        return None
    clause_end = len(m)
    after = m[after_start:]
    participle = _PARTICIPLE_RE.search(after)
    if participle:
        clause_end = after_start + participle.start()
        after = m[after_start:clause_end]
    cue = Cue(name, base + verb.start(), base + verb.end(), np_text, base + np_start, relay=relay)
    that = _THAT_RE.match(after) if name not in {"quoted", "cited"} else None
    if that and "," in that.group("mid").split("that")[0][:2]:
        that = None  # "The talks, he said, had shown that ...": parenthetical, not "said that"
    if that and name not in TELL_VERBS:
        mid = that.group("mid")
        if len(mid.split()) > 6 or _DETERMINER_RE.match(mid):
            that = None  # "emphasized the responsibility that ...": a relative clause
    if not inverted and name not in {"quoted", "cited"}:
        # Extend over an appositive: "Head of the Russian Delegation ..., Konstantin Gavrilov"
        # or "The Kremlin's spokesman, Dmitry Peskov".
        head = m[:subject_start].rstrip()
        while head.endswith(","):
            a, b = _segments(head[:-1])[-1]
            if not (_np_ish(m[a:b]) or _role_phrase(m[a:b])):
                break
            subject_start = a + len(m[a:b]) - len(m[a:b].lstrip())
            head = m[:subject_start].rstrip()
        cue.np_start = base + subject_start
        cue.np = body[cue.np_start : base + np_end].strip(" ,")
    before = m[:subject_start].rstrip()
    opener_free = _OPENERS.sub("", before.replace("_", " _ ").strip(" ,"))
    clause_final = before.endswith((",", "_")) and ("_" in before or len(opener_free.split()) >= 3)
    if clause_final and "_" not in before and _PREPOSITION_OPENER_RE.match(opener_free):
        clause_final = False  # "Over the course of the meeting, Russia reiterated ..."
    is_object = name in OBJECT_VERBS and not _NOT_OBJECT.match(after)
    zero_that = None
    if not that and not is_object and name in SAY_VERBS and not clause_final:
        # "Cleverly said the government was working ...": the reported clause without "that".
        zero_that = _ZERO_THAT_RE.match(after)
    if zero_that:
        that = zero_that
    if that:
        clause_start = after_start + that.end()
        cue.region = (base, base + clause_start)
        _add_clause(cue, body, m, base, clause_start, clause_end)
    elif is_object:
        clause_start = after_start + len(after) - len(after.lstrip())
        cue.region = (base, base + clause_start)
        _add_clause(cue, body, m, base, clause_start, clause_end)
    elif clause_final and re.match(r"^[^,]*,\s*\S", after):
        # "The talks, Peskov said on Tuesday, were useful": a parenthetical attribution; the
        # statement is not one contiguous span, so only quotations in it are recorded.
        cue.region = (base + subject_start, base + clause_end)
    elif clause_final:
        clause_to = len(before.rstrip(","))
        cue.region = (base + (verb.start() if inverted else subject_start), base + clause_end)
        _add_clause(cue, body, m, base, 0, clause_to)
    else:
        cue.region = (base, base + clause_end)
    if participle:
        _add_clause(cue, body, m, base, after_start + participle.end(), len(m))
    return cue


def _add_clause(cue: Cue, body: str, m: str, base: int, a: int, b: int) -> None:
    """Record m[a:b] as a reported clause, trimmed; split at ", and <reporting verb>"."""
    text = m[a:b]
    relay = _RELAY_TAIL_RE.search(text)
    if relay:  # "..., according to the Interfax news agency.": who relayed it, not what was said
        cue.relay = cue.relay or relay.group("np")
        b = a + relay.start()
        text = m[a:b]
    nxt = _NEXT_VERB_RE.search(text)
    if nxt:
        _add_clause(cue, body, m, base, a, a + nxt.start())
        rest = text[nxt.end() :]
        that = re.search(r"\bthat\s+", rest)
        verb = _VERB_RE.match(rest)
        if that:
            _add_clause(cue, body, m, base, a + nxt.end() + that.end(), b)
        elif verb and verb.group() in OBJECT_VERBS and not _NOT_OBJECT.match(rest[verb.end() :]):
            _add_clause(cue, body, m, base, a + nxt.end() + verb.end() + 1, b)
        return
    opener = _OPENERS.match(text)
    while opener and opener.end():
        a += opener.end()
        text = m[a:b]
        opener = _OPENERS.match(text)
    stripped = text.rstrip()
    b = a + len(stripped)
    a += len(text) - len(text.lstrip())
    original = body[base + a : base + b]
    # A full stop ends the sentence, not the statement, unless a quotation closes after it.
    while original and (original[-1] in ".,;:!?—–-" or original[-1].isspace()) and b > a:
        b -= 1
        original = original[:-1]
    masked = m[a:b].replace("_", "")
    if len(masked.split()) < 3 and "_" not in m[a:b]:
        return
    if not masked.strip(" ,.;:") and m[a:b].strip("_ ,.") == "":
        return  # the clause is nothing but a quotation: recorded as such, not as reported speech
    cue.clauses.append((base + a, base + b))
