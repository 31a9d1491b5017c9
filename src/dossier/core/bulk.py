"""Inserting many rows at once, the one seam where PostgreSQL's COPY comes in.

``insert_rows`` takes values already prepared for the database and writes them with COPY on
PostgreSQL (a stream of typed values, no SQL to build) and one prepared ``INSERT`` sent
with ``executemany`` elsewhere (SQLite). Both skip the ORM's per-object SQL compilation,
which is most of ``bulk_create``'s cost for wide rows. The statement goes to Django's query
log like any other, so query counts in tests still see it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Field, Model


def uses_copy() -> bool:
    """Whether the database takes COPY (PostgreSQL)."""
    return connection.vendor == "postgresql"


def columns_of(model: type[Model], names: Sequence[str]) -> list[Field[Any, Any]]:
    """The model's concrete fields named by attribute name (``owner_id``, not ``owner``)."""
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    return [by_name[name] for name in names]


def preparers(model: type[Model], names: Sequence[str]) -> list[Callable[[Any], Any]]:
    """Per column, the function turning a Python value into what the database takes."""
    return [partial(_prepare_value, field) for field in columns_of(model, names)]


def _prepare_value(field: Field[Any, Any], value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def insert_rows(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (database-ready values in the order of ``names``) into the model's table.

    Errors arrive as Django's database errors (``IntegrityError`` for a unique value
    taken), in the caller's transaction.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in columns_of(model, names))
    started = time.monotonic()
    if uses_copy():
        sql = f"COPY {table} ({columns}) FROM STDIN"
        # psycopg 3's own cursor (under Django's wrapper) speaks COPY
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(sql) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        if connection.queries_logged:
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    else:
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        batch = list(rows)
        if batch:
            with connection.cursor() as cursor:  # logged by Django's own cursor wrapper
                cursor.executemany(sql, batch)
