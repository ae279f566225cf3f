"""What pages keep under the archive's version token: side lists, and the token itself.

An event page's participants, parties and newest articles, and a speaker page's events, are
read once per archive version (articles.facet_counts.kept); a read-only request reads the
version token once (articles.middleware). Both databases: SQLite keeps the token too.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import facet_counts
from articles.models import Article, Event, Speaker
from tests.budgets import generous_budgets  # noqa: F401  (autouse: whole pages compared)
from tests.caches import clear_caches

NRC = "nato-russia-council-2022-01-12"


@pytest.fixture(autouse=True)
def empty_cache(db):
    clear_caches()
    yield
    clear_caches()


def _sql(client, url) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured]


SIDES = (
    'FROM "articles_speaker" INNER JOIN "articles_event_participants"',
    'FROM "articles_party" INNER JOIN "articles_event_parties"',
    'FROM "articles_article" INNER JOIN "articles_article_events"',
)


def _side_queries(sql: list[str]) -> list[str]:
    return [q for q in sql if any(side in q for side in SIDES)]


def test_an_event_page_reads_its_side_lists_once_per_version(archive, client):
    event = Event.objects.get(slug=NRC)
    url = event.get_absolute_url()
    first, sql = _sql(client, url)
    assert len(_side_queries(sql)) == 3
    participants = [s.slug for s in first.context["participants"]]
    articles = [a.slug for a in first.context["articles"]]
    assert participants and articles

    again, sql = _sql(client, url)
    assert _side_queries(sql) == []
    assert [s.slug for s in again.context["participants"]] == participants
    assert [a.slug for a in again.context["articles"]] == articles
    assert again.content == first.content

    # A write to the archive moves the version: the next visit reads the lists again.
    newcomer = Speaker.objects.create(name="Aaron Newcomer", slug="aaron-newcomer")
    event.participants.add(newcomer)
    after, sql = _sql(client, url)
    assert len(_side_queries(sql)) == 3
    assert [s.slug for s in after.context["participants"]] == sorted(
        participants + ["aaron-newcomer"],
        key=lambda slug: Speaker.objects.get(slug=slug).name,
    )
    assert b"Aaron Newcomer" in after.content


def test_a_speaker_page_reads_its_events_once_per_version(archive, client):
    speaker = Speaker.objects.get(slug="sergey-lavrov")
    url = speaker.get_absolute_url()
    first, sql = _sql(client, url)
    grouped = [q for q in sql if "GROUP BY" in q and 'FROM "articles_event"' in q]
    assert len(grouped) == 1
    events = [(e.slug, e.quote_count) for e in first.context["events"]]
    assert events and all(n > 0 for _, n in events)

    again, sql = _sql(client, url)
    assert not [q for q in sql if "GROUP BY" in q and 'FROM "articles_event"' in q]
    assert [(e.slug, e.quote_count) for e in again.context["events"]] == events

    # One statement fewer: its event's count drops on the next visit.
    slug, count = events[0]
    speaker.quotes.filter(event__slug=slug).order_by("pk").first().delete()
    after, _ = _sql(client, url)
    counts = dict((e.slug, e.quote_count) for e in after.context["events"])
    assert counts.get(slug, 0) == count - 1


@pytest.mark.parametrize(
    ("model", "slug", "lists"),
    [(Event, NRC, "event-page-sides"), (Speaker, "sergey-lavrov", "speaker-newest-events")],
)
def test_kept_side_markup_reads_no_side_lists(archive, client, monkeypatch, model, slug, lists):
    from articles import views

    read = []
    keep = views.kept
    monkeypatch.setattr(
        views, "kept", lambda alias, name, compute: read.append(name) or keep(alias, name, compute)
    )
    record = model.objects.get(slug=slug)
    first = client.get(record.get_absolute_url())
    assert [name for name in read if name.startswith(lists)] == [f"{lists}:{record.pk}"]
    # The block's markup is kept: the lists it is written from are not read again.
    again = client.get(record.get_absolute_url())
    assert again.content == first.content
    assert [name for name in read if name.startswith(lists)] == [f"{lists}:{record.pk}"]


def test_pages_of_different_events_keep_their_own_lists(archive, client):
    def sides(event):
        return (
            tuple(sorted(event.participants.values_list("slug", flat=True))),
            tuple(event.articles.newest_first().values_list("slug", flat=True)[:20]),
        )

    by_sides = {}
    for event in Event.objects.order_by("pk"):
        by_sides.setdefault(sides(event), event)
    events = list(by_sides.values())[:3]
    assert len(events) == 3  # three events that differ in what their pages list
    seen = []
    for event in events + events:
        response = client.get(event.get_absolute_url())
        seen.append(
            (
                tuple(sorted(s.slug for s in response.context["participants"])),
                tuple(a.slug for a in response.context["articles"]),
            )
        )
    assert seen == [sides(e) for e in events + events]


def test_a_search_page_reads_the_version_once(archive, client):
    _, sql = _sql(client, "/quotes/?q=guarantees")
    # Ranked ids, the article tier's check and the facets all read the same token.
    assert sum("parley_archive_version" in q for q in sql) == 1


def test_the_version_is_read_again_after_the_request(archive):
    with facet_counts.one_version_per_request():
        before = facet_counts.archive_version("default")
        Article.objects.filter(pk=Article.objects.order_by("pk").first().pk).update(headline="x")
        # Inside, the token read first is kept (no archive writes belong in a GET request) ...
        assert facet_counts.archive_version("default") == before
    # ... and outside, every call reads the database: the write has moved it.
    assert facet_counts.archive_version("default") != before


def test_a_post_request_reads_the_version_each_time(archive, rf):
    from articles.middleware import archive_version_once

    seen = []

    def view(request):
        seen.append(facet_counts._versions.get())
        from django.http import HttpResponse

        return HttpResponse()

    archive_version_once(view)(rf.post("/"))
    archive_version_once(view)(rf.get("/"))
    assert seen == [None, {}]


def _marks(sql: list[str]) -> int:
    # ts_headline on PostgreSQL; FTS5's highlight() or snippet() on SQLite.
    return sum(("ts_headline(" in q or "highlight(" in q or "snippet(" in q) for q in sql)


@pytest.mark.parametrize("url", ["/quotes/?q=guarantees", "/articles/?q=guarantees"])
def test_a_search_page_marks_its_rows_once_per_version(archive, client, url):
    first, sql = _sql(client, url)
    assert _marks(sql) == 1
    snippets = [str(row.snippet) for row in first.context["page"].rows]
    assert snippets and all("<mark>" in s for s in snippets[:3])

    again, sql = _sql(client, url)
    assert _marks(sql) == 0
    assert [str(row.snippet) for row in again.context["page"].rows] == snippets
    assert again.content == first.content

    Speaker.objects.create(name="Aaron Newcomer", slug="aaron-newcomer")
    after, sql = _sql(client, url)
    assert _marks(sql) == 1
    assert [str(row.snippet) for row in after.context["page"].rows] == snippets


def _suggested(sql) -> int:
    """The suggestion lookups: speakers by the names a query holds (not the names' list)."""
    return sum('"articles_speakeralias"' in q and " IN (" in q for q in sql)


def _names_read(sql) -> int:
    return sum('"articles_speakeralias"' in q and " IN (" not in q for q in sql)


def test_speaker_suggestions_are_found_once_per_version(archive, client):
    suggested = _suggested

    first, sql = _sql(client, "/quotes/?q=lavrov")
    assert suggested(sql) == 1
    assert [s.slug for s in first.context["suggestions"]] == ["sergey-lavrov"]
    again, sql = _sql(client, "/quotes/?q=lavrov")
    assert suggested(sql) == 0
    assert [s.slug for s in again.context["suggestions"]] == ["sergey-lavrov"]
    assert b'href="/speakers/sergey-lavrov/">Sergey Lavrov</a>?' in again.content

    # A new speaker of that name is suggested as soon as it is written.
    Speaker.objects.create(name="Lavrov", slug="lavrov-junior")
    after, sql = _sql(client, "/quotes/?q=lavrov")
    assert suggested(sql) == 1
    assert [s.slug for s in after.context["suggestions"]] == ["lavrov-junior", "sergey-lavrov"]


def test_a_search_that_names_no_speaker_looks_none_up(archive, client):
    # The names are read once per version and process; a query naming none of them sends no
    # suggestion lookup at all.
    first, sql = _sql(client, "/quotes/?q=guarantees")
    assert (_names_read(sql), _suggested(sql)) == (1, 0)
    assert first.context["suggestions"] == []
    second, sql = _sql(client, "/quotes/?q=legally+binding")
    assert (_names_read(sql), _suggested(sql)) == (0, 0)
    assert second.context["suggestions"] == []
    # A name, whole or as one of the query's words, is looked up as before.
    named, sql = _sql(client, "/quotes/?q=Lavrov+guarantees")
    assert (_names_read(sql), _suggested(sql)) == (0, 1)
    assert [s.slug for s in named.context["suggestions"]] == ["sergey-lavrov"]
    # A speaker written since is among the names at the new version.
    Speaker.objects.create(name="Guarantees", slug="guarantees")
    after, sql = _sql(client, "/quotes/?q=guarantees")
    assert (_names_read(sql), _suggested(sql)) == (1, 1)
    assert [s.slug for s in after.context["suggestions"]] == ["guarantees"]


def test_kept_values_are_not_read_by_code_with_other_models(archive, monkeypatch):
    # A deploy that changes a model's columns writes no row, so the archive's version stays;
    # the models' shape in the key keeps the new code from unpickling the old instances.
    computed = []

    def compute():
        computed.append(1)
        return ["value"]

    assert facet_counts.kept("default", "shape-test", compute) == ["value"]
    assert facet_counts.kept("default", "shape-test", compute) == ["value"]
    assert len(computed) == 1
    monkeypatch.setattr(facet_counts, "_schema", lambda: "another-shape")
    assert facet_counts.kept("default", "shape-test", compute) == ["value"]
    assert len(computed) == 2


def test_the_models_shape_follows_their_columns(monkeypatch):
    from articles.models import Outlet

    before = facet_counts._schema()
    facet_counts._schema.cache_clear()
    assert facet_counts._schema() == before  # stable for the same code
    field = Outlet._meta.concrete_fields[-1]
    monkeypatch.setattr(field, "attname", field.attname + "_renamed")
    facet_counts._schema.cache_clear()
    try:
        assert facet_counts._schema() != before
    finally:
        monkeypatch.undo()
        facet_counts._schema.cache_clear()
    assert facet_counts._schema() == before


def test_an_article_page_reads_its_statements_and_events_once_per_version(archive, client):
    article = Article.objects.filter(quotes__isnull=False, events__isnull=False).first()
    url = article.get_absolute_url()
    first, sql = _sql(client, url)
    quotes = [q.pk for q in first.context["quotes"]]
    events = [e.slug for e in first.context["events"]]
    assert quotes and events
    # The article itself, its statements, its events.
    assert len(sql) - _housekeeping(sql) == 3

    again, sql = _sql(client, url)
    assert len(sql) - _housekeeping(sql) == 1
    assert again.content == first.content
    # The statement to highlight is chosen per request, from the kept list.
    chosen = client.get(f"{url}?quote={quotes[1]}")
    assert chosen.status_code == 200 and chosen.context["current"].pk == quotes[1]
    assert f'id="q-{quotes[1]}"' in chosen.content.decode()
    assert client.get(f"{url}?quote=999999").status_code == 400

    # A speaker renamed: the next visit reads the statements again and shows the new name.
    speaker = first.context["quotes"][0].speaker
    Speaker.objects.filter(pk=speaker.pk).update(name="Renamed Speaker")
    after, sql = _sql(client, url)
    assert len(sql) - _housekeeping(sql) == 3
    assert after.context["quotes"][0].speaker.name == "Renamed Speaker"
    assert b"Renamed Speaker" in after.content


def _housekeeping(sql: list[str]) -> int:
    # The cache (a table on PostgreSQL, written in a savepoint), the version token and the
    # fixed join order's setting are not the page's own queries.
    return sum(
        q.startswith(("SAVEPOINT", "RELEASE", "SELECT current_setting", "SELECT set_config"))
        or any(t in q for t in ("parley_cache", "parley_archive_version"))
        for q in sql
    )


def test_a_quote_page_reads_the_other_reports_once_per_version(archive, client):
    from articles.models import Quote

    canonical = Quote.objects.get(text__startswith="legal guarantees are exactly")
    other = Quote.objects.get(text__startswith="Russia needs legally binding guarantees")
    Quote.objects.filter(pk=other.pk).update(same_as=canonical)
    url = canonical.get_absolute_url()
    first, sql = _sql(client, url)
    assert [q.pk for q in first.context["also_reported"]] == [other.pk]
    assert len(sql) - _housekeeping(sql) == 2  # the quote with its relations, the others

    again, sql = _sql(client, url)
    assert len(sql) - _housekeeping(sql) == 1
    assert again.content == first.content

    # A third report linked: the next visit lists it.
    third = Quote.objects.exclude(pk__in=[canonical.pk, other.pk]).order_by("pk").first()
    Quote.objects.filter(pk=third.pk).update(same_as=canonical)
    after, sql = _sql(client, url)
    assert len(sql) - _housekeeping(sql) == 2
    assert {q.pk for q in after.context["also_reported"]} == {other.pk, third.pk}


def test_the_home_page_counts_once_per_version(archive, client):
    first, sql = _sql(client, "/")
    assert sum(q.startswith('SELECT COUNT(*) AS "__count"') for q in sql) == 4
    assert [e.slug for e in first.context["events"]]
    speakers = first.context["counts"]["speakers"]
    assert first.context["counts"]["quotes"] == 52

    again, sql = _sql(client, "/")
    assert not [q for q in sql if "COUNT(" in q]
    assert again.content == first.content

    # A new speaker moves the version: counted again, and shown.
    Speaker.objects.create(name="Aaron Newcomer", slug="aaron-newcomer")
    after, _ = _sql(client, "/")
    assert after.context["counts"]["speakers"] == speakers + 1
    assert f"<strong>{speakers + 1}</strong> speakers" in after.content.decode()


def test_a_list_counts_its_rows_once_per_version(archive, client):
    from articles.models import Quote

    url = "/quotes/?kind=direct"
    first, sql = _sql(client, url)
    counts = [q for q in sql if q.startswith("SELECT COUNT(*) FROM (SELECT")]
    assert len(counts) == 1
    direct = first.context["page"].count
    assert direct == Quote.objects.filter(kind="direct").count() > 0

    again, sql = _sql(client, url)
    assert not [q for q in sql if q.startswith("SELECT COUNT(*) FROM (SELECT")]
    assert again.context["page"].count == direct
    # The count is the page's own: another filter counts its own rows.
    assert client.get("/quotes/?kind=indirect").context["page"].count == (
        Quote.objects.filter(kind="indirect").count()
    )

    Quote.objects.filter(pk=Quote.objects.filter(kind="direct").first().pk).update(kind="indirect")
    after, _ = _sql(client, url)
    assert after.context["page"].count == direct - 1


@pytest.mark.parametrize(
    ("url", "renamed", "new_name"),
    [
        (f"/events/{NRC}/", (Speaker, "sergey-lavrov"), "Sergey V. Lavrov"),
        ("/speakers/sergey-lavrov/", (Event, NRC), "NATO–Russia Council, renamed"),
        ("/", (Event, NRC), "NATO–Russia Council, renamed"),
    ],
)
def test_side_markup_is_written_once_per_version(
    archive, client, monkeypatch, url, renamed, new_name
):
    from articles.templatetags import kept as kept_tags

    written = []
    fresh = kept_tags.KeptNode.render_fresh
    monkeypatch.setattr(
        kept_tags.KeptNode, "render_fresh", lambda node, c: written.append(1) or fresh(node, c)
    )
    first = client.get(url)
    assert len(written) == 1
    again = client.get(url)
    assert len(written) == 1  # the kept HTML, not written again
    assert again.content == first.content

    model, slug = renamed
    assert new_name not in first.content.decode()
    model.objects.filter(slug=slug).update(name=new_name)
    after = client.get(url).content.decode()
    assert len(written) == 2
    assert new_name in after


def test_kept_markup_is_named_by_the_code_that_writes_it(tmp_path, settings):
    from articles.templatetags.kept import code_digest

    page = tmp_path / "page.html"
    page.write_text("<p>one</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    before = code_digest.__wrapped__()
    page.write_text("<p>two</p>")
    assert code_digest.__wrapped__() != before


@pytest.mark.parametrize(
    ("url", "field"),
    [("/events/", "event"), ("/speakers/", "speaker"), ("/events/?speaker=sergey-lavrov", "event")],
)
def test_a_list_counts_its_rows_statements_once_per_version(archive, client, url, field):
    from articles.models import Quote

    def grouped(sql):
        return [q for q in sql if "GROUP BY" in q and f'"articles_quote"."{field}_id"' in q]

    first, sql = _sql(client, url)
    assert len(grouped(sql)) == 1
    assert any("COUNT(*) FROM (SELECT" in q for q in sql)
    rows = first.context["page"].rows
    assert rows
    expected = {row.pk: Quote.objects.filter(**{field: row}).count() for row in rows}
    assert {row.pk: row.quote_count for row in rows} == expected
    assert any(expected.values())

    again, sql = _sql(client, url)
    assert not grouped(sql)
    assert not any("COUNT(" in q for q in sql)
    assert again.content == first.content

    # A statement moved to another of the page's rows: both counts change on the next visit.
    counted = [row for row in rows if expected[row.pk]]
    target = next(row for row in rows if row.pk != counted[0].pk)
    quote = Quote.objects.filter(**{field: counted[0]}).first()
    Quote.objects.filter(pk=quote.pk).update(**{field: target})
    after = {row.pk: row.quote_count for row in client.get(url).context["page"].rows}
    assert after[counted[0].pk] == expected[counted[0].pk] - 1
    assert after[target.pk] == expected[target.pk] + 1


def test_past_the_names_memory_holds_every_search_looks_up_its_names(archive, client, monkeypatch):
    from articles import dimensions

    monkeypatch.setattr(dimensions, "MAX_HELD", 1)
    first, sql = _sql(client, "/quotes/?q=guarantees")
    assert (_names_read(sql), _suggested(sql)) == (1, 1)  # read once, found too many, not held
    second, sql = _sql(client, "/quotes/?q=binding")
    assert (_names_read(sql), _suggested(sql)) == (0, 1)
    assert first.context["suggestions"] == second.context["suggestions"] == []
