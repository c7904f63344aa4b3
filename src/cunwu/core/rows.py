"""Single statements for the few hot paths (the store counter, the audit chain, the points
ledger's debit) where Django's query machinery costs more than the database spends.

- :func:`one` runs one statement and returns its first row. On PostgreSQL it binds the
  parameters on the server and prepares the statement on the connection's first use of it,
  so that later calls skip the parser and the planner (Django keeps prepared statements off
  by default for connection poolers; these few are safe: cunwu connects directly, one
  connection per worker thread). Errors come out as Django's (``IntegrityError`` …) and the
  statement is logged like the ORM's when queries are logged (tests count them).
- :func:`insert` writes what ``obj.save(force_insert=True)`` would write (every concrete
  field through its ``pre_save`` and ``get_db_prep_save``, so defaults, ``auto_now_add`` and
  JSON are the same) as one cached ``INSERT … RETURNING id`` and sets ``obj.pk``. It sends no
  ``pre_save``/``post_save`` signals: nothing in cunwu listens to them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

M = TypeVar("M", bound=models.Model)


def one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """Run ``sql`` (``%s`` placeholders) and return its first row, or None."""
    db = connections[DEFAULT_DB_ALIAS]  # the thread's own, looked up once
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if cursor.description else None
    db.ensure_connection()
    db.validate_no_broken_transaction()
    start = time.monotonic()
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone() if cursor.description else None
    if db.queries_logged:
        db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})
    return row


@cache
def _statement(table: str, columns: tuple[str, ...], pk_column: str) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    pk = quote(pk_column)
    return f"INSERT INTO {quote(table)} ({names}) VALUES ({marks}) RETURNING {pk}"  # noqa: S608


@cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:  # type: ignore[type-arg]
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


def insert(obj: M) -> M:
    """Insert ``obj`` (a new row with an automatic primary key) and return it, saved."""
    meta = type(obj)._meta
    if meta.pk is None or not isinstance(meta.pk, models.AutoField):  # pragma: no cover
        raise TypeError(f"{meta.label} has no automatic primary key")
    db = connections[DEFAULT_DB_ALIAS]
    if not db.features.can_return_columns_from_insert:  # pragma: no cover
        obj.save(force_insert=True)
        return obj
    fields = _fields(type(obj))
    sql = _statement(meta.db_table, tuple(f.column for f in fields), meta.pk.column)
    row = one(sql, [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields])
    if row is None:  # pragma: no cover (RETURNING always gives the row)
        raise RuntimeError(f"{meta.label}: INSERT returned nothing")
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
    return obj
