"""Write one extraction to the database, in one transaction.

- The same document (same SHA-256 of its bytes) a second time changes nothing.
- Known speakers are found through their names and aliases; a person the archive does not know
  becomes a new, unreviewed speaker with the role the text gives.
- Everything made here is unreviewed; nothing reviewed is ever changed. A new version of an
  article (same URL, other bytes) replaces the old one only while nobody has reviewed it.
- A statement already archived from another outlet is linked to it through ``same_as``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from articles.ingestion import dedupe
from articles.ingestion.pipeline import Extraction
from articles.ingestion.speakers import Who
from articles.models import Article, Event, Outlet, Quote, ReviewStatus, Speaker

UNATTRIBUTED = "unattributed"


@dataclass
class WriteResult:
    article: Article | None
    created: bool
    message: str
    quotes: int = 0
    linked: int = 0
    speakers_new: list[str] = field(default_factory=list)


def unique_slug(model, text: str, limit: int = 100) -> str:
    base = slugify(text)[:limit].rstrip("-") or model._meta.model_name
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def write_extraction(
    extraction: Extraction, *, content_hash: str, source_file: str = ""
) -> WriteResult:
    """Archive the document and its statements; a no-op for a document already archived."""
    with transaction.atomic():
        existing = Article.objects.filter(content_hash=content_hash).first()
        if existing is not None:
            return WriteResult(existing, False, "already archived (same content); nothing changed")
        previous = None
        if extraction.url:
            previous = Article.objects.filter(source_url=extraction.url).first()
        if previous is not None:
            reviewed = (
                previous.review_status == ReviewStatus.REVIEWED
                or previous.quotes.filter(review_status=ReviewStatus.REVIEWED).exists()
            )
            if reviewed:
                return WriteResult(
                    previous,
                    False,
                    "an edited version of a reviewed article; kept the reviewed one unchanged",
                )
            previous.delete()
        article = _article(extraction, content_hash, source_file)
        speakers: dict[str, Speaker] = {}
        # Every event and relaying outlet the statements name, in one query each.
        events = Event.objects.in_bulk(
            {st.event for st in extraction.statements} - {None}, field_name="slug"
        )
        outlets = Outlet.objects.in_bulk(
            {st.relayed_by for st in extraction.statements} - {None}, field_name="slug"
        )
        created_speakers: list[str] = []
        quotes = []
        for st in extraction.statements:
            speaker = _speaker(extraction, st.who, speakers, created_speakers)
            quotes.append(
                Quote(
                    text=extraction.body[st.start : st.end],
                    speaker=speaker,
                    article=article,
                    kind=st.kind,
                    start=st.start,
                    end=st.end,
                    said_on=st.date,
                    event=events.get(st.event) or _proposed_event(st.proposed),
                    medium=st.medium[:200],
                    relayed_by=outlets.get(st.relayed_by),
                    note="Machine-made: " + "; ".join(st.basis) + "." if st.basis else "",
                    review_status=ReviewStatus.UNREVIEWED,
                )
            )
        linked = dedupe.link_duplicates(quotes)
        # SQLite and PostgreSQL both return the new primary keys from a bulk insert.
        Quote.objects.bulk_create(quotes)
        article.events.set(Event.objects.filter(slug__in=extraction.events))
        message = f"archived with {len(quotes)} statements"
        if not quotes:
            message = "archived; warning: no statements found"
        return WriteResult(article, True, message, len(quotes), linked, created_speakers)


def _article(extraction: Extraction, content_hash: str, source_file: str) -> Article:
    meta = extraction.meta
    outlet = None
    if meta.outlet and meta.outlet.startswith("new:"):
        name = meta.outlet[4:]
        outlet = Outlet.objects.filter(name__iexact=name).first() or Outlet.objects.create(
            name=name, slug=unique_slug(Outlet, name)
        )
    elif meta.outlet:
        outlet = Outlet.objects.filter(slug=meta.outlet).first()
    headline = extraction.headline[:500] or extraction.file or "Untitled"
    return Article.objects.create(
        outlet=outlet,
        headline=headline,
        slug=unique_slug(Article, headline, 80),
        standfirst=extraction.standfirst,
        dateline_place=meta.dateline_place[:100],
        published=meta.published,
        date_basis=meta.date_basis if meta.published else "unknown",
        date_note=meta.date_note[:500],
        body=extraction.body,
        raw_text=extraction.raw,
        source_file=source_file[:255],
        source_url=extraction.url,
        content_hash=content_hash,
        review_status=ReviewStatus.UNREVIEWED,
    )


def _speaker(extraction, who: Who | None, cache: dict, created: list[str]) -> Speaker:
    key = (who.key if who else None) or UNATTRIBUTED
    if key in cache:
        return cache[key]
    if who and who.slug:
        speaker = Speaker.objects.get(slug=who.slug)
    elif who and who.new:
        speaker = Speaker.objects.matching_name(who.new.name).first()
        if speaker is None:
            speaker = Speaker.objects.create(
                name=who.new.name[:200],
                slug=unique_slug(Speaker, who.new.name),
                kind=who.new.kind if who.new.kind in Speaker.Kind.values else "person",
                role=who.new.role[:300],
                review_status=ReviewStatus.UNREVIEWED,
            )
            created.append(speaker.name)
    else:
        # The database needs a speaker; an editor attributes these in the review queue.
        speaker, made = Speaker.objects.get_or_create(
            slug=UNATTRIBUTED,
            defaults={
                "name": "Unattributed",
                "kind": Speaker.Kind.INSTITUTION,
                "description": "Statements whose speaker the text does not name.",
                "review_status": ReviewStatus.UNREVIEWED,
            },
        )
        if made:
            created.append(speaker.name)
    cache[key] = speaker
    return speaker


def _proposed_event(proposed) -> Event | None:
    """A new, unreviewed event for a meeting the archive does not know (one per name and day)."""
    if proposed is None:
        return None
    slug = slugify(f"{proposed.name}-{proposed.date.isoformat()}")[:120]
    event, _ = Event.objects.get_or_create(
        slug=slug,
        defaults={
            "name": proposed.name[:300],
            "kind": proposed.kind,
            "format": "multilateral",
            "start_date": proposed.date,
            "place": proposed.place[:200],
            "description": "Proposed by ingestion from the words of a statement; to review.",
            "review_status": ReviewStatus.UNREVIEWED,
        },
    )
    return event
