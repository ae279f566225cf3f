"""Home, speaker, event and quote pages: what each shows, and the filters inside them."""

import re
from html import unescape
from http import HTTPStatus

from articles.models import Quote
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)


def text_of(html: str) -> str:
    """The page's words, one space apart, without the spaces tags leave around punctuation."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r"([(“]) | ([,.;:)”])", r"\1\2", text)


def permalinks(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/quotes/(\d+)/">permalink', response.text)]


def test_home_shows_holdings_timeline_and_latest(archive, client):
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    text = text_of(response.text)
    assert "52 statements, each marked in its source" in text
    assert "11 speakers" in text and "9 events" in text and "5 articles" in text
    timeline = [(e.slug, e.quote_count) for e in response.context["events"]]
    assert timeline == [
        ("putin-ambassadors-credentials-2021-12-01", 4),
        ("putin-biden-video-summit-2021-12-07", 1),
        ("draft-agreements-handed-over-2021-12-15", 0),
        ("draft-agreements-published-2021-12-17", 4),
        ("putin-biden-call-2021-12-30", 4),
        ("geneva-security-talks-2022-01-10", 2),
        ("nato-russia-council-2022-01-12", 4),
        ("osce-permanent-council-2022-01-13", 0),
        ("lavrov-blinken-geneva-2022-01-21", 1),
    ]
    assert (
        "12 Jan 2022 NATO–Russia Council meeting NATO–Russia Council · Brussels · 4 statements"
        in text
    )
    assert '<a href="/events/nato-russia-council-2022-01-12/">' in response.text
    assert permalinks(response) == [17, 16, 15, 14, 13]


def test_quote_permalink_gives_statement_context_source_and_place(archive, client):
    response = client.get("/quotes/52/")
    assert response.status_code == HTTPStatus.OK
    text = text_of(response.text)
    assert "Jens Stoltenberg, 12 January 2022" in text
    assert "Speaker Jens Stoltenberg, Secretary General of NATO (NATO)" in text
    assert "Event NATO–Russia Council meeting (NATO–Russia Council, 12 January 2022)" in text
    assert "outlet not named in the copy, 13 January 2022" in text
    assert (
        "In context …In turn, the alliance reaffirmed NATO’s Open Door policy and the right of "
        "each nation to choose its own security arrangements. “No one else has anything to say, "
        "and of course Russia does not have a veto (on states joining NATO),” Stoltenberg said "
        "at a press conference following the crisis talks. Other talks with Russia also took "
        "place in Europe this week.…"
    ) in text
    article = Quote.objects.get(pk=52).article
    assert f'href="{article.get_absolute_url()}?quote=52#q-52"' in response.text


def test_unknown_quote_is_404(archive, client):
    assert client.get("/quotes/9999/").status_code == HTTPStatus.NOT_FOUND


def test_speaker_list_and_filter(archive, client):
    response = client.get("/speakers/")
    assert response.status_code == HTTPStatus.OK
    rows = [(s.slug, s.quote_count) for s in response.context["page"].rows]
    assert rows[:3] == [
        ("alexander-grushko", 7),
        ("antony-blinken", 0),
        ("jens-stoltenberg", 1),
    ]
    assert len(rows) == 11
    response = client.get("/speakers/?party=nato")
    assert [s.slug for s in response.context["page"].rows] == ["jens-stoltenberg", "nato-alliance"]
    assert client.get("/speakers/?party=mars").status_code == HTTPStatus.BAD_REQUEST


def test_speaker_page_lists_statements_in_time_order_and_filters_them(archive, client):
    response = client.get("/speakers/sergey-lavrov/")
    assert response.status_code == HTTPStatus.OK
    text = text_of(response.text)
    assert "Role Foreign Minister of Russia Organisation Russian Foreign Ministry" in text
    assert permalinks(response) == [*range(49, 42, -1), *range(34, 26, -1)]
    assert [(e.slug, e.quote_count) for e in response.context["events"]] == [
        ("nato-russia-council-2022-01-12", 1),
        ("geneva-security-talks-2022-01-10", 2),
    ]
    assert response.context["event_total"] == 2
    assert "/events/?speaker=sergey-lavrov" not in response.text  # all of them are shown
    filtered = client.get("/speakers/sergey-lavrov/?kind=direct&sort=oldest")
    assert permalinks(filtered) == [29, 32, 44, 45, 47, 49]
    assert "6 statements of kind Direct quotation" in text_of(filtered.text)
    assert 'href="/quotes.json?kind=direct&amp;sort=oldest&amp;speaker=sergey-lavrov"' in (
        filtered.text
    )
    # The speaker is fixed by the address, so the parameter is not accepted here.
    assert client.get("/speakers/sergey-lavrov/?speaker=joe-biden").status_code == 400


def test_event_list_is_a_timeline_filterable_by_format(archive, client):
    response = client.get("/events/?format=leaders")
    assert response.status_code == HTTPStatus.OK
    assert [e.slug for e in response.context["page"].rows] == [
        "putin-biden-video-summit-2021-12-07",
        "putin-biden-call-2021-12-30",
    ]
    assert "2 events at Leaders’ call or summit" in text_of(response.text)
    newest = client.get("/events/?sort=newest")
    assert newest.context["page"].rows[0].slug == "lavrov-blinken-geneva-2022-01-21"


def test_event_page_sets_each_sides_account_side_by_side(archive, client):
    response = client.get("/events/nato-russia-council-2022-01-12/")
    assert response.status_code == HTTPStatus.OK
    sides = [(party, [q.pk for q in quotes]) for party, quotes in response.context["by_party"]]
    assert sides == [("NATO", [52, 51]), ("Russia", [45, 50])]
    text = text_of(response.text)
    assert "Parties NATO, Russia Participants Jens Stoltenberg (NATO)" in text
    assert [a.pk for a in response.context["articles"]] == [2, 5, 4]
    filtered = client.get("/events/nato-russia-council-2022-01-12/?party=russia")
    assert [(p, [q.pk for q in qs]) for p, qs in filtered.context["by_party"]] == [
        ("Russia", [45, 50])
    ]


def test_about_page_documents_every_json_field(archive, client):
    response = client.get("/about/data/")
    assert response.status_code == HTTPStatus.OK
    for field in ["count", "next", "results", "speaker", "event", "article", "format", "place"]:
        assert f"<code>{field}</code>" in response.text
