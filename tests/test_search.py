"""Full-text search behaviour, the same assertions on SQLite (FTS5) and PostgreSQL (tsvector).

Ranked order is pinned as tiers: the rows whose quote text matches, then those whose speaker
matches, then headline, then body. Inside a tier the two engines order by their own scores
(ts_rank vs bm25), so a tier is compared as a set; the tiers and their order must agree.
Quote ids are the fixture's (fixtures/archive.json).
"""

import re

import pytest
from django.db import connection

from articles import facet_counts, search
from articles.models import Article, Quote, Speaker, SpeakerAlias
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)

LAVROV = {27, 28, 29, 30, 31, 32, 33, 34, 43, 44, 45, 46, 47, 48, 49}
GRUSHKO = set(range(18, 25))
GAVRILOV = {1, 2, 3, 4, 5, *range(10, 18)}
ARTICLE_5 = set(range(43, 53))


def ranked(query, queryset=None):
    qs = search.search_quotes(queryset or Quote.objects.all(), query)
    return list(qs.order_by("-rank", "-said_on", "-id").values_list("pk", flat=True))


def assert_tiers(query, *tiers):
    result = ranked(query)
    got, start = [], 0
    for tier in tiers:
        got.append(set(result[start : start + len(tier)]))
        start += len(tier)
    assert got == [set(t) for t in tiers]
    assert len(result) == start, f"{len(result) - start} rows beyond the expected tiers"


def snippet(pk, query):
    (quote,) = search.highlight_quotes(Quote.objects.filter(pk=pk), query)
    return str(quote.snippet)


@pytest.mark.django_db
def test_the_database_under_test_is_the_one_configured():
    # Both CI runs execute this module; a silent fallback to one engine would hide the other.
    assert connection.vendor in {"sqlite", "postgresql"}


def test_words_must_all_match_and_quote_text_ranks_first(archive):
    # Quote text (A) above article body (D): the four quotes saying it come first.
    rest = set(range(1, 43)) - set(range(10, 18)) - {26, 30, 31, 37}
    assert_tiers("legally binding", {26, 30, 31, 37}, rest)


def test_quote_text_then_speaker_then_headline_then_body(archive):
    # Quote 14 names Lavrov in its text; then Lavrov's own quotes (speaker, B); then the
    # other quotes of the two articles with Lavrov in the headline (C); then the body only (D).
    assert_tiers(
        "lavrov",
        {14},
        LAVROV,
        {35, 36, 37, 38, 39, 40, 41, 42, 50, 51, 52},
        {10, 11, 12, 13, 15, 16, 17},
    )


def test_exact_phrase(archive):
    assert_tiers('"open door"', {51}, ARTICLE_5 - {51})
    assert snippet(51, '"open door"') == (
        "NATO’s <mark>Open Door</mark> policy and the right of each nation to choose its own "
        "security arrangements"
    )


def test_stemming_matches_other_forms(archive):
    top = {1, 6, 7, 9, 18, 25, 26, 27, 28, 30, 31, 36, 37, 43, 50}
    assert ranked("guarantee")[:15] == ranked("guarantees")[:15]
    assert set(ranked("guarantee")[:15]) == top
    # Then the draft agreements: their speaker name says "guarantees".
    assert set(ranked("guarantee")[15:19]) == {39, 40, 41, 42}
    assert len(ranked("guaranteed")) == Quote.objects.count()
    assert snippet(1, "guarantee") == (
        "Reaching written agreements on mutual security <mark>guarantees</mark> with NATO "
        "countries is extremely difficult, yet possible"
    )


def test_or(archive):
    assert_tiers("Grushko OR Gavrilov", GRUSHKO | GAVRILOV, {6, 7, 8, 9, 25, 26})
    assert ranked("grushko or gavrilov") == ranked("Grushko OR Gavrilov")


def test_exclude(archive):
    # Articles 2, 4 and 5 mention Lavrov somewhere; only articles 1 and 3 remain.
    assert_tiers("guarantees -Lavrov", {1, 6, 7, 9, 18, 25, 26}, {2, 3, 4, 5, 8, *range(19, 25)})


def test_highlight_marks_a_phrase_once_and_escapes(archive):
    assert snippet(26, "legally binding") == (
        "Russia needs <mark>legally binding</mark> guarantees because the West has failed to "
        "fulfill its verbal commitments"
    )
    # Matched through its article only: the text is shown escaped, without marks.
    assert snippet(33, "legally binding") == (
        "Russia will not allow the US and NATO to delay the process with "
        "&quot;endless discussions.&quot;"
    )


def test_highlight_takes_one_query_for_the_rows_shown(archive):
    from django.test.utils import CaptureQueriesContext

    from tests.caches import clear_caches

    clear_caches()
    quotes = list(search.search_quotes(Quote.objects.all(), "guarantee").order_by("pk")[:20])
    with CaptureQueriesContext(connection) as captured:
        search.highlight_quotes(quotes, "guarantee")
    # Besides the cache's own reads and writes (a table on PostgreSQL) and the version token.
    sql = [
        q["sql"]
        for q in captured
        if not any(t in q["sql"] for t in ("parley_cache", "parley_archive_version"))
        and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(sql) == 1
    assert {q.pk for q in quotes if "<mark>" in q.snippet} == {1, 6, 7, 9, 18}
    clear_caches()


@pytest.fixture
def hostile_quote(archive):
    body = (
        "Preamble. Ultimatum <script>alert('boom')</script> and "
        '<img src=x onerror="alert(1)"> ultimatum ends, said the envoy.'
    )
    text = body[len("Preamble. ") : body.index(", said")]
    article = Article.objects.create(
        headline="A hostile document",
        slug="hostile",
        body=body,
        raw_text=body,
        content_hash="0" * 64,
    )
    start = body.index(text)
    return Quote.objects.create(
        text=text,
        speaker=Speaker.objects.get(slug="sergey-lavrov"),
        article=article,
        kind=Quote.Kind.DIRECT,
        start=start,
        end=start + len(text),
    )


def test_highlighting_escapes_markup_in_documents(hostile_quote):
    # PostgreSQL's parser does not index words inside tags, so the search is for plain words.
    assert ranked("ultimatum") == [hostile_quote.pk]
    html = snippet(hostile_quote.pk, "ultimatum")
    assert html == (
        "<mark>Ultimatum</mark> &lt;script&gt;alert(&#x27;boom&#x27;)&lt;/script&gt; and "
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>ultimatum</mark> ends"
    )
    # A search for the markup itself is only words: it never injects anything.
    for query in ('"<script>" ultimatum', "<img onerror=alert(1)> ultimatum"):
        html = snippet(hostile_quote.pk, query)
        assert "<script" not in html and "<img" not in html
        assert html.count("<mark>") == html.count("</mark>") >= 2


@pytest.mark.parametrize(
    "query",
    ["", "   ", "OR", "or OR or", "-", "--", '""', '"', "-nato", "the", '"to be" or not', "&& ||"],
)
def test_queries_with_nothing_to_search_find_nothing_and_say_why(archive, query):
    assert ranked(query) == []
    assert search.parse_query(query).notices[-1].startswith("Nothing to search for")


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE articles_quote; --",
        'guarantee" OR 1=1 --',
        "NEAR(legally binding, 2) AND text:guarantee^ *",
        "guarant* {text speaker}: x",
        '"unbalanced phrase',
        "legally\x00binding",
        "guarantee\x01\x1f\x7f\ud800",
        "\ue000guarantee\ue001",
        "-(-(-",
        "ＧＵＡＲＡＮＴＥＥ",
    ],
)
def test_hostile_queries_never_fail(archive, query):
    result = ranked(query)
    assert isinstance(result, list)
    quotes = search.highlight_quotes(Quote.objects.filter(pk__in=result[:5]), query)
    assert all("<mark>" not in q.snippet or "</mark>" in q.snippet for q in quotes)
    assert Quote.objects.count() == 52


def test_nul_and_control_characters_are_separators(archive):
    assert ranked("legally\x00binding") == ranked("legally binding")
    assert ranked("guarantee\x01\x7f") == ranked("guarantee")


def test_long_query_is_truncated_and_says_so(archive):
    query = "guarantee " * 1000
    parsed = search.parse_query(query)
    assert parsed.truncated
    assert "only the first 500" in parsed.notices[0]
    assert len(ranked(query)) == 52


def test_fts5_translation_quotes_every_term():
    parsed = search.parse_query('legally "open door" OR NEAR(x*) -"russia""b" col:y^')
    assert parsed.fts5() == (
        '("legally" AND "open door") OR ("NEAR(x*)" AND "b" AND "col:y^" NOT "russia")'
    )
    assert parsed.websearch() == '"legally" "open door" or "NEAR(x*)" -"russia" "b" "col:y^"'


def test_repeated_terms_are_searched_once_and_terms_are_capped():
    assert search.parse_query("Guarantee guarantee GUARANTEE").websearch() == '"Guarantee"'
    words = " ".join(f"w{i}" for i in range(40))
    parsed = search.parse_query(words)
    assert len(parsed.groups[0]) == search.MAX_TERMS
    assert parsed.too_many
    assert "only the first 32 were used" in parsed.notices[0]


def test_parse_query_groups_and_ignored_words():
    parsed = search.parse_query("the guarantees OR -nato")
    assert parsed.websearch() == '"guarantees"'
    assert parsed.ignored == ("the", "-nato")
    assert search.parse_query('"unclosed phrase').websearch() == '"unclosed phrase"'


def test_speaker_rename_refreshes_quotes(archive):
    Speaker.objects.filter(slug="alexander-grushko").update(name="Aleksandr Grushkin")
    assert set(ranked("Grushkin")) == GRUSHKO
    speaker = Speaker.objects.get(slug="alexander-grushko")
    speaker.name = "Alexander Grushko"
    speaker.save()
    assert ranked("Grushkin") == []


def test_alias_changes_refresh_quotes(archive):
    speaker = Speaker.objects.get(slug="yuri-ushakov")
    alias = SpeakerAlias.objects.create(speaker=speaker, name="Yurii Viktorovich")
    assert ranked("Viktorovich") == [38]
    alias.delete()
    assert ranked("Viktorovich") == []


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger's vector is PostgreSQL's"
)
def test_a_speakers_aliases_enter_the_vector_in_the_order_they_were_added(archive):
    # Rewriting an alias row moves it to the end of the table: string_agg with no ORDER BY then
    # put it after the others, and loading the same fixture twice gave other positions.
    speaker = Speaker.objects.get(slug="yuri-ushakov")
    first = SpeakerAlias.objects.create(speaker=speaker, name="Alphonse")
    SpeakerAlias.objects.create(speaker=speaker, name="Bertrand")
    first.name = "Alphonsine"
    first.save()
    (vector,) = Quote.objects.filter(pk=38).values_list("search_vector", flat=True)
    positions = {
        word: int(places.split(",")[0][:-1])
        for word, places in re.findall(r"'(\w+)':([\dA-D,]+)", vector)
    }
    assert positions["alphonsin"] < positions["bertrand"], vector


def test_headline_and_body_edits_refresh_quotes_and_articles(archive):
    article = Article.objects.get(pk=5)
    article.headline = "Lavrov on the Zanzibar channel"
    article.save()
    assert set(ranked("zanzibar")) == ARTICLE_5
    assert [a.pk for a in search.search_articles(Article.objects.all(), "zanzibar")] == [5]
    # Same length, outside every quote: the quotes' offsets stay valid.
    Article.objects.filter(pk=5).update(body=article.body.replace("Vienna", "Zagreb"))
    assert set(ranked("zagreb")) == ARTICLE_5
    assert not ARTICLE_5 & set(ranked("vienna"))


def test_quote_edit_and_delete_refresh_the_index(archive):
    assert set(ranked("veto")) == ARTICLE_5
    Quote.objects.get(pk=52).delete()
    assert set(ranked("veto")) == ARTICLE_5 - {52}
    quote = Quote.objects.get(pk=51)
    quote.kind = Quote.Kind.PARTIAL
    quote.save()
    assert ranked('"open door"')[0] == 51


def test_search_chains_with_other_filters(archive):
    lavrov = Speaker.objects.get(slug="sergey-lavrov")
    qs = Quote.objects.by_speaker(lavrov).search("guarantee")
    assert set(qs.values_list("pk", flat=True)) == LAVROV
    assert Quote.objects.search("the").count() == 0


def test_article_search_ranks_headline_first(archive):
    articles = search.search_articles(Article.objects.all(), "lavrov").order_by("-rank", "pk")
    assert [a.pk for a in articles][:2] in ([4, 5], [5, 4])
    assert {a.pk for a in articles} == {2, 4, 5}
    (article,) = search.highlight_articles(Article.objects.filter(pk=2), "inspiring")
    assert "<mark>inspiring</mark>" in article.snippet


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("lavrov", ["sergey-lavrov"]),
        ("Sergei Lavrov guarantees", ["sergey-lavrov"]),
        ("sergey lavrov", ["sergey-lavrov"]),
        ("LAVROV OR grushko", ["alexander-grushko", "sergey-lavrov"]),
        ("the kremlin", ["russian-government"]),
        ("security guarantees", []),
        ("", []),
    ],
)
def test_suggest_speakers(archive, query, slugs):
    assert [s.slug for s in search.suggest_speakers(query)] == slugs


def test_count_capped(archive):
    qs = search.search_quotes(Quote.objects.all(), "guarantee")
    assert str(search.count_capped(qs)) == "52"
    capped = search.count_capped(qs, cap=10)
    assert (capped.value, capped.capped, str(capped)) == (10, True, "10+")
    assert str(search.CappedCount(1000, True)) == "1,000+"


SQLITE_TRIGGERS = {
    "articles_quote_fts_insert",
    "articles_quote_fts_update",
    "articles_quote_fts_delete",
    "articles_speaker_fts_insert",
    "articles_speaker_fts_update",
    "articles_speakeralias_fts_insert",
    "articles_speakeralias_fts_update",
    "articles_speakeralias_fts_delete",
    "articles_article_fts_insert",
    "articles_article_fts_update",
    "articles_article_fts_headline",
    "articles_article_fts_delete",
    "quote_event_format_insert",
    "quote_event_format_update",
    "event_format_to_quotes",
    "quote_speaker_party_insert",
    "quote_speaker_party_update",
    "speaker_party_to_quotes",
}
POSTGRES_TRIGGERS = {
    "quote_search_vector",
    "article_search_vector",
    "article_refresh_quote_vectors",
    "speaker_refresh_quote_vectors",
    "speakeralias_refresh_quote_vectors",
    "quote_event_format",
    "event_format_to_quotes",
    "quote_speaker_party",
    "speaker_party_to_quotes",
}


@pytest.mark.django_db
def test_index_triggers_survive_every_migration():
    # SQLite drops a table's triggers when a migration rebuilds the table; a later migration
    # that rebuilds quote, article, speaker or alias tables must create these again.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = SQLITE_TRIGGERS
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = POSTGRES_TRIGGERS
        assert expected <= {name for (name,) in cursor.fetchall()}


def test_search_uses_the_full_text_index(archive):
    qs = search.search_quotes(Quote.objects.all(), "guarantee").order_by()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The fixture is small enough for a sequential scan; forbid it to see the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = qs.explain()
            assert re.search(r"quote_search_vector_(gin|rum)", plan), plan
        else:
            plan = qs.explain()
            assert "VIRTUAL TABLE INDEX" in plan and "articles_quote_fts" in plan


def test_article_body_matches_join_only_below_the_result_cap(archive, monkeypatch):
    # "legally binding": 4 quotes say it, 30 more are in articles whose text does. With a cap of
    # 4 the quotes' own matches fill it, so the body-only tier could never be shown and is left
    # out (of the rows, the count and the facets alike), without a notice: it is the rule.
    monkeypatch.setattr(search, "RESULT_COUNT_CAP", 5)
    assert search.article_tier_for(Quote.objects.all(), "legally binding").article_ids
    assert len(ranked("legally binding")) == 34
    monkeypatch.setattr(search, "RESULT_COUNT_CAP", 4)
    assert search.article_tier_for(Quote.objects.all(), "legally binding") == search.ArticleTier()
    assert set(ranked("legally binding")) == {26, 30, 31, 37}
    # Decided within the queryset searched: two of Lavrov's own quotes say it.
    lavrov = Quote.objects.filter(speaker__slug="sergey-lavrov")
    assert search.article_tier_for(lavrov, "legally binding").article_ids


@pytest.mark.parametrize(
    ("setting", "value", "left_out", "why"),
    [
        ("ARTICLE_TIER_MAX", 2, "many", "matched too many articles"),
        ("ARTICLE_TIER_BUDGET_MS", 0, "slow", "took too long"),
    ],
)
def test_article_tier_left_out_when_too_large_or_slow_says_so(
    archive, client, monkeypatch, setting, value, left_out, why
):
    monkeypatch.setattr(search, setting, value)
    tier = search.article_tier_for(Quote.objects.all(), "legally binding")
    assert (tier.article_ids, tier.left_out) == ((), left_out)
    assert set(ranked("legally binding")) == {26, 30, 31, 37}
    response = client.get("/quotes/?q=legally+binding")
    assert response.context["page"].count == 4
    assert (
        "Statements found only through the text of their article are not included: that part "
        f"of the search {why}." in response.text
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="kept in the cache on PostgreSQL")
def test_the_article_tier_found_once_is_kept_for_the_next_search(archive, monkeypatch):
    from tests.caches import clear_caches

    clear_caches()
    found = search.article_tier_for(Quote.objects.all(), "legally binding")
    assert found.article_ids
    # No time left to look again: the articles found before are reused, not left out.
    monkeypatch.setattr(search, "ARTICLE_TIER_BUDGET_MS", 0)
    assert search.article_tier_for(Quote.objects.all(), "legally binding") == found
    # A write moves the archive's version: the kept list is not served for the new rows.
    Quote.objects.filter(pk=26).update(note="edited")
    assert search.article_tier_for(Quote.objects.all(), "legally binding").left_out == "slow"
    clear_caches()


@pytest.mark.parametrize("base", ["all", "lavrov"])
def test_the_article_tier_kept_is_found_without_building_its_search(archive, monkeypatch, base):
    from tests.caches import clear_caches

    clear_caches()
    quotes = Quote.objects.all()
    if base == "lavrov":
        quotes = quotes.filter(speaker__slug="sergey-lavrov")
    built = []
    search_quotes = search.search_quotes
    monkeypatch.setattr(
        search, "search_quotes", lambda *a, **k: built.append(a[1]) or search_quotes(*a, **k)
    )
    monkeypatch.setattr(search, "_SHAPED", {})  # no SQL built by an earlier test
    with facet_counts.one_version_per_request():
        first = search.article_tier_for(quotes, "legally binding")
    # PostgreSQL builds the SQL of every search of this base for a stand-in's words (_shaped).
    words = "parleystandin" if connection.vendor == "postgresql" else "legally binding"
    assert built == [words]
    with facet_counts.one_version_per_request():
        assert search.article_tier_for(quotes, "legally binding") == first
    assert built == [words]  # named by the base and the words: no SQL to build
    # Another base is another count: everyone's matches are not Lavrov's.
    other = Quote.objects.exclude(speaker__slug="sergey-lavrov")
    with facet_counts.one_version_per_request():
        search.article_tier_for(quotes if base == "all" else other, "legally binding")
    assert len(built) == (1 if base == "all" else 2)
    clear_caches()


def test_a_ranked_page_reads_its_rows_by_id_without_searching_again(archive, client):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/quotes/?q=guarantees")
    rows_sql = [
        q["sql"]
        for q in captured
        if '"articles_quote"."text"' in q["sql"].split(" FROM ")[0]
        and "ts_headline" not in q["sql"]
    ]
    assert len(rows_sql) == 1
    # The ids came from the ranked query; the rows query neither matches nor ranks again.
    assert "MATCH" not in rows_sql[0] and "@@" not in rows_sql[0] and "ts_rank" not in rows_sql[0]
    rank = dict(search.search_quotes(Quote.objects.all(), "guarantees").values_list("pk", "rank"))
    # The best 20 by rank; rows of equal rank come in the RUM index's order on PostgreSQL.
    shown = [rank[q.pk] for q in response.context["page"].rows]
    assert shown == sorted(rank.values(), reverse=True)[:20]


def _ranks(sql: str) -> bool:
    return "rum_ts_score(" in sql or " <=> " in sql or "bm25(" in sql


def test_a_search_ranks_once_for_all_its_visits_until_a_write(archive, client):
    from django.test.utils import CaptureQueriesContext

    from tests.caches import clear_caches

    clear_caches()
    url = "/quotes/?q=Grushko"
    first = client.get(url)
    rows = [q.pk for q in first.context["page"].rows]
    assert len(rows) > 3 and first.context["page"].count == len(rows)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url)
    # The best ids and the capped count come from the cache: nothing is ranked or counted.
    assert not any(_ranks(q["sql"]) for q in captured)
    assert [q.pk for q in again.context["page"].rows] == rows
    # A write moves the archive's version: the next visit ranks again and sees the change.
    Quote.objects.filter(pk=rows[-1]).delete()
    with CaptureQueriesContext(connection) as captured:
        after = client.get(url)
    # On PostgreSQL the article tier ranks the search's own matches first, which the page
    # then finds kept (search.article_tier_for, search._best_with_tier).
    assert sum(_ranks(q["sql"]) for q in captured if not q["sql"].startswith("EXPLAIN")) == 1
    assert [q.pk for q in after.context["page"].rows] == rows[:-1]
    assert after.context["page"].count == len(rows) - 1
    clear_caches()


def test_a_search_sees_a_new_article_of_its_tier_though_its_sql_is_built_once(archive, client):
    from tests.caches import clear_caches

    clear_caches()
    url = "/quotes/?q=guarantees"
    before = client.get(url).context["page"]
    assert before.count == 52  # own 44, and 8 more statements of the articles that say it
    # A new article says the word in its text only: its statement joins the article tier.
    article = Article.objects.get(pk=1)
    article.pk, article.slug, article.content_hash = None, "talks-again", "0" * 64
    article.headline, article.standfirst = "Talks again", ""
    article.body = article.raw_text = "Moscow wants guarantees. Ryabkov said: we will talk."
    article.save()
    start = article.body.index("we will talk")
    new = Quote.objects.create(
        article=article,
        speaker_id=Quote.objects.get(pk=1).speaker_id,
        text="we will talk",
        kind="direct",
        start=start,
        end=start + len("we will talk"),
    )
    after = client.get("/quotes/", {"q": "guarantees", "page": 3}).context["page"]
    assert after.count == 53
    assert new.pk in [q.pk for q in after.rows]
    clear_caches()


def test_the_article_tier_of_a_base_that_holds_nothing_is_empty(archive):
    # Its own matches are counted from SQL built in Python, which an empty base cannot give.
    assert search.article_tier_for(Quote.objects.none(), "guarantees") == search.ArticleTier()
    assert search.article_tier_for(Quote.objects.filter(pk__in=[]), "guarantees").article_ids == ()


def test_a_search_with_its_article_tier_pages_in_the_order_of_its_rank(archive, client):
    from django.test.utils import CaptureQueriesContext

    from tests.caches import clear_caches

    # "Russia NATO": 15 statements say both words, and the 37 other statements of the five
    # articles that do come after them, all of one rank, newest id first.
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        first = client.get("/quotes/", {"q": "Russia NATO"}).context["page"]
    sent = [q["sql"] for q in captured]  # before the next request empties Django's log
    rank = dict(search.search_quotes(Quote.objects.all(), "Russia NATO").values_list("pk", "rank"))
    pages = [first] + [
        client.get("/quotes/", {"q": "Russia NATO", "page": n}).context["page"] for n in (2, 3)
    ]
    shown = [q.pk for page in pages for q in page.rows]
    assert first.count == 52 and sorted(shown) == sorted(rank)
    # In the order of rank (ties in the RUM index's order on PostgreSQL), the 15 first.
    assert [rank[pk] for pk in shown] == sorted(rank.values(), reverse=True)
    assert set(shown[:15]) == {9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 30, 33, 48, 50, 52}
    assert min(rank[pk] for pk in shown[:15]) > search.ARTICLE_WEIGHT
    assert {rank[pk] for pk in shown[15:]} == {search.ARTICLE_WEIGHT}
    assert shown[15:] == sorted(shown[15:], reverse=True)
    # No statement of the tier is ranked: the ranking reads the 15 and the ids of the rest
    # alone (search._best_with_tier).
    tier = (
        '"articles_quote"."article_id" = ANY'
        if connection.vendor == "postgresql"
        else "WHERE article_id IN ("
    )
    ranking = [sql.split(" WHERE ", 1)[1] for sql in sent if _ranks(sql)]
    assert ranking and not any(tier in sql for sql in ranking)
    assert [sql for sql in sent if tier in sql and not _ranks(sql) and "GROUP BY" not in sql]
    clear_caches()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array parameter")
def test_an_article_tiers_ids_go_to_postgresql_as_one_array_literal(archive, client):
    from django.test.utils import CaptureQueriesContext

    from tests.caches import clear_caches

    # Written once as text ('{1,2,3}'), not adapted by psycopg id by id in every statement
    # that names the tier (search._TierArticles): the tier's quotes, and the facets over them.
    clear_caches()
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/quotes/", {"q": "Russia NATO"}).status_code == 200
    tier = search.article_tier_for(Quote.objects.all(), "Russia NATO").article_ids
    assert len(tier) == 5
    named = [
        re.findall(r"= ANY\('\{([0-9,]*)\}'::bigint\[\]\)", q["sql"])
        for q in captured
        if '"article_id" = ANY' in q["sql"]
    ]
    assert len(named) == 2  # the tier's quotes, and the facets over the page's rows
    assert all(
        found and {tuple(map(int, ids.split(","))) for ids in found} == {tier} for found in named
    )
    clear_caches()


@pytest.mark.parametrize(
    "query",
    ["treaty", '"legally binding"', "nato or treaty", "security -guarantees", "o'brien's", "é"],
)
def test_a_search_of_a_shape_built_before_gets_its_own_words_sql(archive, monkeypatch, query):
    # On PostgreSQL _shaped builds a shape's SQL once, for a stand-in's words, and puts each
    # search's words in their place: the result must be what building it for them gives.
    monkeypatch.setattr(search, "_SHAPED", {})
    lavrov = Quote.objects.filter(speaker__slug="sergey-lavrov")
    for base in (Quote.objects.all(), lavrov):

        def own(words, base=base):
            found = search.search_quotes(base, words, article_tier=search.ArticleTier())
            return search.by_relevance(found).values_list("pk")[:1001].query.sql_with_params()

        def articles(words):
            found = search.search_articles(Article.objects.all(), words).values_list("pk")
            return found[:1001].query.sql_with_params()

        for shape, build in ((("own", facet_counts.base_name(base)), own), (("ids",), articles)):
            for words in ("first words", "first -words", query):
                assert search._shaped("default", shape, words, build) == build(words)
    kinds = {negated for (_, _, negated) in search._SHAPED}
    assert kinds == ({False, True} if connection.vendor == "postgresql" else set())
