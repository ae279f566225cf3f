"""A page's rows read by their ids, with the SQL compiled once per process for each shape.

A search's page reads its rows by the ids its ranking found (``pagination.ranked_page``), with
the search's conditions and rank taken off: every search of the same list reads its rows with
the same SQL but for the ids. Django compiles a query each time it runs (choosing columns,
joins and converters), 0.37 ms of every search page at 1M quotes, warm ones included. Here
the first compile of a shape is kept, and later queries of that shape with as many ids run its
SQL with their own ids; what Django makes of the rows (model instances, related rows,
converters) is unchanged.

A shape is what the SQL depends on besides the ids: the model, columns (deferred ones,
annotations), related rows selected and joins left by the conditions taken off. A query with
anything else that could change its SQL (extra, distinct, values, limits, ordering) is
compiled as usual.
"""

from __future__ import annotations

import copy

from django.db import connections
from django.db.models.sql.query import Query

_COMPILED: dict = {}
_COMPILED_MAX = 256  # shapes x numbers of ids (a page reads 1 to 21)


class _ById(Query):
    """A query of rows by a list of ids whose compiler is made once per shape (``by_ids``)."""

    shape: tuple = ()
    ids: tuple = ()

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        if using:
            connection = connections[using]
        key = (connection.alias, self.shape, len(self.ids))
        found = _COMPILED.get(key)
        if found is None:
            compiler = super().get_compiler(connection=connection, elide_empty=elide_empty)
            sql, params = compiler.as_sql()
            if tuple(params) != self.ids:  # parameters besides the ids: not kept
                compiler.as_sql = lambda *args, **kwargs: (sql, params)  # nor compiled twice
                return compiler
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.clear()
            found = _COMPILED[key] = (compiler, sql)
        compiler, sql = found
        ready = copy.copy(compiler)
        # This request's query and this thread's connection; the kept SQL, with these ids.
        ready.query, ready.connection, ready.using = self, connection, connection.alias
        ready.as_sql = lambda *args, **kwargs: (sql, self.ids)
        return ready


def by_ids(queryset, ids: list):
    """``queryset.filter(pk__in=ids)``, compiled once per shape where its shape allows."""
    rows = queryset.filter(pk__in=ids)
    if not ids:  # compiling would raise EmptyResultSet outside Django's own guard
        return rows
    shape = _shape(rows.query)
    if shape is not None:
        rows.query.__class__ = _ById
        rows.query.shape, rows.query.ids = shape, tuple(ids)
    return rows


def _shape(query) -> tuple | None:
    if (
        query.extra
        or query.distinct
        or query.values_select
        or query.combinator
        or query.order_by
        or query.low_mark
        or query.high_mark is not None
        or not query.default_cols
        or query.select_for_update
        or len(query.where.children) != 1  # the ids alone
    ):
        return None
    deferred, defer = query.deferred_loading
    return (
        query.model,
        query.default_ordering,
        repr(query.select_related),
        frozenset(deferred),
        defer,
        tuple((name, repr(expression)) for name, expression in query.annotation_select.items()),
        tuple(
            (alias, join.table_name, join.join_type, query.alias_refcount[alias])
            for alias, join in query.alias_map.items()
        ),
    )
