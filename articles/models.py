"""The archive's data model: who said what, when, at which negotiation, and where it is written.

Actors come at two levels: a Speaker (a person, or a non-person voice such as a ministry or a
draft treaty) speaks for a Party (a state, alliance or organisation). Filtering by actor means
either level.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q, signals
from django.db.models.base import ModelState
from django.db.models.functions import Length, Lower

from articles import querysets
from articles.links import route_url


class ReviewStatus(models.TextChoices):
    # Curated records are reviewed; machine-made ones (ingestion) start unreviewed and an editor
    # confirms them in the admin's review queue.
    REVIEWED = "reviewed", "Reviewed"
    UNREVIEWED = "unreviewed", "Unreviewed"


class LoadedRow:
    """A model whose rows read from the database skip ``Model.__init__`` (Django's documented
    ``from_db`` hook), as long as nothing listens for its init signals.

    ``Model.__init__`` checks every field and sends pre_init and post_init for each row: about
    25 us an instance on the benchmark machine, where a list page makes two per row (a quote and
    its article), about 1 ms of a 20-row page. The instance is what ``Model.__init__`` makes of
    a row: the loaded columns in its ``__dict__`` by attribute name (deferred ones absent, read
    on first access), and a state saying it came from ``db``.
    """

    @classmethod
    def from_db(cls, db, field_names, values):
        if signals.pre_init.has_listeners(cls) or signals.post_init.has_listeners(cls):
            return super().from_db(db, field_names, values)
        new = cls.__new__(cls)
        new.__dict__.update(zip(field_names, values, strict=True))
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        return new


class Outlet(LoadedRow, models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    url = models.URLField(blank=True)
    country = models.CharField(max_length=100, blank=True)

    objects = querysets.OutletQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="outlet_slug_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return route_url("articles:quote-list") + f"?outlet={self.slug}"


class Party(LoadedRow, models.Model):
    """A state, alliance or international organisation on whose behalf speakers speak."""

    class Kind(models.TextChoices):
        STATE = "state", "State"
        ALLIANCE = "alliance", "Alliance"
        ORGANISATION = "organisation", "International organisation"
        UNION = "union", "Union of states"

    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=50, blank=True)
    slug = models.SlugField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind)

    objects = querysets.PartyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"
        constraints = [models.UniqueConstraint(fields=["slug"], name="party_slug_unique")]

    def __str__(self):
        return self.short_name or self.name

    def get_absolute_url(self):
        return route_url("articles:quote-list") + f"?party={self.slug}"


class Speaker(LoadedRow, models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        INSTITUTION = "institution", "Institution or government"
        DOCUMENT = "document", "Document"

    name = models.CharField(max_length=200, help_text="Canonical name as the archive spells it.")
    slug = models.SlugField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PERSON)
    role = models.CharField(max_length=300, blank=True, help_text="Role or title when speaking.")
    organisation = models.CharField(max_length=200, blank=True)
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="speakers", null=True, blank=True
    )
    description = models.TextField(blank=True)
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus, default=ReviewStatus.REVIEWED
    )

    objects = querysets.SpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="speaker_slug_unique")]
        indexes = [
            models.Index(fields=["name"], name="speaker_name_idx"),
            # Search suggests speakers by name, whatever the case (articles/search.py).
            models.Index(Lower("name"), name="speaker_name_lower_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return route_url("articles:speaker-detail", "slug", self.slug)


class SpeakerAlias(models.Model):
    """Another spelling of a speaker's name (Sergei Lavrov for Sergey Lavrov)."""

    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "speaker aliases"
        constraints = [
            models.UniqueConstraint(fields=["speaker", "name"], name="speakeralias_unique_name")
        ]
        indexes = [
            models.Index(fields=["name"], name="speakeralias_name_idx"),
            models.Index(Lower("name"), name="speakeralias_name_lower_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.speaker.get_absolute_url()


class NegotiationFormat(models.TextChoices):
    BILATERAL_RUSSIA_US = "bilateral-russia-us", "Bilateral Russia–US"
    NATO_RUSSIA_COUNCIL = "nato-russia-council", "NATO–Russia Council"
    OSCE = "osce", "OSCE"
    LEADERS = "leaders", "Leaders’ call or summit"
    MINISTERIAL = "ministerial", "Ministerial meeting"
    UNILATERAL = "unilateral", "Unilateral proposal or publication"
    MULTILATERAL = "multilateral", "Multilateral forum or other"


class Event(LoadedRow, models.Model):
    class Kind(models.TextChoices):
        NEGOTIATION_ROUND = "negotiation-round", "Negotiation round"
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        SUMMIT = "summit", "Summit"
        PUBLICATION = "publication", "Publication"
        SPEECH = "speech", "Speech or ceremony"
        OTHER = "other", "Other"

    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120)
    kind = models.CharField(max_length=30, choices=Kind)
    format = models.CharField(max_length=30, choices=NegotiationFormat)
    start_date = models.DateField()
    end_date = models.DateField(
        null=True, blank=True, help_text="Only for events over several days."
    )
    place = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    parties = models.ManyToManyField(Party, related_name="events", blank=True)
    participants = models.ManyToManyField(Speaker, related_name="events_attended", blank=True)
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus, default=ReviewStatus.REVIEWED
    )

    objects = querysets.EventQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="event_slug_unique"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="event_date_range_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["start_date"], name="event_start_idx"),
            models.Index(fields=["format", "start_date"], name="event_format_start_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return route_url("articles:event-detail", "slug", self.slug)


class DateBasis(models.TextChoices):
    STATED = "stated", "Stated in the text"
    YEAR_INFERRED = "year-inferred", "Stated without a year; year inferred"
    CONTENT_INFERRED = "content-inferred", "Inferred from the content"
    UNKNOWN = "unknown", "Unknown"


class Article(LoadedRow, models.Model):
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="articles",
        null=True,
        blank=True,
        help_text="Empty when the copy does not say who published it.",
    )
    headline = models.CharField(max_length=500)
    slug = models.SlugField(max_length=120)
    standfirst = models.TextField(blank=True)
    dateline_place = models.CharField(max_length=100, blank=True)
    published = models.DateField(null=True, blank=True)
    date_basis = models.CharField(max_length=20, choices=DateBasis, default=DateBasis.UNKNOWN)
    date_note = models.CharField(
        max_length=500, blank=True, help_text="How the publication date was established."
    )
    body = models.TextField(help_text="Cleaned text: paragraphs kept, boilerplate removed.")
    raw_text = models.TextField(help_text="The source document exactly as received.")
    source_file = models.CharField(max_length=255, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the raw text; the same document loads only once."
    )
    events = models.ManyToManyField(Event, related_name="articles", blank=True)
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus, default=ReviewStatus.REVIEWED
    )
    # Written by database triggers only (migrations 0003-0004, articles/search.py); NULL on SQLite,
    # which searches FTS5 tables instead. Its GIN index is made by those migrations on PostgreSQL
    # alone, not declared in Meta, because SQLite rebuilds declared indexes on table rewrites.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = querysets.ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="article_slug_unique"),
            models.UniqueConstraint(fields=["content_hash"], name="article_content_hash_unique"),
            models.CheckConstraint(
                condition=Q(published__isnull=False) | Q(date_basis="unknown"),
                name="article_date_has_basis",
            ),
        ]
        indexes = [models.Index(fields=["published", "id"], name="article_published_idx")]

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return route_url("articles:article-detail", "slug", self.slug)


class Quote(LoadedRow, models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct quotation"
        PARTIAL = "partial", "Partial quotation"
        INDIRECT = "indirect", "Indirect (reported) speech"
        DOCUMENT = "document", "Quoted document text"

    text = models.TextField(help_text="Exactly the characters at start:end of the article body.")
    speaker = models.ForeignKey(Speaker, on_delete=models.PROTECT, related_name="quotes")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="quotes")
    kind = models.CharField(max_length=20, choices=Kind)
    start = models.PositiveIntegerField(help_text="Character offset in the article body.")
    end = models.PositiveIntegerField(help_text="Character offset just past the quote.")
    said_on = models.DateField(
        null=True, blank=True, help_text="When it was said; may precede publication."
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, related_name="quotes", null=True, blank=True
    )
    medium = models.CharField(
        max_length=200, blank=True, help_text='Where it was said, when stated ("Rossiya-24").'
    )
    relayed_by = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="relayed_quotes",
        null=True,
        blank=True,
        help_text='The agency the article took it from ("RIA Novosti quoted…").',
    )
    same_as = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        related_name="also_reported",
        null=True,
        blank=True,
        help_text="The same statement as reported by another article.",
    )
    note = models.TextField(blank=True)
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus, default=ReviewStatus.REVIEWED
    )
    # The event's negotiation format, copied onto the row by triggers (migration 0008) so the
    # list by format walks its own (format, date) index: filtering on the joined event walked
    # the date index past 18,000 rows of other formats at 1M quotes. Never written by Python.
    # NULL, not "", for a quote without an event: what the join gave, and facets skip NULLs.
    event_format = models.CharField(  # noqa: DJ001
        max_length=30, choices=NegotiationFormat, null=True, blank=True, editable=False
    )
    # The speaker's party, copied the same way (migration 0009): the list by party and its
    # facet read the quote row and its (party, date) index instead of joining every speaker.
    speaker_party = models.ForeignKey(
        Party,
        on_delete=models.DO_NOTHING,  # a party with speakers is protected through them
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        db_index=False,  # quote_party_date_idx starts with it
        # The trigger copies it from the speaker, whose own party_id is constrained; without a
        # constraint of its own SQLite can also drop the column in place when 0009 is reversed.
        db_constraint=False,
    )
    # The article's outlet, copied the same way (migration 0010): the outlet facet groups the
    # quote row instead of joining every matching quote's article, and the list by outlet walks
    # its own (outlet, date) index.
    article_outlet = models.ForeignKey(
        Outlet,
        on_delete=models.DO_NOTHING,  # an outlet with articles is protected through them
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        db_index=False,  # quote_outlet_date_idx starts with it
        db_constraint=False,
    )
    # Quote text, speaker names and headline, weighted A-C (the body is searched through
    # Article.search_vector); kept by triggers because a generated column cannot read other
    # tables. Migrations 0003-0004, articles/search.py.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = querysets.QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["-said_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="quote_start_before_end"),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("text")), name="quote_offsets_match_text"
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end", "kind"], name="quote_unique_span"
            ),
        ]
        indexes = [
            models.Index(fields=["said_on", "id"], name="quote_said_on_idx"),
            models.Index(fields=["speaker", "said_on", "id"], name="quote_speaker_date_idx"),
            models.Index(fields=["event", "said_on", "id"], name="quote_event_date_idx"),
            models.Index(fields=["article", "start"], name="quote_article_start_idx"),
            models.Index(fields=["kind", "said_on", "id"], name="quote_kind_date_idx"),
            models.Index(fields=["event_format", "said_on", "id"], name="quote_format_date_idx"),
            models.Index(fields=["speaker_party", "said_on", "id"], name="quote_party_date_idx"),
            models.Index(fields=["article_outlet", "said_on", "id"], name="quote_outlet_date_idx"),
        ]

    def __str__(self):
        text = self.text if len(self.text) <= 80 else self.text[:77] + "…"
        return f"{self.speaker}: {text}"

    def get_absolute_url(self):
        return route_url("articles:quote-detail", "pk", self.pk)
