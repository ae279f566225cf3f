"""Time budgets generous enough for tests that pin exact counts (import into the module).

Facet counts and the article-text tier of a search run within small time budgets
(articles/facets.py, articles/search.py). On a loaded CI machine even the curated archive's
queries could overrun them and turn a pinned count into "not shown"; tests of the budgets
themselves set them explicitly.
"""

import pytest

from articles import facets, search


@pytest.fixture(autouse=True)
def generous_budgets(monkeypatch):
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 10_000)
    monkeypatch.setattr(search, "ARTICLE_TIER_BUDGET_MS", 10_000)
