"""Count the quote list's facets ahead of readers, after a bulk load (needs a shared cache).

A list page spends at most PARLEY_FACET_BUDGET_MS on counting; over a million quotes the
unfiltered list and lists with one broad filter (a format, a kind, an outlet, a party, a year)
need more. This command counts exactly those, without the page's budget, into the cache under
the archive's current version token (articles/facet_counts.py), so the first readers find them.
Single-speaker and single-event lists need no warming: their own facet is the unfiltered one and
their other facets count a few thousand rows at most. A later write moves the token; pages then
count again within their budget and in the background, or run this again.
"""

import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.test import RequestFactory

from articles.facet_counts import archive_version, shared_cache
from articles.facets import quote_facets
from articles.filters import QuoteFilterSet
from articles.models import Quote

BROAD_FILTERS = ("format", "kind", "outlet", "party")


class Command(BaseCommand):
    help = (
        "Count the statement list's facets for the unfiltered list and each single broad filter "
        "(format, kind, outlet, party, year) into the shared cache."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--options",
            type=int,
            default=20,
            help="Per filter, warm the lists of its N largest options (default 20).",
        )
        parser.add_argument(
            "--timeout", type=float, default=60.0, help="Seconds allowed per list (default 60)."
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Empty the cache first (every cached count, of any list or search).",
        )

    def handle(self, *args, options, timeout, clear, **other):
        if archive_version(Quote.objects.db) is None or not shared_cache():
            raise CommandError(
                "Counts made here would be lost: the cache is this process's memory (the "
                "default with SQLite). Set PARLEY_CACHE to 'db' or a redis:// URL."
            )
        if clear:
            cache.clear()
        started = time.perf_counter()
        unfiltered = self._count(QueryDict(""), timeout)
        lists = []
        for facet in unfiltered:
            if facet.name in BROAD_FILTERS:
                lists += [f"{facet.name}={option.value}" for option in facet.options[:options]]
        years = Quote.objects.filter(said_on__isnull=False).dates("said_on", "year")
        lists += [f"date_from={day.year}&date_to={day.year}" for day in years]
        for query in lists:
            self._count(QueryDict(query), timeout)
        seconds = time.perf_counter() - started
        self.stdout.write(f"Counted the facets of {len(lists) + 1} lists in {seconds:.1f} s.")

    def _count(self, params: QueryDict, timeout: float):
        request = RequestFactory().get("/quotes/", params)
        filterset = QuoteFilterSet(params, queryset=Quote.objects.all(), request=request)
        if not filterset.is_valid():
            raise CommandError(f"Cannot count {params.urlencode()}: {filterset.form.errors}")
        facets = quote_facets(filterset, Quote.objects.all(), budget_ms=timeout * 1000)
        late = [f.name for f in facets if f.timed_out]
        if late and self.verbosity:
            self.stderr.write(f"{params.urlencode() or 'unfiltered'}: not counted in time: {late}")
        return facets
