"""The quote list page: rows, facet counts, the summary line, errors and keyset pagination."""

import re
from html import unescape
from http import HTTPStatus

import pytest
from django.urls import reverse

from articles.models import Quote
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)

URL = "/quotes/"
LAVROV_JAN = "speaker=sergey-lavrov&date_from=2022-01&date_to=2022-01"


def shown_ids(response) -> list[int]:
    """Quote ids in page order, read from the permalinks in the HTML."""
    return [int(pk) for pk in re.findall(r'href="/quotes/(\d+)/">permalink', response.text)]


def summary_text(response) -> str:
    match = re.search(r'<p class="summary" id="summary">(.*?)</p>', response.text, re.S)
    text = re.sub(r'<a class="remove".*?</a>', "", match.group(1))
    return " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())


def remove_links(response) -> dict[str, str]:
    links = re.findall(
        r'<a class="remove" href="([^"]*)" aria-label="Remove filter: ([^"]*)"', response.text
    )
    return {" ".join(unescape(label).split()): unescape(href) for href, label in links}


def facet(response, name) -> list[tuple[str, int, bool]]:
    found = next(f for f in response.context["facets"] if f.name == name)
    return [(o.value, o.count, o.selected) for o in found.options]


def all_ids(order: str) -> list[int]:
    qs = Quote.objects.newest_first() if order == "newest" else Quote.objects.oldest_first()
    return list(qs.values_list("pk", flat=True))


def test_unfiltered_list_shows_newest_first_with_every_field(archive, client):
    response = client.get(URL)
    assert response.status_code == HTTPStatus.OK
    assert shown_ids(response) == all_ids("newest")[:20]
    assert shown_ids(response)[:3] == [17, 16, 15]  # said 20 January 2022, highest id first
    assert summary_text(response) == "52 statements"
    item = response.text.split('<li class="quote-item">')[1]
    for expected in [
        '<a href="/speakers/konstantin-gavrilov/">Konstantin Gavrilov</a>',
        '(<a href="/quotes/?party=russia">Russia</a>)',
        '<time datetime="2022-01-20">20 Jan 2022</time>',
        "Partial quotation",
        "RT",
        f'href="{reverse("articles:article-detail", args=[Quote.objects.get(pk=17).article.slug])}'
        '?quote=17#q-17">in the article</a>',
    ]:
        assert expected in item


def test_speaker_month_and_format_combine(archive, client):
    response = client.get(f"{URL}?{LAVROV_JAN}&format=nato-russia-council")
    assert response.status_code == HTTPStatus.OK
    assert shown_ids(response) == [45]
    assert summary_text(response) == (
        "1 statement by Sergey Lavrov, January 2022, at NATO–Russia Council"
    )
    links = remove_links(response)
    assert links == {
        "by Sergey Lavrov": "?date_from=2022-01&date_to=2022-01&format=nato-russia-council",
        "January 2022": "?speaker=sergey-lavrov&format=nato-russia-council",
        "at NATO–Russia Council": "?speaker=sergey-lavrov&date_from=2022-01&date_to=2022-01",
    }


def test_summary_names_every_kind_of_filter(archive, client):
    response = client.get(
        f"{URL}?speaker=joe-biden&speaker=yuri-ushakov&party=russia&party=united-states"
        "&date_from=2021-12&event=putin-biden-call-2021-12-30&outlet=sputnik&kind=indirect"
    )
    assert shown_ids(response) == [38, 36, 35]
    assert summary_text(response) == (
        "3 statements by Joe Biden or Yuri Ushakov, from Russia or United States, "
        "from December 2021, at or about Putin–Biden phone call, reported by Sputnik, "
        "of kind Indirect (reported) speech"
    )
    # Removing one of two speakers keeps the other and every other filter.
    assert remove_links(response)["by Joe Biden"] == (
        "?speaker=yuri-ushakov&party=russia&party=united-states&date_from=2021-12"
        "&event=putin-biden-call-2021-12-30&outlet=sputnik&kind=indirect"
    )


def test_facets_count_each_option_within_the_other_filters(archive, client):
    response = client.get(f"{URL}?{LAVROV_JAN}")
    assert shown_ids(response) == [49, 48, 47, 46, 45, 44, 43]
    # Speakers: counted with the month but without the speaker filter.
    assert facet(response, "speaker") == [
        ("konstantin-gavrilov", 8, False),
        ("sergey-lavrov", 7, True),
        ("jens-stoltenberg", 1, False),
        ("nato-alliance", 1, False),
        ("russian-government", 1, False),
    ]
    assert facet(response, "party") == [("russia", 7, False)]
    assert facet(response, "format") == [
        ("bilateral-russia-us", 2, False),
        ("nato-russia-council", 1, False),
    ]
    assert facet(response, "kind") == [("direct", 4, False), ("indirect", 3, False)]
    assert facet(response, "outlet") == []


def test_unfiltered_facets(archive, client):
    response = client.get(URL)
    assert facet(response, "speaker") == [
        ("sergey-lavrov", 15, False),
        ("konstantin-gavrilov", 13, False),
        ("alexander-grushko", 7, False),
        ("vladimir-putin", 6, False),
        ("russian-draft-agreements", 4, False),
        ("joe-biden", 2, False),
        ("russian-government", 2, False),
        ("jens-stoltenberg", 1, False),
        ("nato-alliance", 1, False),
        ("yuri-ushakov", 1, False),
    ]
    assert facet(response, "party") == [
        ("russia", 48, False),
        ("nato", 2, False),
        ("united-states", 2, False),
    ]
    assert facet(response, "format") == [
        ("unilateral", 8, False),
        ("leaders", 5, False),
        ("nato-russia-council", 4, False),
        ("bilateral-russia-us", 2, False),
        ("ministerial", 1, False),
    ]
    assert facet(response, "outlet") == [
        ("tass", 18, False),
        ("sputnik", 16, False),
        ("rt", 8, False),
    ]
    # The form shows the counts beside each option.
    assert 'Sergey Lavrov <span class="count">(15)</span>' in response.text
    assert '<option value="leaders">Leaders’ call or summit (5)</option>' in response.text


def test_chosen_option_left_empty_by_other_filters_shows_zero(archive, client):
    response = client.get(f"{URL}?speaker=joe-biden&format=nato-russia-council")
    assert shown_ids(response) == []
    assert ("joe-biden", 0, True) in facet(response, "speaker")
    assert "No statement matches these filters." in response.text


BAD_INPUT = [
    (
        "date_from=banana",
        "date_from",
        "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, for example 2022-01.",
    ),
    (
        "date_from=2022-02&date_to=2022-01",
        "date_to",
        "The end date is before the start date; swap them.",
    ),
    (
        "speaker=nobody",
        "speaker",
        "There is no speaker “nobody”. Pick one from the list, for example sergey-lavrov.",
    ),
    ("outlet=bbc", "outlet", "There is no outlet “bbc”. Pick one from the list, for example tass."),
    (
        "sort=sideways",
        "sort",
        "Unknown sort order “sideways”: use one of newest, oldest, relevance.",
    ),
]


@pytest.mark.parametrize(("query", "field", "message"), BAD_INPUT)
def test_bad_input_is_a_400_with_the_error_beside_the_field(archive, client, query, field, message):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert shown_ids(response) == []
    errors = re.search(
        rf'<ul class="errorlist" id="f-{field}-errors"><li>(.*?)</li></ul>', response.text
    )
    assert unescape(errors.group(1)) == message
    assert "These filters cannot be applied" in response.text


def test_unknown_parameter_is_a_400(archive, client):
    response = client.get(f"{URL}?colour=red")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Unknown parameter colour." in response.text


def test_search_highlights_and_suggests_speakers(archive, client):
    response = client.get(f"{URL}?q=lavrov+veto")
    assert response.status_code == HTTPStatus.OK
    # Stoltenberg's statement holds "veto" in its own text and sorts first by relevance.
    assert shown_ids(response)[0] == 52
    assert "<mark>veto</mark>" in response.text
    assert (
        'Did you mean speaker <a href="/speakers/sergey-lavrov/">Sergey Lavrov</a>?'
        in response.text
    )
    assert summary_text(response).endswith("matching “lavrov veto”")


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_keyset_pages_walk_every_row_once_and_keep_the_filters(archive, client, order):
    seen, url, pages = [], f"{URL}?sort={order}", []
    while url:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        seen += shown_ids(response)
        pages.append(url)
        following = re.search(r'<a rel="next" href="([^"]+)"', response.text)
        url = URL + unescape(following.group(1)) if following else None
    assert seen == all_ids(order)
    assert len(pages) == 3
    assert seen[-2:] == [26, 25] if order == "newest" else [25, 26]  # undated last
    assert all(f"sort={order}" in page for page in pages)
    # "Previous" from the last page gives the second page back.
    last = client.get(pages[-1])
    previous = re.search(r'<a rel="prev" href="([^"]+)"', last.text).group(1)
    assert shown_ids(client.get(URL + unescape(previous))) == seen[20:40]


def test_export_links_carry_the_current_filters(archive, client):
    response = client.get(f"{URL}?{LAVROV_JAN}")
    assert f'href="/quotes.json?{LAVROV_JAN}"' in response.text.replace("&amp;", "&")
