"""A statement reported by several outlets shows the other reports on its page."""

from http import HTTPStatus

from articles.models import Quote
from tests.budgets import generous_budgets  # noqa: F401  (autouse: pinned counts)


def test_linked_reports_list_each_other(archive, client):
    # Two reports of Putin's demand for legal guarantees: TASS (Dec 6) and TASS again (Dec 19).
    canonical = Quote.objects.get(text__startswith="legal guarantees are exactly")
    other = Quote.objects.get(text__startswith="Russia needs legally binding guarantees")
    other.same_as = canonical
    other.save()

    page = client.get(canonical.get_absolute_url())
    assert page.status_code == HTTPStatus.OK
    assert [q.pk for q in page.context["also_reported"]] == [other.pk]
    html = page.content.decode()
    assert "Also reported by" in html
    assert f'<a href="/quotes/{other.pk}/">TASS, 19 December 2021</a>' in html

    page = client.get(other.get_absolute_url())
    assert [q.pk for q in page.context["also_reported"]] == [canonical.pk]
    assert f'<a href="/quotes/{canonical.pk}/">TASS, 6 December 2021</a>' in page.content.decode()


def test_an_unlinked_statement_has_no_section(archive, client):
    quote = Quote.objects.get(text="other means")
    page = client.get(quote.get_absolute_url())
    assert list(page.context["also_reported"]) == []
    assert "Also reported by" not in page.content.decode()


def test_the_other_reports_cost_one_query_whatever_their_number(archive, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    canonical = Quote.objects.get(text__startswith="legal guarantees are exactly")
    alone = Quote.objects.get(text="other means")

    def queries(quote):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(quote.get_absolute_url())
        # The shared cache counts its table on one write in 50 per process (cache_backend): not
        # the page's own work, and which visit it falls on depends on the tests run before.
        culls = [q for q in captured if q["sql"].startswith('SELECT COUNT(*) FROM "parley_cache"')]
        return len(response.context["also_reported"]), len(captured) - len(culls)

    shown, unlinked = queries(alone)
    assert shown == 0
    others = Quote.objects.exclude(pk__in=[canonical.pk, alone.pk]).order_by("pk")[:3]
    Quote.objects.filter(pk__in=[q.pk for q in others]).update(same_as=canonical)
    # Three other reports with their outlets and dates: no query per report (deferred fields).
    assert queries(canonical) == (3, unlinked)
