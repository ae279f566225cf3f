"""The query plans that keep Parley fast at scale, asserted on a generated corpus (PostgreSQL).

Plans depend on table sizes and statistics, so these tests generate a few thousand quotes
(analysed by the loader) and EXPLAIN the exact SQL the page sends, captured from a real
request. SQLite's planner and FTS5 are not what production runs at scale, so the module is
skipped there.
"""

import re
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import statement_local

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Query plans are asserted on PostgreSQL, the production database at scale",
    ),
]
pytest.importorskip("wordfreq", reason="generate_corpus needs the 'bench' extra (wordfreq)")


@pytest.fixture
def corpus(transactional_db):
    call_command("generate_corpus", quotes=6000, seed=11, speakers=200, events=60, verbosity=0)
    yield
    # A search page can leave facet counts to a background thread (articles/facet_counts.py):
    # it must be done before the test's tables are emptied, or the two deadlock (seen on a
    # slow machine: TRUNCATE waited on the count's lock, the count on TRUNCATE's).
    from articles import facet_counts

    for thread in list(facet_counts._threads):
        thread.join(timeout=60)


# Either index of the quotes' search vectors (migrations 0003 and 0011): the planner weighs them.
FULL_TEXT = r"quote_search_vector_(gin|rum)"
FULL_TEXT_BITMAP = rf"Bitmap Index Scan on {FULL_TEXT}"


def page_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


def rows_query(queries: list[str]) -> str:
    """The query that fetches the page's quotes (it selects their text)."""
    matches = [sql for sql in queries if '"articles_quote"."text"' in sql.split(" FROM ")[0]]
    assert matches, queries
    return matches[0]


def explain(sql: str) -> str:
    _, statement = statement_local.split(sql)  # a count's time budget, sent in front of it
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        return "\n".join(row[0] for row in cursor.fetchall())


def a_rare_word() -> str:
    """A word that occurs in exactly one quote's text."""
    from collections import Counter

    from articles.models import Quote

    counts = Counter(
        word for text in Quote.objects.values_list("text", flat=True) for word in set(text.split())
    )
    return next(w for w, n in sorted(counts.items()) if n == 1 and len(w) > 6 and w.isalpha())


def a_common_word() -> str:
    from collections import Counter

    from articles.models import Quote

    counts = Counter(
        word for text in Quote.objects.values_list("text", flat=True) for word in set(text.split())
    )
    # Stop words are not indexed: the commonest word a search finds.
    return next(w for w, _ in counts.most_common() if _searchable(w))


def _searchable(word: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('english', %s) != ''::tsvector", [word])
        return len(word) > 3 and word.isalpha() and cursor.fetchone()[0]


def test_search_for_a_rare_word_reads_a_full_text_index(corpus, client):
    word = a_rare_word()
    queries = page_queries(client, f"/quotes/?q={word}")

    # The page ranks the matching ids (found through a full-text index: the GIN index, or the
    # RUM index, which orders them or serves a bitmap), then reads its rows by id. A word this
    # rare brings in its article tier: the tier's ids are read apart, from the article index.
    ranked = next(sql for sql in queries if "@@" in sql and " <=> " in sql and "LIMIT" in sql)
    plan = explain(ranked)
    assert re.search(FULL_TEXT, plan), plan
    assert "Seq Scan on articles_quote " not in plan, plan
    tier = next(sql for sql in queries if '"article_id" = ANY' in sql and "LIMIT" in sql)
    plan = explain(tier)
    assert re.search(r"Index (Only )?Scan using \w*article\w* on articles_quote", plan), plan
    assert "Seq Scan on articles_quote " not in plan, plan
    rows = explain(rows_query(queries))
    assert re.search(r"Index Scan using articles_quote_pkey on articles_quote", rows), rows
    assert "Seq Scan on articles_quote " not in rows, rows


def test_a_common_words_best_ids_come_from_the_rum_index_in_its_order(corpus, client, monkeypatch):
    from articles import pagination, search
    from articles.models import Quote

    # Caps of 100 in this small archive (1,000 at scale): the commonest word has more own
    # matches than that, so there is no article tier, and the best 101 come from the index.
    monkeypatch.setattr(search, "RESULT_COUNT_CAP", 100)
    monkeypatch.setattr(pagination, "RESULT_CAP", 100)
    word = a_common_word()
    matches = search.search_quotes(Quote.objects.all(), word, article_tier=search.ArticleTier())
    assert matches.count() > search.RESULT_COUNT_CAP
    queries = page_queries(client, f"/quotes/?q={word}")

    # Once, and once more under EXPLAIN: the planner's estimate of the matches it skipped.
    (ranked,) = [sql for sql in queries if " <=> " in sql and not sql.startswith("EXPLAIN")]
    plan = explain(ranked)
    assert re.search(r"Limit.*\n.*Index Scan using quote_search_vector_rum on articles_quote", plan)
    assert "Order By: (search_vector <=> " in plan, plan
    assert "Sort" not in plan, plan


def test_every_search_query_on_the_page_uses_a_full_text_index(corpus, client):
    word = a_rare_word()

    for sql in page_queries(client, f"/quotes/?q={word}"):
        if "@@" in sql and "articles_quote" in sql.split(" WHERE ")[0]:
            # Queries that find the matches use the index; those limited to the page's ids
            # (its rows, their highlights) read the ids instead.
            index = "articles_quote_pkey" if '"articles_quote"."id" IN (' in sql else FULL_TEXT
            assert re.search(index, explain(sql)), sql


def test_first_page_of_the_quote_list_walks_an_index_without_sorting_the_table(corpus, client):
    plan = explain(rows_query(page_queries(client, "/quotes/")))

    # Keyset pagination reads the (said_on, id) index in order: no sort of the whole table.
    assert "Seq Scan on articles_quote" not in plan, plan
    assert not re.search(r"Sort Key: articles_quote\.said_on", plan), plan
    assert re.search(r"Index Scan( Backward)? using quote_said_on_idx", plan), plan


def test_a_deep_page_of_the_quote_list_starts_from_the_index(corpus, client):
    from articles.models import Quote

    middle = Quote.objects.order_by("-said_on", "-pk")[3000]
    url = f"/quotes/?after={middle.said_on.isoformat()}.{middle.pk}"

    plan = explain(rows_query(page_queries(client, url)))

    assert "Seq Scan on articles_quote" not in plan, plan
    assert re.search(r"Index (Only )?Scan( Backward)? using quote_said_on_idx", plan), plan


def test_the_list_by_format_walks_its_own_format_and_date_index(corpus, client):
    plan = explain(rows_query(page_queries(client, "/quotes/?format=ministerial")))

    # The event's format is on the quote row (migration 0008): no walk of the date index that
    # filters each row through its event.
    assert re.search(r"Index Scan( Backward)? using quote_format_date_idx", plan), plan
    assert "articles_event" not in plan.split("Limit")[1].split("->")[1], plan


def test_the_list_by_party_walks_its_own_party_and_date_index(corpus, client):
    from articles.models import Party

    party = Party.objects.order_by("slug").first()
    plan = explain(rows_query(page_queries(client, f"/quotes/?party={party.slug}")))

    assert re.search(r"Index Scan( Backward)? using quote_party_date_idx", plan), plan


def test_the_list_by_outlet_walks_its_own_index_and_its_facet_reads_no_article(corpus, client):
    from articles.models import Outlet

    outlet = Outlet.objects.order_by("slug").first()
    queries = page_queries(client, f"/quotes/?outlet={outlet.slug}&kind=direct")
    plan = explain(rows_query(page_queries(client, f"/quotes/?outlet={outlet.slug}")))

    # The article's outlet is on the quote row (migration 0010).
    assert re.search(r"Index Scan( Backward)? using quote_outlet_date_idx", plan), plan
    # The facet's two queries (the chosen outlet's count, the other outlets') group the quote row.
    facet = [sql for sql in queries if '"article_outlet_id" AS "article_outlet"' in sql]
    assert len(facet) == 2, queries
    assert not [sql for sql in facet if "articles_article" in sql], facet


def test_a_searchs_facets_read_its_matches_once(corpus, client):
    queries = page_queries(client, f"/quotes/?q={a_rare_word()}")

    # Every facet whose filter is unused is counted in one query: one scan of the matches,
    # found through the GIN index, grouped six ways.
    (facets,) = [sql for sql in queries if "GROUPING SETS" in sql]
    plan = explain(facets)
    assert len(re.findall(r"Scan on articles_quote\b", plan)) == 1, plan
    assert re.search(FULL_TEXT_BITMAP, plan), plan
    assert len(re.findall(r"(?:Hash|Group) Key: articles_quote\.", plan)) == 6, plan


def test_speaker_suggestions_look_up_names_and_read_speakers_by_id(corpus, client):
    from articles.models import Speaker

    name = Speaker.objects.order_by("pk").values_list("name", flat=True).first()
    # The whole name: a query naming no speaker looks none up (tests/test_version_cache.py).
    queries = page_queries(client, "/quotes/?" + urlencode({"q": name}))
    # (The other query naming the aliases reads every name once per version, not by name.)
    suggested = next(sql for sql in queries if '"articles_speakeralias"' in sql and " IN (" in sql)
    plan = explain(suggested)
    # The two name lookups are one list (an Append), joined to the speakers: no speaker is
    # tested against the lists one by one ("hashed SubPlan"), which read every speaker at any
    # size. (At 200 speakers a scan of the table is the cheaper join; at 2,000 the lists are
    # read from the lower(name) indexes and the speakers by id.)
    assert "SubPlan" not in plan, plan
    assert "Append" in plan, plan
