"""The editors' admin: every model searchable, filterable and linked to its public page."""

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from articles.models import Article, Event, Outlet, Party, Quote, Speaker, SpeakerAlias


class PublicPageMixin:
    """Adds a "View on site" column linking to the record's public page."""

    @admin.display(description="Public page")
    def public_link(self, obj):
        return format_html('<a href="{}">view</a>', obj.get_absolute_url())


@admin.register(Outlet)
class OutletAdmin(PublicPageMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "country", "public_link"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Party)
class PartyAdmin(PublicPageMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "slug", "kind", "public_link"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}


class SpeakerAliasInline(admin.TabularInline):
    model = SpeakerAlias
    extra = 1


@admin.register(Speaker)
class SpeakerAdmin(PublicPageMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "role", "party", "review_status", "quote_count", "public_link"]
    list_filter = ["kind", "party", "review_status"]
    search_fields = ["name", "aliases__name", "role", "organisation"]
    autocomplete_fields = ["party"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SpeakerAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("party").annotate(n=Count("quotes"))

    @admin.display(description="Quotes", ordering="n")
    def quote_count(self, obj):
        return obj.n


@admin.register(Event)
class EventAdmin(PublicPageMixin, admin.ModelAdmin):
    list_display = ["name", "start_date", "format", "kind", "place", "review_status", "public_link"]
    list_filter = ["format", "kind", "parties", "review_status"]
    search_fields = ["name", "place", "description"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["parties", "participants"]
    prepopulated_fields = {"slug": ["name"]}


class QuoteInline(admin.StackedInline):
    model = Quote
    fk_name = "article"
    extra = 0
    autocomplete_fields = ["speaker", "event", "relayed_by", "same_as"]
    fields = [
        ("speaker", "kind", "review_status"),
        "text",
        ("start", "end"),
        ("said_on", "event"),
        ("medium", "relayed_by"),
        "same_as",
        "note",
    ]


@admin.register(Article)
class ArticleAdmin(PublicPageMixin, admin.ModelAdmin):
    list_display = ["headline", "outlet", "published", "date_basis", "review_status", "public_link"]
    list_filter = ["outlet", "date_basis", "review_status"]
    search_fields = ["headline", "standfirst", "body"]
    date_hierarchy = "published"
    autocomplete_fields = ["outlet", "events"]
    readonly_fields = ["content_hash"]
    prepopulated_fields = {"slug": ["headline"]}
    inlines = [QuoteInline]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "outlet", "events", "review_status"]}),
        ("Date", {"fields": ["published", "date_basis", "date_note", "dateline_place"]}),
        ("Text", {"fields": ["body"]}),
        (
            "Source",
            {
                "fields": ["source_url", "source_file", "content_hash", "raw_text"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("outlet")


@admin.register(Quote)
class QuoteAdmin(PublicPageMixin, admin.ModelAdmin):
    list_display = [
        "short_text",
        "speaker",
        "kind",
        "said_on",
        "event",
        "review_status",
        "public_link",
    ]
    list_filter = [
        "kind",
        "review_status",
        ("speaker", admin.RelatedOnlyFieldListFilter),
        "speaker__party",
        "article__outlet",
        "event__format",
    ]
    search_fields = ["text", "speaker__name", "speaker__aliases__name", "article__headline"]
    date_hierarchy = "said_on"
    autocomplete_fields = ["speaker", "article", "event", "relayed_by", "same_as"]
    list_select_related = ["speaker", "event"]

    @admin.display(description="Text", ordering="text")
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 90 else obj.text[:87] + "…"
