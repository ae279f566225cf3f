"""A kept connection is checked by the archive version's read, not by a SELECT 1 of its own
(articles.middleware.version_first), and a connection the server has closed is replaced
without the reader seeing an error. Both databases; the closed connection on PostgreSQL.

Django's test client does not send ``request_started`` to close_old_connections, which is
what marks a kept connection as unchecked at the start of a request; the tests do it.
"""

import time
from unittest import mock

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from articles import facet_counts
from articles.middleware import archive_version_once
from articles.models import Quote


def _kept_connection():
    """An open connection, as a request finds it when an earlier one kept it."""
    connection.ensure_connection()
    connection.health_check_done = False


def _count_quotes(request):
    return HttpResponse(str(Quote.objects.count()))


@pytest.mark.parametrize(("method", "checks"), [("get", 0), ("post", 1)])
def test_a_read_only_request_checks_its_kept_connection_by_reading_the_version(
    transactional_db, rf, method, checks
):
    _kept_connection()
    with (
        mock.patch.object(connection, "is_usable", wraps=connection.is_usable) as is_usable,
        CaptureQueriesContext(connection) as captured,
    ):
        response = archive_version_once(_count_quotes)(getattr(rf, method)("/"))
    assert response.content == b"0"
    # A GET sends no SELECT 1: its first query is the version read. A POST (which may write
    # and reads the version as it needs it) keeps Django's check.
    assert is_usable.call_count == checks
    sql = [q["sql"] for q in captured]
    if method == "get":
        assert len(sql) == 2
        assert "parley_archive_version" in sql[0]
        assert "COUNT(*)" in sql[1]
    else:
        assert len(sql) == 1
        assert "COUNT(*)" in sql[0]


def test_a_new_connection_is_not_checked_at_all(transactional_db, rf):
    connection.close()
    with CaptureQueriesContext(connection) as captured:
        response = archive_version_once(_count_quotes)(rf.get("/"))
    assert response.content == b"0"
    # The version is read when a page needs it, as before: nothing runs ahead of the view.
    assert [("COUNT(*)" in q["sql"]) for q in captured] == [True]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server to close it")
def test_a_page_is_served_when_the_server_closed_the_kept_connection(transactional_db, client):
    _kept_connection()
    pid = connection.connection.info.backend_pid
    other = connection.copy()
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):  # the backend ends a moment after it is told to
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.02)
    other.close()

    response = client.get("/quotes/")
    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid
    assert facet_counts.archive_version("default") is not None
