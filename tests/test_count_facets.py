"""manage.py count_facets: the list's facets counted into the cache before anyone asks."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from articles import facet_counts, facets
from tests.caches import clear_caches


def timed_out(client, url):
    return [f.name for f in client.get(url).context["facets"] if f.timed_out]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="counts are cached on PostgreSQL")
def test_warmed_lists_show_counts_with_no_time_left_to_count(archive, client, monkeypatch):
    clear_caches()
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facet_counts, "BACKGROUND_COUNTS", False)
    assert timed_out(client, "/quotes/?format=leaders") != []  # proves the budget bites

    call_command("count_facets", verbosity=0)

    warmed = ["", "format=leaders", "kind=direct", "outlet=tass", "party=russia"]
    for query in [*warmed, "date_from=2022&date_to=2022"]:
        url = f"/quotes/?{query}"
        assert timed_out(client, url) == [], url
    # A filter combination nobody warmed is still counted live (here: not at all, no budget).
    assert timed_out(client, "/quotes/?format=leaders&kind=direct") != []
    outlets = next(f for f in client.get("/quotes/").context["facets"] if f.name == "outlet")
    assert [(o.value, o.count) for o in outlets.options] == [
        ("tass", 18),
        ("sputnik", 16),
        ("rt", 8),
    ]
    clear_caches()


@pytest.mark.django_db
def test_with_a_per_process_cache_it_refuses_rather_than_count_for_nothing(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(CommandError, match="the cache is this process's memory"):
        call_command("count_facets", verbosity=0)
