"""A speaker page lists the newest events they spoke about; the events list has the rest.

The most quoted speaker of the 1M-quote corpus spoke about 496 events, and listing them all
took most of their page's time. The page shows SPEAKER_EVENTS of them and links to the event
list filtered by the speaker, which takes ``speaker`` like every other list.
"""

from http import HTTPStatus

import pytest

from articles import views
from tests.caches import clear_caches
from tests.test_views_pages import text_of

LAVROV_EVENTS_NEWEST = ["nato-russia-council-2022-01-12", "geneva-security-talks-2022-01-10"]


@pytest.fixture(autouse=True)
def empty_cache(db):
    # The page keeps its event list under the archive version; a cap set by one test must
    # not read a list kept under another.
    clear_caches()
    yield
    clear_caches()


def test_a_speaker_page_shows_the_newest_events_and_links_to_all(archive, client, monkeypatch):
    monkeypatch.setattr(views, "SPEAKER_EVENTS", 1)
    response = client.get("/speakers/sergey-lavrov/")
    assert response.status_code == HTTPStatus.OK
    assert [e.slug for e in response.context["events"]] == LAVROV_EVENTS_NEWEST[:1]
    assert response.context["event_total"] == 2
    assert "The 1 newest of 2: all 2 events Sergey Lavrov spoke about." in text_of(response.text)
    assert 'href="/events/?speaker=sergey-lavrov&amp;sort=newest"' in response.text


def test_the_event_list_filters_by_speaker(archive, client):
    response = client.get("/events/?speaker=sergey-lavrov&sort=newest")
    assert response.status_code == HTTPStatus.OK
    assert [e.slug for e in response.context["page"].rows] == LAVROV_EVENTS_NEWEST
    assert [e.quote_count for e in response.context["page"].rows] == [4, 2]
    text = text_of(response.text)
    assert "2 events with statements by Sergey Lavrov ×" in text
    # The filter stays in the form, so changing another field keeps it.
    assert '<input type="hidden" name="speaker" value="sergey-lavrov"' in response.text
    # Its remove link drops the speaker and keeps the sort.
    assert 'href="?sort=newest"' in response.text


def test_several_speakers_are_any_of_them(archive, client):
    one = {e.slug for e in client.get("/events/?speaker=jens-stoltenberg").context["page"].rows}
    both = client.get("/events/?speaker=jens-stoltenberg&speaker=sergey-lavrov")
    assert {e.slug for e in both.context["page"].rows} == one | set(LAVROV_EVENTS_NEWEST)
    assert "with statements by Jens Stoltenberg × or Sergey Lavrov ×" in text_of(both.text)


def test_an_unknown_speaker_is_a_400_with_its_message(archive, client):
    response = client.get("/events/?speaker=nobody-at-all")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "There is no speaker “nobody-at-all”" in text_of(response.text)
    assert "page" not in response.context


def test_the_json_event_list_takes_the_same_filter(archive, client):
    body = client.get("/events.json?speaker=sergey-lavrov&sort=newest").json()
    assert [e["slug"] for e in body["results"]] == LAVROV_EVENTS_NEWEST
    assert body["count"] == 2
