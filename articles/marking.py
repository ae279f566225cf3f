"""Article text as HTML with every statement marked in place, from the quotes' offsets.

Statements overlap: an indirect statement can contain a partial quotation that is recorded on its
own. Nested elements cannot express spans that cross, so the body is cut at every quote boundary
into segments; each segment is marked once, linked to the shortest statement covering it, and
its depth (how many statements cover it) is a CSS class. An empty anchor at each statement's
first character is what the permalink's ``#q-<id>`` points to. Everything is escaped.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# A sentence ends at . ! ? or … (with any closing quotes or brackets) and the space after it,
# or at a paragraph break; the match ends where the next sentence starts.
_SENTENCE_END = re.compile(r"[.!?…][\"”’»)\]]*\s+|\n\s*\n\s*")
CONTEXT_CHARS = 600


def anchor_id(quote) -> str:
    return f"q-{quote.pk}"


def _segment_html(text: str, covering: list, current_pk: int | None) -> str:
    html = escape(text).replace("\n", "<br>")
    if not covering:
        return html
    inner = min(covering, key=lambda q: (q.end - q.start, q.pk))
    classes = ["quote", f"depth-{min(len(covering), 3)}"]
    if current_pk is not None and any(q.pk == current_pk for q in covering):
        classes.append("current")
    title = f"{inner.speaker.name}, {inner.get_kind_display().lower()}"
    return (
        f'<mark class="{" ".join(classes)}"><a href="{escape(inner.get_absolute_url())}" '
        f'title="{escape(title)}">{html}</a></mark>'
    )


def mark_quotes(body: str, quotes, *, current_pk: int | None = None) -> SafeString:
    """``body`` as ``<p>`` paragraphs with each quote's characters marked and linked."""
    quotes = [q for q in quotes if 0 <= q.start < q.end <= len(body)]
    starts, ends = defaultdict(list), defaultdict(list)
    for quote in sorted(quotes, key=lambda q: (q.start, -q.end, q.pk)):
        starts[quote.start].append(quote)
        ends[quote.end].append(quote)
    bounds = sorted({0, len(body), *starts, *ends})
    active: dict[int, object] = {}
    out = ["<p>"]
    for a, b in zip(bounds, bounds[1:], strict=False):
        for quote in ends.get(a, ()):
            active.pop(quote.pk, None)
        for quote in starts.get(a, ()):
            active[quote.pk] = quote
            out.append(f'<span class="anchor" id="{anchor_id(quote)}"></span>')
        covering = list(active.values())
        for i, part in enumerate(_PARAGRAPH_BREAK.split(body[a:b])):
            if i:
                out.append("</p>\n<p>")
            if part:
                out.append(_segment_html(part, covering, current_pk))
    out.append("</p>")
    return mark_safe("".join(out))


def context_of(body: str, start: int, end: int) -> tuple[str, str, str]:
    """The quote with the sentence before it and the rest of its sentence plus the next one."""
    window_start = max(0, start - CONTEXT_CHARS)
    before = body[window_start:start]
    cuts = [m.end() for m in _SENTENCE_END.finditer(before)]
    # The sentence holding the quote's start, and the one before it.
    if len(cuts) >= 2:
        before = before[cuts[-2] :]
    elif window_start > 0 and cuts:
        before = before[cuts[0] :]
    after = body[end : end + CONTEXT_CHARS]
    stops = [m.end() for m in _SENTENCE_END.finditer(after)]
    # The rest of the sentence holding the quote's end, and the next one.
    if len(stops) >= 2:
        after = after[: stops[1]]
    elif end + CONTEXT_CHARS < len(body) and stops:
        after = after[: stops[0]]
    before, after = before.lstrip(), after.rstrip()
    lead = "…" if start - len(before) > 0 else ""
    tail = "…" if end + len(after) < len(body.rstrip()) else ""
    return lead + before, body[start:end], after + tail
