"""Keyset pagination: forward and backward walks see every row once, undated rows last."""

import pytest

from articles.filters import Cursor
from articles.models import Quote, Speaker
from articles.pagination import capped_count, keyset_page, ranked_page
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)


def walk(queryset, *, key, descending, size):
    """Follow next cursors to the end, then previous cursors back; return both orders."""
    forward, pages, after = [], [], None
    while True:
        page = keyset_page(queryset, key=key, descending=descending, after=after, size=size)
        pages.append([q.pk for q in page.rows])
        forward += pages[-1]
        if not page.next_cursor:
            break
        after = _decode(page.next_cursor, key)
    backward, before = list(pages[-1]), _decode(page.previous_cursor, key)
    while before:
        page = keyset_page(queryset, key=key, descending=descending, before=before, size=size)
        backward = [q.pk for q in page.rows] + backward
        before = _decode(page.previous_cursor, key) if page.previous_cursor else None
    return forward, backward, pages


def _decode(text, key):
    if text is None:
        return None
    value, _, pk = text.rpartition(".")
    if key == "name":
        return Cursor(value, int(pk))
    import datetime

    return Cursor(None if value == "null" else datetime.date.fromisoformat(value), int(pk))


@pytest.mark.parametrize("size", [1, 3, 7, 20, 60])
@pytest.mark.parametrize("descending", [True, False])
def test_walks_cover_every_quote_once_in_order(archive, size, descending):
    expected = list(
        (Quote.objects.newest_first() if descending else Quote.objects.oldest_first()).values_list(
            "pk", flat=True
        )
    )
    forward, backward, pages = walk(
        Quote.objects.all(), key="said_on", descending=descending, size=size
    )
    assert forward == expected
    assert backward == expected
    assert all(len(p) == size for p in pages[:-1])
    assert expected[-2:] == ([26, 25] if descending else [25, 26])  # undated last both ways


def test_walk_by_name(archive):
    expected = list(Speaker.objects.order_by("name", "pk").values_list("pk", flat=True))
    forward, backward, _ = walk(Speaker.objects.all(), key="name", descending=False, size=4)
    assert forward == backward == expected


def test_cursor_between_undated_rows(archive):
    page = keyset_page(
        Quote.objects.all(), key="said_on", descending=True, after=Cursor(None, 26), size=5
    )
    assert [q.pk for q in page.rows] == [25]
    assert page.next_cursor is None and page.previous_cursor == "null.25"


def test_cursor_past_the_end_links_back_to_the_first_page(archive):
    page = keyset_page(
        Quote.objects.all(), key="said_on", descending=True, after=Cursor(None, 1), size=5
    )
    assert page.rows == [] and page.previous_is_first and page.next_cursor is None


def test_capped_count(archive):
    assert capped_count(Quote.objects.all(), cap=10) == (10, True)
    assert capped_count(Quote.objects.all(), cap=52) == (52, False)
    assert capped_count(Quote.objects.filter(kind="document"), cap=10) == (3, False)


def test_ranked_pages_stop_at_the_cap(archive, monkeypatch):
    from articles import pagination

    monkeypatch.setattr(pagination, "RESULT_CAP", 10)
    ranked = Quote.objects.search("security")
    first = ranked_page(ranked, number=1, size=5)
    second = ranked_page(ranked, number=2, size=5)
    assert first.next_number == 2 and first.previous_number is None
    assert second.next_number is None and second.previous_number == 1  # the window ends at 10
    assert not {q.pk for q in first.rows} & {q.pk for q in second.rows}
    # The count comes from the same ranked ids, capped like every count.
    assert ranked.count() > 10
    assert (first.count, first.count_capped) == (10, True)
