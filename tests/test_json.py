"""The JSON twins: same parameters as the HTML lists, {"count", "next", "results"}, exact fields."""

from http import HTTPStatus

import pytest

from articles.filters import RESULT_CAP
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)


def test_quote_object_fields(archive, client):
    response = client.get("/quotes.json?speaker=jens-stoltenberg")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["count"] == 1 and data["count_capped"] is False and data["next"] is None
    slug = "lavrov-says-nato-and-us-vowed-to-submit-written-responses-to-moscows-demands-for"
    assert data["results"] == [
        {
            "id": 52,
            "url": "http://testserver/quotes/52/",
            "text": "No one else has anything to say, and of course Russia does not have a veto "
            "(on states joining NATO)",
            "kind": "direct",
            "date": "2022-01-12",
            "speaker": {
                "name": "Jens Stoltenberg",
                "slug": "jens-stoltenberg",
                "party": {"name": "NATO", "slug": "nato"},
                "url": "http://testserver/speakers/jens-stoltenberg/",
            },
            "event": {
                "name": "NATO–Russia Council meeting",
                "slug": "nato-russia-council-2022-01-12",
                "format": "nato-russia-council",
                "date": "2022-01-12",
                "url": "http://testserver/events/nato-russia-council-2022-01-12/",
            },
            "article": {
                "headline": "Lavrov says NATO and US vowed to submit written responses to "
                "Moscow’s demands for ‘security guarantees’",
                "url": f"http://testserver/articles/{slug}/",
                "outlet": None,
                "published": "2022-01-13",
                "place": f"http://testserver/articles/{slug}/?quote=52#q-52",
            },
            "relayed_by": None,
            "medium": "press conference following the NATO–Russia Council",
        }
    ]


def test_quotes_json_takes_the_html_parameters(archive, client):
    query = "speaker=sergey-lavrov&date_from=2022-01&date_to=2022-01&format=nato-russia-council"
    data = client.get(f"/quotes.json?{query}").json()
    assert [q["id"] for q in data["results"]] == [45]
    assert data["results"][0]["event"]["slug"] == "nato-russia-council-2022-01-12"
    assert data["results"][0]["article"]["outlet"] is None


def test_next_links_walk_every_quote(archive, client):
    url, ids = "/quotes.json?sort=oldest&kind=indirect", []
    while url:
        data = client.get(url).json()
        assert data["count"] == 23
        ids += [q["id"] for q in data["results"]]
        url = data["next"]
        assert url is None or url.startswith("http://testserver/quotes.json?sort=oldest&kind=")
    assert len(ids) == 23 == len(set(ids))
    assert ids[:2] == [6, 1] and ids[-2:] == [25, 26]


def test_bad_parameters_are_a_400_with_field_errors(archive, client):
    response = client.get("/quotes.json?date_from=banana&speaker=nobody")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "errors": {
            "speaker": [
                {
                    "message": "There is no speaker “nobody”. Pick one from the list, "
                    "for example sergey-lavrov.",
                    "code": "invalid_choice",
                }
            ],
            "date_from": [
                {
                    "message": "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, for example 2022-01.",
                    "code": "invalid",
                }
            ],
        }
    }


def test_events_json(archive, client):
    data = client.get("/events.json?format=nato-russia-council").json()
    assert data == {
        "count": 1,
        "count_capped": False,
        "next": None,
        "results": [
            {
                "name": "NATO–Russia Council meeting",
                "slug": "nato-russia-council-2022-01-12",
                "kind": "meeting",
                "date": "2022-01-12",
                "end_date": None,
                "format": "nato-russia-council",
                "place": "Brussels",
                "statements": 4,
                "url": "http://testserver/events/nato-russia-council-2022-01-12/",
            }
        ],
    }


def test_speakers_json(archive, client):
    data = client.get("/speakers.json?party=united-states").json()
    assert data["count"] == 2
    assert data["results"][1] == {
        "name": "Joe Biden",
        "slug": "joe-biden",
        "kind": "person",
        "role": "President of the United States",
        "organisation": "White House",
        "party": {"name": "United States", "slug": "united-states"},
        "statements": 2,
        "url": "http://testserver/speakers/joe-biden/",
    }
    assert data["results"][0]["slug"] == "antony-blinken"


def test_articles_json(archive, client):
    data = client.get("/articles.json?outlet=tass&sort=oldest").json()
    assert [(a["slug"][:20], a["published"], a["statements"]) for a in data["results"]] == [
        ("reaching-security-gu", "2021-12-06", 9),
        ("us-position-on-secur", "2021-12-19", 9),
    ]
    assert data["results"][0]["outlet"] == {"name": "TASS", "slug": "tass"}
    assert data["results"][0]["date_basis"] == "year-inferred"
    assert data["results"][0]["events"] == [
        "putin-ambassadors-credentials-2021-12-01",
        "putin-biden-video-summit-2021-12-07",
    ]


@pytest.mark.parametrize(
    "path", ["/quotes.json", "/articles.json", "/speakers.json", "/events.json"]
)
def test_every_twin_rejects_unknown_parameters(archive, client, path):
    response = client.get(f"{path}?bogus=1")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"]["__all__"][0]["code"] == "unknown"


def test_count_is_capped(archive, client, monkeypatch):
    # The cap is 1,000 in production; lowering it shows what a larger archive answers.
    from articles import pagination

    monkeypatch.setattr(pagination, "RESULT_CAP", 10)
    data = client.get("/quotes.json").json()
    assert (data["count"], data["count_capped"]) == (10, True)
    assert RESULT_CAP == 1000
