"""The FilterSets: which quotes each parameter combination returns, and the errors bad input gets.

Quote ids are those of fixtures/archive.json (built from fixtures/curated.toml).
"""

import datetime

import pytest
from django.http import QueryDict

from articles.filters import (
    ArticleFilterSet,
    EventFilterSet,
    QuoteFilterSet,
    SpeakerFilterSet,
    parse_date_span,
)
from articles.models import Article, Event, Quote, Speaker
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)

LAVROV = [*range(27, 35), *range(43, 50)]


def quotes(query: str, base=None) -> list[int]:
    filterset = QuoteFilterSet(QueryDict(query), queryset=base or Quote.objects.all())
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("pk", flat=True))


def errors(filterset_class, query: str, queryset) -> dict:
    filterset = filterset_class(QueryDict(query), queryset=queryset)
    assert not filterset.is_valid()
    return {name: [str(e) for e in errs] for name, errs in filterset.errors.items()}


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2022", datetime.date(2022, 1, 1), datetime.date(2022, 12, 31), "2022"),
        ("2022-02", datetime.date(2022, 2, 1), datetime.date(2022, 2, 28), "February 2022"),
        ("2024-02", datetime.date(2024, 2, 1), datetime.date(2024, 2, 29), "February 2024"),
        ("2021-12-06", datetime.date(2021, 12, 6), datetime.date(2021, 12, 6), "6 December 2021"),
        (" 2022-01 ", datetime.date(2022, 1, 1), datetime.date(2022, 1, 31), "January 2022"),
    ],
)
def test_date_span_covers_the_whole_year_month_or_day(text, start, end, label):
    span = parse_date_span(text)
    assert (span.start, span.end, str(span)) == (start, end, label)


@pytest.mark.parametrize(
    "text", ["banana", "22", "2022-1", "2022-13", "2022-00", "2022-02-30", "2022/01", "2022-01-01x"]
)
def test_date_span_rejects_anything_else(text):
    with pytest.raises(ValueError):
        parse_date_span(text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", list(range(1, 53))),
        ("speaker=sergey-lavrov", LAVROV),
        ("speaker=joe-biden&speaker=yuri-ushakov", [35, 36, 38]),
        ("party=nato", [51, 52]),
        ("party=united-states", [35, 36]),
        ("party=nato&party=united-states", [35, 36, 51, 52]),
        ("speaker=sergey-lavrov&date_from=2022-01&date_to=2022-01", list(range(43, 50))),
        (
            "speaker=sergey-lavrov&date_from=2022-01&date_to=2022-01&format=nato-russia-council",
            [45],
        ),
        ("date_from=2021-12&date_to=2021-12-06", list(range(1, 10))),
        ("date_from=2022-01-20", list(range(10, 18))),
        ("date_to=2021-12-01", [6, 7, 8, 9]),
        ("date_from=2021&date_to=2021", [*range(1, 10), *range(18, 25), *range(27, 43)]),
        ("format=leaders", [5, 35, 36, 37, 38]),
        ("format=nato-russia-council", [45, 50, 51, 52]),
        ("event=putin-biden-call-2021-12-30", [35, 36, 37, 38]),
        ("outlet=tass", [*range(1, 10), *range(18, 27)]),
        ("outlet=tass&kind=partial", [9, 20]),
        ("kind=document", [39, 40, 42]),
        ("party=russia&format=nato-russia-council", [45, 50]),
        ("event=nato-russia-council-2022-01-12&speaker=joe-biden", []),
        ("sort=oldest&speaker=yuri-ushakov", [38]),
    ],
)
def test_quote_filters_combine(archive, query, expected):
    assert quotes(query) == expected


def test_search_parameter_goes_through_the_search_module(archive):
    # "veto" is in one statement (Stoltenberg's) and so in the body of its article, which every
    # statement of that article is searched with.
    assert quotes("q=veto") == list(range(43, 53))
    assert quotes("q=veto&party=russia") == list(range(43, 51))


def test_fixed_filters_are_removed_from_a_speaker_page(archive):
    speaker = Speaker.objects.get(slug="sergey-lavrov")
    filterset = QuoteFilterSet(
        QueryDict("kind=direct"), queryset=speaker.quotes.all(), fixed={"speaker", "party"}
    )
    assert filterset.is_valid()
    assert sorted(filterset.qs.values_list("pk", flat=True)) == [29, 32, 44, 45, 47, 49]
    assert "speaker" not in filterset.form.fields


def test_each_filter_set_filters_with_its_own_copies_of_the_filters(archive):
    # Copied once each, not deep-copied (ArchiveFilterSet.__init__): still each set's own.
    veto = QuoteFilterSet(QueryDict("q=veto&party=russia"), queryset=Quote.objects.all())
    plain = QuoteFilterSet(QueryDict("party=nato"), queryset=Quote.objects.all())
    lavrov = Speaker.objects.get(slug="sergey-lavrov").quotes.all()
    fixed = QuoteFilterSet(QueryDict(""), queryset=lavrov, fixed={"speaker", "party"})
    base = QuoteFilterSet.base_filters
    assert list(veto.filters) == list(base) and "speaker" in base and "speaker" not in fixed.filters
    for name, filter_ in veto.filters.items():
        assert filter_ is not base[name] and filter_ is not plain.filters[name]
        assert filter_.parent is veto and plain.filters[name].parent is plain
        assert filter_.model is Quote
    # ... whose arguments (a choice's queryset) are the class's, never evaluated themselves.
    assert veto.filters["speaker"].queryset is base["speaker"].queryset
    # A method filter calls the method of the set it belongs to: the search's article tier is
    # decided on the set that searches, and its rows are that set's.
    assert sorted(veto.qs.values_list("pk", flat=True)) == list(range(43, 51))
    assert sorted(plain.qs.values_list("pk", flat=True)) == [51, 52]
    assert veto.article_tier.article_ids and not hasattr(plain, "article_tier")
    assert not hasattr(QuoteFilterSet, "article_tier")


def test_a_form_class_is_built_once_per_filter_set_and_fixed_filters(archive, monkeypatch):
    import django_filters

    from articles import filters

    built = []
    build = django_filters.FilterSet.get_form_class

    def counted(self):
        built.append(type(self))
        return build(self)

    monkeypatch.setattr(django_filters.FilterSet, "get_form_class", counted)
    monkeypatch.setattr(filters, "_FORM_CLASSES", {})
    lavrov = Speaker.objects.get(slug="sergey-lavrov").quotes.all()
    forms = [
        QuoteFilterSet(QueryDict("q=veto"), queryset=Quote.objects.all()).form,
        QuoteFilterSet(QueryDict("kind=direct"), queryset=Quote.objects.all()).form,
        QuoteFilterSet(QueryDict(""), queryset=lavrov, fixed={"speaker", "party"}).form,
        QuoteFilterSet(QueryDict("q=veto"), queryset=lavrov, fixed={"speaker", "party"}).form,
    ]
    assert built == [QuoteFilterSet, QuoteFilterSet]
    assert type(forms[0]) is type(forms[1]) and type(forms[2]) is type(forms[3])
    assert "speaker" in forms[0].fields and "speaker" not in forms[2].fields
    # Each form still has fields of its own, and its own data.
    assert forms[0].fields["sort"] is not forms[1].fields["sort"]
    assert forms[0].is_valid() and forms[0].cleaned_data["q"] == "veto"
    assert forms[1].is_valid() and forms[1].cleaned_data["q"] == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "date_from=banana",
            {"date_from": ["Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, for example 2022-01."]},
        ),
        (
            "date_from=2022-02&date_to=2022-01",
            {"date_to": ["The end date is before the start date; swap them."]},
        ),
        (
            "speaker=sergey-lavrov&speaker=nobody",
            {
                "speaker": [
                    "There is no speaker “nobody”. Pick one from the list, "
                    "for example sergey-lavrov."
                ]
            },
        ),
        (
            "party=narnia",
            {"party": ["There is no party “narnia”. Pick one from the list, for example russia."]},
        ),
        (
            "event=nope",
            {
                "event": [
                    "There is no event “nope”. Pick one from the list, "
                    "for example nato-russia-council-2022-01-12."
                ]
            },
        ),
        (
            "format=g7",
            {
                "format": [
                    "Unknown format “g7”: use one of bilateral-russia-us, nato-russia-council, "
                    "osce, leaders, ministerial, unilateral, multilateral."
                ]
            },
        ),
        (
            "kind=rumour",
            {"kind": ["Unknown kind “rumour”: use one of direct, partial, indirect, document."]},
        ),
        (
            "sort=sideways",
            {"sort": ["Unknown sort order “sideways”: use one of newest, oldest, relevance."]},
        ),
        (
            "after=yesterday",
            {"after": ["This page position is not valid; follow the Next and Previous links."]},
        ),
        (
            "after=2022-01-13.4&before=2022-01-13.5",
            {"before": ["Give either after or before, not both."]},
        ),
        ("page=0", {"page": ["Ensure this value is greater than or equal to 1."]}),
        (
            "page=2",
            {"page": ["Page numbers apply to ranked search results only; follow Next instead."]},
        ),
        ("q=nato&after=2022-01-13.45", {"after": ["Ranked results are numbered: use page=N."]}),
        ("page=51", {"page": ["Results ranked by relevance stop at 1000."]}),
    ],
)
def test_quote_filter_errors_name_the_field_and_say_what_to_do(archive, query, expected):
    assert errors(QuoteFilterSet, query, Quote.objects.all()) == expected


def test_unknown_parameter_is_an_error_not_ignored(archive):
    found = errors(QuoteFilterSet, "spekaer=sergey-lavrov", Quote.objects.all())
    assert list(found) == ["__all__"]
    assert found["__all__"][0].startswith("Unknown parameter spekaer. This page accepts: ")


@pytest.mark.parametrize(
    ("query", "sort"),
    [
        ("", "newest"),
        ("sort=oldest", "oldest"),
        ("q=guarantees", "relevance"),
        ("q=guarantees&sort=newest", "newest"),
        ("sort=relevance", "newest"),  # relevance without words means newest
        ("q=&sort=relevance", "newest"),
    ],
)
def test_sort_in_effect(archive, query, sort):
    filterset = QuoteFilterSet(QueryDict(query), queryset=Quote.objects.all())
    assert filterset.is_valid()
    assert filterset.sort == sort


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("outlet=tass", [1, 3]),
        ("event=nato-russia-council-2022-01-12", [2, 4, 5]),
        ("format=osce", [2, 4, 5]),
        ("format=leaders", [1, 4]),
        ("date_from=2022", [2, 5]),
        ("date_to=2021-12-19", [1, 3]),
    ],
)
def test_article_filters(archive, query, expected):
    filterset = ArticleFilterSet(QueryDict(query), queryset=Article.objects.all())
    assert filterset.is_valid(), filterset.errors
    assert sorted(filterset.qs.values_list("pk", flat=True)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("party=nato", ["jens-stoltenberg", "nato-alliance"]),
        ("kind=document", ["russian-draft-agreements"]),
        ("party=united-states&kind=person", ["antony-blinken", "joe-biden"]),
    ],
)
def test_speaker_filters(archive, query, expected):
    filterset = SpeakerFilterSet(QueryDict(query), queryset=Speaker.objects.all())
    assert filterset.is_valid(), filterset.errors
    assert sorted(filterset.qs.values_list("slug", flat=True)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("format=leaders", [2, 5]),
        ("party=nato", [7]),
        ("party=ukraine&party=nato", [7, 8]),
        ("date_from=2022-01-11&date_to=2022-01-13", [7, 8]),
    ],
)
def test_event_filters(archive, query, expected):
    filterset = EventFilterSet(QueryDict(query), queryset=Event.objects.all())
    assert filterset.is_valid(), filterset.errors
    assert sorted(filterset.qs.values_list("pk", flat=True)) == expected
