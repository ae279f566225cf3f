"""Rows by ids with SQL compiled once per shape give what Django's own compile gives."""

import pytest
from django.db.models import Value
from django.db.models.sql.compiler import SQLCompiler

from articles import compiled
from articles.models import Quote
from articles.pagination import _rows_by_ids


@pytest.fixture
def compiles(monkeypatch):
    """The statement queries compiled, in order (not the speakers, events and outlets a
    process reads once, articles/dimensions.py); nothing kept from earlier tests."""
    monkeypatch.setattr(compiled, "_COMPILED", {})
    seen = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        if self.query.model is Quote:
            seen.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    return seen


def _shown(rows) -> list[tuple]:
    # What a list row shows of the quote and of its article, read through each instance.
    return sorted(
        (q.pk, q.text, q.said_on, q.speaker_id, q.article.headline, q.article.outlet_id)
        for q in rows
    )


def _django(queryset, ids) -> list[tuple]:
    return _shown(queryset.filter(pk__in=ids))


def test_rows_of_a_shape_read_again_are_the_rows_of_their_own_ids(archive, compiles):
    listing = Quote.objects.for_listing()
    ids = sorted(Quote.objects.values_list("pk", flat=True))
    first, second, longer = ids[:3], ids[3:6], ids[6:10]
    compiles.clear()
    # The same shape and as many ids: the kept SQL with these ids, nothing compiled. Four
    # ids are another statement.
    for ids, compiled_now in ((first, [Quote]), (second, []), (longer, [Quote])):
        compiles.clear()
        rows = _shown(compiled.by_ids(listing, ids))
        assert compiles == compiled_now
        assert rows == _django(listing, ids)


def test_no_ids_are_no_rows(archive, compiles):
    assert list(compiled.by_ids(Quote.objects.for_listing(), [])) == []
    assert compiled._COMPILED == {}


def test_a_search_page_of_a_filtered_list_keeps_its_joins_and_its_own_shape(archive, compiles):
    # A speaker filter leaves its join when the page's conditions are taken off: that list's
    # rows are another shape from the whole list's, each right for its own ids.
    lavrov = Quote.objects.filter(speaker__slug="sergey-lavrov").for_listing()
    everyone = Quote.objects.for_listing()
    ids = sorted(lavrov.values_list("pk", flat=True))[:2]
    others = sorted(Quote.objects.exclude(pk__in=ids).values_list("pk", flat=True))[:2]
    for _ in range(2):
        assert _shown(_rows_by_ids(lavrov, ids)) == _django(Quote.objects.for_listing(), ids)
        assert _shown(_rows_by_ids(everyone, others)) == _django(everyone, others)
    assert len(compiled._COMPILED) == 2
    (joins_a, joins_b) = sorted(len(shape[-1]) for (_, shape, _) in compiled._COMPILED)
    assert joins_a < joins_b


def test_a_query_with_parameters_besides_its_ids_is_compiled_every_time(archive, compiles):
    marked = Quote.objects.for_listing().annotate(label=Value("x"))
    ids = sorted(Quote.objects.values_list("pk", flat=True))
    compiles.clear()
    for pair in (ids[:2], ids[2:4]):
        rows = list(compiled.by_ids(marked, pair))
        assert sorted(q.pk for q in rows) == pair
        assert {q.label for q in rows} == {"x"}
    assert compiles == [Quote, Quote]  # once each
    assert compiled._COMPILED == {}


def test_an_ordered_or_limited_query_is_left_to_django(archive, compiles):
    ids = sorted(Quote.objects.values_list("pk", flat=True))[:5]
    newest = Quote.objects.order_by("-pk")
    compiles.clear()
    assert [q.pk for q in compiled.by_ids(newest, ids)] == ids[::-1]
    assert [q.pk for q in compiled.by_ids(newest, ids)] == ids[::-1]
    assert compiles == [Quote, Quote]
    assert compiled._COMPILED == {}
