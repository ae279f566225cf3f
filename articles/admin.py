"""The editors' admin: every model searchable, filterable and linked to its public page.

Machine-made records (from `manage.py ingest` or the upload page) start unreviewed; the review
queue lists them, an editor confirms them with the "Mark reviewed" action or corrects them, and
saving a correction marks the record reviewed, so a later re-ingest never overwrites it.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from articles.ingestion.upload import UploadForm, upload_documents
from articles.models import (
    Article,
    Event,
    Outlet,
    Party,
    Quote,
    ReviewStatus,
    Speaker,
    SpeakerAlias,
)


@admin.action(description="Mark selected as reviewed")
def mark_reviewed(modeladmin, request, queryset):
    count = queryset.exclude(review_status=ReviewStatus.REVIEWED).update(
        review_status=ReviewStatus.REVIEWED
    )
    modeladmin.message_user(request, f"{count} marked reviewed.", messages.SUCCESS)


class ReviewMixin:
    """Review actions, and an editor's correction counts as a review."""

    actions = [mark_reviewed]

    def save_model(self, request, obj, form, change):
        if change and form.changed_data and "review_status" not in form.changed_data:
            obj.review_status = ReviewStatus.REVIEWED
        super().save_model(request, obj, form, change)


class PublicPageMixin:
    """Adds a "View on site" column linking to the record's public page."""

    # A URL typed without a scheme is taken as https (Django 6's default, asked for here
    # rather than through the deprecated FORMS_URLFIELD_ASSUME_HTTPS setting).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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
class SpeakerAdmin(ReviewMixin, PublicPageMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "role", "party", "review_status", "quote_count", "public_link"]
    list_filter = ["kind", "party", "review_status"]
    search_fields = ["name", "aliases__name", "role", "organisation"]
    autocomplete_fields = ["party"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SpeakerAliasInline]

    def get_queryset(self, request):
        # Explicit order: a GROUP BY drops Meta.ordering and the autocomplete would page unordered.
        qs = super().get_queryset(request).select_related("party")
        return qs.annotate(n=Count("quotes")).order_by("name")

    @admin.display(description="Quotes", ordering="n")
    def quote_count(self, obj):
        return obj.n


@admin.register(Event)
class EventAdmin(ReviewMixin, PublicPageMixin, admin.ModelAdmin):
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
class ArticleAdmin(ReviewMixin, PublicPageMixin, admin.ModelAdmin):
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

    def save_formset(self, request, form, formset, change):
        # A quote corrected inline is reviewed too, unless its status was set by hand.
        for inline_form in formset.forms:
            changed = inline_form.has_changed() and inline_form.instance.pk
            if changed and "review_status" not in inline_form.changed_data:
                inline_form.instance.review_status = ReviewStatus.REVIEWED
        super().save_formset(request, form, formset, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="articles_article_upload"),
            path("review/", view(self.review_view), name="articles_article_review"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        """Upload documents; the same pipeline as `manage.py ingest`, with what it found."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        outcomes = None
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                outcomes = upload_documents(form.cleaned_data)
        else:
            form = UploadForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload documents",
            "form": form,
            "outcomes": outcomes,
        }
        return TemplateResponse(request, "admin/articles/upload.html", context)

    def review_view(self, request):
        """The review queue: unreviewed records of each kind, linked to their filtered lists."""
        rows = []
        for model in (Article, Quote, Speaker, Event):
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            rows.append(
                {
                    "name": opts.verbose_name_plural.capitalize(),
                    "count": model.objects.filter(review_status=ReviewStatus.UNREVIEWED).count(),
                    "url": f"{url}?review_status__exact={ReviewStatus.UNREVIEWED}",
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Review queue",
            "rows": rows,
        }
        return TemplateResponse(request, "admin/articles/review.html", context)


@admin.register(Quote)
class QuoteAdmin(ReviewMixin, PublicPageMixin, admin.ModelAdmin):
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
