"""FastSelect writes what Django's select templates write for the same widget and value."""

import datetime

import pytest
from django import forms
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import mark_safe

from articles.filters import ArticleFilterSet, EventFilterSet, QuoteFilterSet, SpeakerFilterSet
from articles.models import Article, Event, Outlet, Quote, Speaker
from articles.widgets import FastCheckboxes, FastSelect
from tests.caches import clear_caches

HOSTILE = """<b>"Bold" & 'quoted'</b>"""


def _both(choices, name, value, attrs=None):
    fast = FastSelect(choices=choices).render(name, value, attrs)
    slow = forms.Select(choices=choices).render(name, value, attrs)
    return fast, slow


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=guarantees&outlet=tass",
        "event=nato-russia-council-2022-01-12&format=nato-russia-council&sort=oldest",
        "event=nope&format=x&sort=bad&date_from=banana",
        "outlet=",
    ],
)
@pytest.mark.parametrize(
    "filterset_class, base",
    [
        (ArticleFilterSet, Article.objects.all),
        (QuoteFilterSet, Quote.objects.all),
        (SpeakerFilterSet, Speaker.objects.all),
        (EventFilterSet, Event.objects.all),
    ],
)
def test_the_archive_filter_forms_render_as_with_django_select(
    archive, filterset_class, base, query
):
    filterset = filterset_class(QueryDict(query), queryset=base())
    filterset.is_valid()
    fast_fields = [b for b in filterset.form if isinstance(b.field.widget, FastSelect)]
    assert fast_fields
    for bound in fast_fields:
        # The same widget (choices, attrs) and value, rendered once the template way.
        bound.field.widget.__class__ = forms.Select
        try:
            expected = str(bound)
        finally:
            bound.field.widget.__class__ = FastSelect
        assert str(bound) == expected


def test_every_outlet_and_event_listed_as_with_django_select(archive):
    filterset = ArticleFilterSet(QueryDict("outlet=tass"), queryset=Article.objects.all())
    html = str(filterset.form["outlet"])
    assert all(f'value="{slug}"' in html for slug in Outlet.objects.values_list("slug", flat=True))
    assert '<option value="tass" selected>' in html


@pytest.mark.parametrize("value", [None, "", "a&b", ["a&b"], ["x", "a&b"], 3, ["3"], "nope"])
def test_values_labels_and_selection_as_with_django_select(value):
    choices = [
        ("", "Any"),
        ("a&b", HOSTILE),
        ('"><script>', "Plain"),
        (3, 3),
        (None, "None"),
        ("s", mark_safe("<i>safe</i>")),
        ("a&b", "The same value twice: only its first option is selected"),
    ]
    fast, slow = _both(choices, 'na"me', value)
    assert "<script>" not in fast and "&lt;b&gt;" in fast
    assert fast == slow


def test_attributes_as_with_django_select():
    attrs = {
        "id": 'f-"x"',
        "aria-invalid": "true",
        "required": True,
        "disabled": False,
        "data-zero": 0,
        "data-safe": mark_safe("&amp;"),
        "class": "a&b",
    }
    fast, slow = _both([("", "Any"), ("a", "A")], "x", "a", attrs)
    assert fast == slow


def test_no_choices_as_with_django_select():
    fast, slow = _both([], "x", None)
    assert fast == slow


def test_option_groups_and_multiple_selects_go_the_template_way():
    grouped = [("", "Any"), ("Group <1>", [("a", "A"), ("b", "B")])]
    fast, slow = _both(grouped, "x", "b")
    assert "<optgroup" in fast and fast == slow
    multiple = FastSelect(choices=[("a", "A"), ("b", "B")])
    multiple.allow_multiple_selected = True
    expected = forms.SelectMultiple(choices=[("a", "A"), ("b", "B")]).render("x", ["a", "b"])
    assert multiple.render("x", ["a", "b"]) == expected


def test_a_model_select_reads_its_rows_once_per_archive_version(archive):
    clear_caches()

    def render(query=""):
        filterset = ArticleFilterSet(QueryDict(query), queryset=Article.objects.all())
        filterset.is_valid()
        with CaptureQueriesContext(connection) as captured:
            html = str(filterset.form["event"])
        return html, [q["sql"] for q in captured if 'FROM "articles_event"' in q["sql"]]

    html, reads = render()
    # One query for the options: no COUNT before the rows, as with django's Select.
    assert len(reads) == 1 and "COUNT" not in reads[0]
    assert html.count("<option") == Event.objects.count() + 1
    again, reads = render()
    assert again == html and reads == []  # kept under the archive's version
    selected, reads = render("event=nato-russia-council-2022-01-12")
    assert reads == [] and '<option value="nato-russia-council-2022-01-12" selected>' in selected
    # A write moves the version: the new event is an option on the next page.
    Event.objects.create(
        name="A <new> round", slug="a-new-round", start_date=datetime.date(2022, 2, 1)
    )
    after, reads = render()
    assert len(reads) == 1
    assert '<option value="a-new-round">A &lt;new&gt; round</option>' in after


def test_a_form_only_validated_reads_no_options(archive):
    clear_caches()
    filterset = ArticleFilterSet(
        QueryDict("event=nato-russia-council-2022-01-12"), queryset=Article.objects.all()
    )
    with CaptureQueriesContext(connection) as captured:
        assert filterset.is_valid()
        assert filterset.qs.count() == 3
    sql = [q["sql"] for q in captured]
    # The chosen event is looked up by its slug; the list of options is never read.
    assert not [q for q in sql if "parley_archive_version" in q]
    event_reads = [q for q in sql if 'FROM "articles_event"' in q and "articles_article" not in q]
    assert len(event_reads) == 1 and "nato-russia-council-2022-01-12" in str(captured[0])


def _both_checkboxes(choices, name, value, attrs=None):
    fast = FastCheckboxes(choices=choices).render(name, value, attrs)
    slow = forms.CheckboxSelectMultiple(choices=choices).render(name, value, attrs)
    return fast, slow


@pytest.mark.parametrize("value", [None, [], ["a&b"], ["x", "a&b"], [3], ["3"], ["nope"], ""])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "f-party"}, {"id": 'f-"p"', "aria-invalid": "true", "class": "a&b"}],
)
def test_checkboxes_write_what_django_templates_write(value, attrs):
    choices = [
        ("a&b", HOSTILE),
        ('"><script>', "Plain"),
        (3, 3),
        (None, "None"),
        ("s", mark_safe("<i>safe</i>")),
        ("a&b", "The same value twice: both are checked, as in Django"),
    ]
    fast, slow = _both_checkboxes(choices, 'na"me', value, attrs)
    assert "<script>" not in fast and "&lt;b&gt;" in fast
    assert fast == slow


def test_checkbox_groups_go_the_template_way():
    grouped = [("a", "A"), ("Group <1>", [("b", "B"), ("c", "C")])]
    fast, slow = _both_checkboxes(grouped, "x", ["c"], {"id": "g"})
    assert "Group &lt;1&gt;" in fast and fast == slow


@pytest.mark.parametrize("query", ["", "party=nato", "party=nato&party=russia", "party=mars"])
@pytest.mark.parametrize(
    "filterset_class, base",
    [(SpeakerFilterSet, Speaker.objects.all), (EventFilterSet, Event.objects.all)],
)
def test_the_party_filters_render_as_with_django_checkboxes(archive, filterset_class, base, query):
    filterset = filterset_class(QueryDict(query), queryset=base())
    filterset.is_valid()
    bound = filterset.form["party"]
    assert isinstance(bound.field.widget, FastCheckboxes)
    fast = bound.as_field_group()
    bound.field.widget.__class__ = forms.CheckboxSelectMultiple
    try:
        slow = bound.as_field_group()
    finally:
        bound.field.widget.__class__ = FastCheckboxes
    assert 'value="nato"' in fast and fast == slow
    if "nato" in query and "mars" not in query:
        assert 'value="nato" id="id_party_' in fast and " checked>" in fast
