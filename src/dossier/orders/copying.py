"""Inserting many rows at once: COPY on PostgreSQL, ``bulk_create`` elsewhere.

COPY hands rows to the server as a stream of already typed values: no SQL to build, no
per-field preparation by the ORM; for a bulk sync it is several times faster than
``bulk_create``. The statement is written to Django's query log like any other, so query
counts in tests and benchmarks still see it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def _columns(model: type[Model], names: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    by_name = {f.attname: f.column for f in model._meta.concrete_fields}
    return ", ".join(quote(str(by_name[name])) for name in names)


def uses_copy() -> bool:
    """Whether :func:`copy_rows` is available (PostgreSQL)."""
    return connection.vendor == "postgresql"


def copy_rows(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``names``, attribute names) into the model's table.

    PostgreSQL only (see :func:`uses_copy`); errors arrive as Django's database errors
    (``IntegrityError`` for a unique value taken), in the caller's transaction.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({_columns(model, names)}) FROM STDIN"
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        driver_cursor = cursor.cursor  # psycopg 3's own, which speaks COPY
        with driver_cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
