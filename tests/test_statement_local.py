"""A count's time budget sent in front of its statement (articles/statement_local.py): outside
a transaction, in one message, for that statement only."""

import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from articles import facet_counts, statement_local
from articles.models import Quote

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SET LOCAL and statement_timeout are PostgreSQL's"
)


def setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def idle() -> bool:
    # Not left inside a transaction of its own (psycopg's TransactionStatus.IDLE is 0).
    return connection.connection.info.transaction_status == 0


def run(name):
    """A budgeted task: a query that outlasts any budget, or a quick one."""
    sql = "SELECT pg_sleep(2)" if name == "slow" else "SELECT %s"
    return facet_counts._fetch(connection.alias, (sql, [] if name == "slow" else [7]))


def test_only_alone_and_with_parameters_bound_on_the_client(transactional_db):
    assert statement_local.possible(connection)
    with transaction.atomic():
        assert not statement_local.possible(connection)


def test_a_budgeted_count_is_one_statement_and_its_budget_ends_with_it(transactional_db):
    cancelled = []
    with CaptureQueriesContext(connection) as captured:
        started = time.monotonic()
        done = facet_counts.within_budget(
            connection.alias,
            [("quick", "quick"), ("slow", "slow"), ("after", "after")],
            run,
            budget_ms=150,
            cancelled=cancelled,
        )
        elapsed = time.monotonic() - started
    # The rows are the statement's, not the setting's; the slow one is cancelled at the
    # budget's end, and the one after it has no time left to start.
    assert done == {"quick": [(7,)]}
    assert cancelled == ["slow"]
    assert elapsed < 1.0
    sent = [q["sql"] for q in captured.captured_queries]
    assert len(sent) == 2  # no BEGIN, no separate setting, no COMMIT
    assert all(sql.startswith("SET LOCAL statement_timeout = ") for sql in sent)
    assert sent[0].endswith("; SELECT 7") and sent[1].endswith("; SELECT pg_sleep(2)")
    first_ms = int(sent[0].removeprefix("SET LOCAL statement_timeout = ").split(";")[0])
    assert 100 <= first_ms <= 150
    # Neither the budget nor a transaction outlives its statement.
    assert setting("statement_timeout") == "0"
    assert idle()


def test_inside_a_transaction_the_budget_is_set_in_it_and_cancelling_leaves_it_usable(db):
    cancelled = []
    done = facet_counts.within_budget(
        connection.alias,
        [("quick", "quick"), ("slow", "slow")],
        run,
        budget_ms=150,
        cancelled=cancelled,
    )
    assert cancelled == ["slow"] and done == {"quick": [(7,)]}
    assert Quote.objects.count() == 0  # the test's transaction still answers


def test_a_logged_statement_splits_into_its_settings_and_itself():
    sent = statement_local.timeout(time.monotonic() + 0.05) + "SELECT 1; -- SET LOCAL x = 1; "
    settings, statement = statement_local.split(sent)
    assert list(settings) == ["statement_timeout"]
    assert 1 <= int(settings["statement_timeout"]) <= 50
    assert statement == "SELECT 1; -- SET LOCAL x = 1; "
    assert statement_local.split("SELECT 2") == ({}, "SELECT 2")
