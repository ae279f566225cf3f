"""Every list parameter of the archive: one FilterSet per list page (and its JSON twin).

Views never read ``request.GET`` themselves. They build a FilterSet, check ``is_valid()`` and show
the form's errors with a 400 status instead of dropping a bad filter. Sorting and the pagination
cursor are fields of the same form, so they are validated the same way.
"""

from __future__ import annotations

import copy
import functools

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.choices import BaseChoiceIterator
from django_filters.filters import FilterMethod

from articles.facet_counts import kept
from articles.filter_fields import (  # noqa: F401  (Cursor and parse_date_span are API here)
    Cursor,
    CursorField,
    DateSpan,
    DateSpanFilter,
    parse_date_span,
)
from articles.models import Article, Event, NegotiationFormat, Outlet, Party, Quote, Speaker
from articles.search import RESULT_COUNT_CAP
from articles.widgets import FastCheckboxes, FastSelect

# A page shows this many rows; a relevance-ordered list pages through at most RESULT_CAP rows
# (ranks are floats, so they make poor keyset cursors; a capped window keeps OFFSET cheap).
PAGE_SIZE = 20
# The cap the search counts to: a search's article tier then ranks exactly the query the page
# ranks, and the page finds it kept (search.article_tier_for).
RESULT_CAP = RESULT_COUNT_CAP


class ListForm(forms.Form):
    """Sorting, pagination and checks across fields, shared by every list."""

    after = CursorField()
    before = CursorField()
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=RESULT_CAP // PAGE_SIZE,
        error_messages={"max_value": f"Results ranked by relevance stop at {RESULT_CAP}."},
    )

    def clean(self):
        cleaned = super().clean()
        # An empty multiple choice cleans to ``none()``, and listing that compiles its SQL only
        # to learn it is empty: 0.3 ms, twice on every statement page (speaker and party). An
        # empty list says the same, and django-filter skips it like any empty value.
        for name, value in cleaned.items():
            if isinstance(value, QuerySet) and value.query.is_empty():
                cleaned[name] = []
        unknown = sorted(set(self.data) - set(self.fields))
        if unknown:
            raise ValidationError(
                "Unknown parameter %(names)s. This page accepts: %(known)s.",
                params={"names": ", ".join(unknown), "known": ", ".join(self.fields)},
                code="unknown",
            )
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start.start > end.end:
            self.add_error("date_to", "The end date is before the start date; swap them.")
        if cleaned.get("after") and cleaned.get("before"):
            self.add_error("before", "Give either after or before, not both.")
        return cleaned


class NameListForm(ListForm):
    """A list ordered by name: its page positions carry a name, not a date."""

    after = CursorField(parse_key=str)
    before = CursorField(parse_key=str)


def _unknown(thing: str, example: str) -> dict:
    message = f"There is no {thing} “%(value)s”. Pick one from the list, for example {example}."
    return {"invalid_choice": message}


def _choice_error(thing: str, choices) -> dict:
    values = ", ".join(value for value, _ in choices)
    return {"invalid_choice": f"Unknown {thing} “%(value)s”: use one of {values}."}


def _keep_choices(form) -> None:
    """Give the form's model selects and checkboxes their options as kept under the version.

    The article list's event select lists every event (~500 at 1M quotes): reading and
    building those rows on each visit took ~8 ms of a 42 ms page. The options change only
    with the archive, so they are kept as (value, label) pairs, which FastSelect and
    FastCheckboxes write as they write model choices. Validation still asks the database
    about the values given, through the field's queryset.
    """
    for name, field in form.fields.items():
        if isinstance(field, forms.ModelChoiceField) and isinstance(
            field.widget, FastSelect | FastCheckboxes
        ):
            model = field.queryset.model
            field.widget.choices = _KeptChoices(
                functools.partial(
                    kept,
                    model.objects.db,
                    f"choices:{type(form).__qualname__}:{name}:{model._meta.label}",
                    functools.partial(_pairs, field),
                )
            )


class _KeptChoices(BaseChoiceIterator):
    """Choices read when first iterated, then held: a form that is only validated (JSON, or
    the statement lists, whose facets write their own options) reads none. Django passes a
    BaseChoiceIterator through as it is; a callable it would normalize again on each pass, and
    a select iterates twice (the required attribute looks at the first option)."""

    def __init__(self, load):
        self.load = load
        self.rows = None

    def __iter__(self):
        if self.rows is None:
            self.rows = self.load()
        return iter(self.rows)


def _pairs(field) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in field.choices]


class _CopiedOnce(dict):
    """A class's filters, whose deep copy is a copy of each filter (ArchiveFilterSet)."""

    def __deepcopy__(self, memo):
        return {name: _own_copy(filter_) for name, filter_ in self.items()}


def _own_copy(filter_: filters.Filter) -> filters.Filter:
    copied = copy.copy(filter_)
    # A method filter calls its filter set's method through the filter it was made for.
    if isinstance(filter_.__dict__.get("filter"), FilterMethod):
        copied.filter = FilterMethod(copied)
    return copied


SORT_CHOICES = [("newest", "Newest first"), ("oldest", "Oldest first")]
SEARCH_SORT_CHOICES = [*SORT_CHOICES, ("relevance", "Best match")]


_FORM_CLASSES: dict[tuple, type[forms.Form]] = {}


class ArchiveFilterSet(filters.FilterSet):
    """A FilterSet whose form also carries sorting and the page position."""

    # Sort name -> (key field, descending). Lists page by keyset on (key, id).
    orderings: dict[str, tuple[str, bool]] = {}
    default_sort = "newest"
    sort_choices = SORT_CHOICES

    def __init__(self, data=None, queryset=None, *, request=None, fixed=()):
        # django-filter deep-copies the class's filters for each filter set, down to the
        # choices and querysets of their arguments (0.14 ms of every list page at 1M quotes),
        # though a request sets only each filter's model and parent: the fields the form
        # validates with are built once per class (get_form_class). So the copy it makes of
        # these is one copy of each filter (_CopiedOnce).
        self.base_filters = _CopiedOnce(type(self).base_filters)
        super().__init__(data, queryset, request=request)
        del self.base_filters
        # Pages about one speaker or event fix that filter; the parameter is then unknown there.
        for name in fixed:
            self.filters.pop(name)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            _keep_choices(super().form)
        return self._form

    def get_form_class(self):
        # django-filter builds the class and each filter's field on every request (about 1 ms
        # of a page); they depend only on the filter set's class and the filters it keeps (a
        # page fixing its speaker drops that one), and a form copies its fields when made.
        key = (type(self), tuple(self.filters))
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields["sort"] = forms.ChoiceField(
                choices=[("", "Default"), *self.sort_choices],
                required=False,
                widget=FastSelect,
                error_messages=_choice_error("sort order", self.sort_choices),
            )
            _FORM_CLASSES[key] = form_class
        return form_class

    def is_valid(self):
        if not super().is_valid():
            return False
        # Which kind of page position applies depends on the sort, known only now.
        data = self.form.cleaned_data
        if self._sort() == "relevance":
            for name in ("after", "before"):
                if data.get(name):
                    self.form.add_error(name, "Ranked results are numbered: use page=N.")
        elif data.get("page"):
            self.form.add_error(
                "page", "Page numbers apply to ranked search results only; follow Next instead."
            )
        return not self.form.errors

    def filter_queryset(self, queryset, *, exclude=()):
        """Apply every filter but those in ``exclude`` (facets count without their own)."""
        for name, value in self.form.cleaned_data.items():
            if name in self.filters and name not in exclude:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def query(self) -> str:
        return self._query() if self.is_valid() else ""

    @property
    def sort(self) -> str:
        return self._sort() if self.is_valid() else self.default_sort

    def _query(self) -> str:
        return (self.form.cleaned_data.get("q") or "").strip()

    def _sort(self) -> str:
        """The sort in effect: relevance by default when searching, and only when searching."""
        chosen = self.form.cleaned_data.get("sort")
        if chosen == "relevance" or (not chosen and self._query()):
            return "relevance" if self._query() else self.default_sort
        return chosen or self.default_sort


class QuoteFilterSet(ArchiveFilterSet):
    q = filters.CharFilter(method="filter_q", label="Words")
    speaker = filters.ModelMultipleChoiceFilter(
        queryset=Speaker.objects.all(),
        to_field_name="slug",
        method="filter_speaker",
        label="Speaker",
        error_messages=_unknown("speaker", "sergey-lavrov"),
    )
    party = filters.ModelMultipleChoiceFilter(
        queryset=Party.objects.all(),
        to_field_name="slug",
        method="filter_party",
        label="Party",
        error_messages=_unknown("party", "russia"),
    )
    date_from = DateSpanFilter(field_name="said_on", bound="start", label="Said from")
    date_to = DateSpanFilter(field_name="said_on", bound="end", label="Said until")
    format = filters.ChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        choices=NegotiationFormat.choices,
        method="filter_format",
        label="Negotiation format",
        error_messages=_choice_error("format", NegotiationFormat.choices),
    )
    event = filters.ModelChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        queryset=Event.objects.all(),
        to_field_name="slug",
        label="Event",
        error_messages=_unknown("event", "nato-russia-council-2022-01-12"),
    )
    outlet = filters.ModelChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        queryset=Outlet.objects.all(),
        # The article's outlet as copied onto each quote (Quote.article_outlet, migration 0010).
        field_name="article_outlet",
        to_field_name="slug",
        label="Outlet",
        error_messages=_unknown("outlet", "tass"),
    )
    kind = filters.ChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        choices=Quote.Kind.choices,
        label="Kind",
        error_messages=_choice_error("kind", Quote.Kind.choices),
    )

    orderings = {"newest": ("said_on", True), "oldest": ("said_on", False)}
    sort_choices = SEARCH_SORT_CHOICES

    class Meta:
        model = Quote
        fields = []
        form = ListForm

    def filter_q(self, qs, name, value):
        if not value.strip():
            return qs
        from articles import search

        # Whether article-body matches join the results is decided once, on the page's base
        # set, so the rows, the count and every facet count the same result set.
        if getattr(self, "article_tier", None) is None:
            self.article_tier = search.article_tier_for(self.queryset, value)
        return qs.search(value, article_tier=self.article_tier)

    # A choice arrives as a queryset of the chosen rows; an empty one is [] (ListForm.clean),
    # which django-filter skips before calling a method.
    def filter_speaker(self, qs, name, value):
        speakers = list(value)
        return qs.by_speaker(*speakers) if speakers else qs

    def filter_party(self, qs, name, value):
        parties = list(value)
        return qs.by_party(*parties) if parties else qs

    def filter_format(self, qs, name, value):
        return qs.in_format(value)


class ArticleFilterSet(ArchiveFilterSet):
    q = filters.CharFilter(method="filter_q", label="Words")
    outlet = filters.ModelChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        queryset=Outlet.objects.all(),
        to_field_name="slug",
        label="Outlet",
        error_messages=_unknown("outlet", "tass"),
    )
    event = filters.ModelChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        queryset=Event.objects.all(),
        field_name="events",
        to_field_name="slug",
        label="Event covered",
        error_messages=_unknown("event", "nato-russia-council-2022-01-12"),
    )
    format = filters.ChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        choices=NegotiationFormat.choices,
        method="filter_format",
        label="Negotiation format covered",
        error_messages=_choice_error("format", NegotiationFormat.choices),
    )
    date_from = DateSpanFilter(field_name="published", bound="start", label="Published from")
    date_to = DateSpanFilter(field_name="published", bound="end", label="Published until")

    orderings = {"newest": ("published", True), "oldest": ("published", False)}
    sort_choices = SEARCH_SORT_CHOICES

    class Meta:
        model = Article
        fields = []
        form = ListForm

    def filter_q(self, qs, name, value):
        from articles import search

        return search.search_articles(qs, value) if value.strip() else qs

    def filter_format(self, qs, name, value):
        # Exists, not a join: an article covering two such events must still appear once.
        covered = Article.events.through.objects.filter(article=OuterRef("pk"), event__format=value)
        return qs.filter(Exists(covered))


class SpeakerFilterSet(ArchiveFilterSet):
    party = filters.ModelMultipleChoiceFilter(
        queryset=Party.objects.all(),
        to_field_name="slug",
        widget=FastCheckboxes,
        method="filter_party",
        label="Party",
        error_messages=_unknown("party", "russia"),
    )
    kind = filters.ChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        choices=Speaker.Kind.choices,
        label="Kind of speaker",
        error_messages=_choice_error("kind", Speaker.Kind.choices),
    )

    orderings = {"name": ("name", False)}
    default_sort = "name"
    sort_choices = [("name", "By name")]

    class Meta:
        model = Speaker
        fields = []
        form = NameListForm

    def filter_party(self, qs, name, value):
        parties = list(value)
        return qs.filter(party__in=parties) if parties else qs


class EventFilterSet(ArchiveFilterSet):
    format = filters.ChoiceFilter(
        empty_label="Any",
        widget=FastSelect,
        choices=NegotiationFormat.choices,
        label="Negotiation format",
        error_messages=_choice_error("format", NegotiationFormat.choices),
    )
    party = filters.ModelMultipleChoiceFilter(
        queryset=Party.objects.all(),
        to_field_name="slug",
        method="filter_party",
        widget=FastCheckboxes,
        label="Party",
        error_messages=_unknown("party", "russia"),
    )
    date_from = DateSpanFilter(field_name="start_date", bound="start", label="From")
    date_to = DateSpanFilter(field_name="start_date", bound="end", label="Until")
    # Events a speaker made statements about: the "all events" link of a speaker page. Carried
    # as hidden inputs, so the form keeps it when other fields change; a select would list
    # every speaker of the archive (thousands) on each page.
    speaker = filters.ModelMultipleChoiceFilter(
        queryset=Speaker.objects.all(),
        to_field_name="slug",
        method="filter_speaker",
        widget=forms.MultipleHiddenInput,
        label="Speaker",
        error_messages=_unknown("speaker", "sergey-lavrov"),
    )

    orderings = {"oldest": ("start_date", False), "newest": ("start_date", True)}
    summary_prefixes = {"speaker": ("with statements by", " or ")}
    default_sort = "oldest"
    sort_choices = [("oldest", "Oldest first"), ("newest", "Newest first")]

    class Meta:
        model = Event
        fields = []
        form = ListForm

    def filter_party(self, qs, name, value):
        parties = list(value)
        if not parties:
            return qs
        taking_part = Event.parties.through.objects.filter(event=OuterRef("pk"), party__in=parties)
        return qs.filter(Exists(taking_part))

    def filter_speaker(self, qs, name, value):
        speakers = list(value)
        if not speakers:
            return qs
        return qs.filter(Exists(Quote.objects.filter(event=OuterRef("pk"), speaker__in=speakers)))


class ArticleDetailForm(forms.Form):
    """The article page's one parameter: which statement to highlight."""

    quote = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "quote must be the number of a statement in this article."},
    )
