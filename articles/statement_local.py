"""PostgreSQL settings that hold for one statement: ``SET LOCAL`` sent in that statement's message.

With parameters bound on the client (psycopg's default under Django), ``SET LOCAL x; SELECT ...``
travels as one simple-query message, which PostgreSQL runs as one implicit transaction: the
setting holds for the statement and is gone after it, with no BEGIN, no separate ``SET`` and
no COMMIT, three round trips of their own. Inside someone's transaction the setting would
hold for the rest of it, so only alone (``possible``). The prefix is part of the statement
Django is given, so query logs and the benchmark's floor (bench/probe.py) see it.
"""

from __future__ import annotations

import re
import time

# What statement_local puts in front of a statement, as query logs show it.
_PREFIX = re.compile(r"^(?:SET LOCAL \w+ = \w+; )+")
_SETTING = re.compile(r"SET LOCAL (\w+) = (\w+); ")


def possible(connection) -> bool:
    """Whether a ``SET LOCAL`` in front of a statement holds for that statement alone."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not connection.settings_dict["OPTIONS"].get("server_side_binding")
    )


def timeout(deadline: float) -> str:
    """The prefix that cancels its statement at ``deadline`` (time.monotonic())."""
    ms = max(1, int((deadline - time.monotonic()) * 1000))
    return f"SET LOCAL statement_timeout = {ms}; "


def fetchall(cursor, prefix: str, sql: str, params) -> list[tuple]:
    """The rows of ``sql`` run with ``prefix`` (``SET LOCAL`` statements) in front of it."""
    cursor.execute(prefix + sql, params)
    # psycopg stands on the first statement's result, the SET's: the rows are the last one.
    while cursor.nextset():
        pass
    return cursor.fetchall()


def split(sql: str) -> tuple[dict[str, str], str]:
    """A logged statement's settings sent in front of it ({name: value}), and the statement."""
    prefix = _PREFIX.match(sql)
    if not prefix:
        return {}, sql
    return dict(_SETTING.findall(prefix.group())), sql[prefix.end() :]
