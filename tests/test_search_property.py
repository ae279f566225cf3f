"""Random queries never make search fail, on whichever database the tests run."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import search
from articles.models import Article, Quote
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)

# Words of the archive and every piece of syntax either engine knows, so random strings hit
# matches, operators and FTS5 metacharacters, not only noise.
TOKENS = st.sampled_from(
    [
        "guarantee",
        "legally",
        "binding",
        "lavrov",
        "NATO",
        "OR",
        "or",
        "AND",
        "NOT",
        "NEAR",
        "-",
        '"',
        "'",
        "*",
        "^",
        ":",
        "(",
        ")",
        "{",
        "}",
        "&",
        "|",
        "!",
        "<->",
        ";",
        "--",
        "\\",
        "\x00",
        "\ue000",
        " ",
    ]
)
QUERIES = st.one_of(
    st.text(max_size=60),
    st.lists(TOKENS, max_size=25).map("".join),
    st.lists(st.one_of(TOKENS, st.text(max_size=5)), max_size=12).map(" ".join),
    # 10,000-character queries: a random piece repeated (Hypothesis draws short strings).
    st.text(min_size=1, max_size=40).map(lambda piece: (piece * 10_000)[:10_000]),
)

hypothesis_settings = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@hypothesis_settings
@given(query=QUERIES)
def test_any_query_searches_and_highlights_without_error(archive, query):
    # The archive fixture loads once per test, not per example: the examples only read.
    parsed = search.parse_query(query)
    results = list(search.search_quotes(Quote.objects.all(), query).order_by("-rank", "-id")[:5])
    assert all(isinstance(q.rank, float) for q in results)
    if not parsed:
        assert results == []
    for quote in search.highlight_quotes(results, query):
        assert quote.snippet.count("<mark>") == quote.snippet.count("</mark>")
        assert "<" not in quote.snippet.replace("<mark>", "").replace("</mark>", "")
    articles = list(search.search_articles(Article.objects.all(), query).order_by("-rank")[:3])
    for article in search.highlight_articles(articles, query):
        assert article.snippet.count("<mark>") == article.snippet.count("</mark>")
    list(search.suggest_speakers(query))
    assert len(parsed.websearch()) <= 3 * search.MAX_QUERY_LENGTH
