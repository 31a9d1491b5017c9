"""Inserting many rows at once without building a model per row: COPY on PostgreSQL.

A batch (a bulk order sync, an import, demo data) hands over plain tuples of column values.
On PostgreSQL they go to the server as one COPY stream of already typed values: no SQL to
build, no per-field preparation by the ORM, several times faster than ``bulk_create``. On
other databases (SQLite) one ``executemany`` of a plain INSERT does it, each value prepared
by its field as the ORM would. Either way the statement is one entry of Django's query log,
so query counts in tests and benchmarks still see it.

The caller gives every column the table needs: no model default or ``auto_now`` is applied.
A caller that prepared the values itself (:func:`preparers`; the import, whose encrypted
values come ready from worker processes) says ``prepared=True`` and nothing is done to them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Field, JSONField, Model

from dossier.core.table_statistics import note_rows_added


def uses_copy() -> bool:
    """Whether :func:`insert_rows` streams with COPY (PostgreSQL)."""
    return connection.vendor == "postgresql"


def _fields(model: type[Model], names: Sequence[str]) -> list[Field]:  # type: ignore[type-arg]
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    return [by_name[name] for name in names]


def _columns(fields: Sequence[Field]) -> str:  # type: ignore[type-arg]
    quote = connection.ops.quote_name
    return ", ".join(quote(str(f.column)) for f in fields)


def _log(sql: str, started: float) -> None:
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def insert_rows(
    model: type[Model],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    prepared: bool = False,
    binary: bool = False,
) -> None:
    """Insert ``rows`` (values in the order of ``names``, attribute names) into the model's table.

    JSON columns take Python values (dicts, lists), unless ``prepared``: then every value is
    already what the database takes. Errors arrive as Django's database errors
    (``IntegrityError`` for a unique value taken), in the caller's transaction.

    ``binary`` (not with ``prepared``): on PostgreSQL the COPY stream is in binary form, each
    value sent as its column's type (a third less time in Python, half the server's parsing).
    Every value must then be of its column's Python type: UUID, Decimal, an aware datetime,
    int, str, None; no JSON column.
    """
    fields = _fields(model, names)
    if uses_copy():
        _copy(model, fields, rows, prepared=prepared, binary=binary and not prepared)
    else:
        _execute_many(model, fields, rows, prepared=prepared)


def preparers(model: type[Model], names: Sequence[str]) -> list[Callable[[Any], Any]]:
    """Per column, the function turning a Python value into what the database takes."""
    return [partial(_prepare_value, field) for field in _fields(model, names)]


def _prepare_value(field: Field, value: Any) -> Any:  # type: ignore[type-arg]
    return field.get_db_prep_save(value, connection)


def _binary_types(fields: Sequence[Field], registry: Any) -> list[int] | None:  # type: ignore[type-arg]
    """The columns' type oids for a binary COPY, or None (text COPY) when one has no plain type."""
    oids = []
    for f in fields:
        if isinstance(f, JSONField):
            return None
        name = str(f.db_type(connection)).split("(")[0].strip()
        try:
            oids.append(registry.get_oid(name))
        except KeyError:
            return None
    return oids


def text_preparers(model: type[Model], names: Sequence[str]) -> list[Callable[[Any], Any]]:
    """As :func:`preparers`, for :func:`copy_line`: JSON columns become their JSON text."""
    return [
        partial(json.dumps, cls=field.encoder)  # type: ignore[attr-defined]
        if isinstance(field, JSONField)
        else partial(_prepare_value, field)
        for field in _fields(model, names)
    ]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NEEDS_ESCAPE = re.compile(r"[\\\n\r\t]").search


def needs_escape(text: str) -> bool:
    """Whether COPY's text format must escape something in ``text`` (most values: no)."""
    return _NEEDS_ESCAPE(text) is not None


def copy_line(values: Sequence[Any]) -> str:
    """Prepared values as one line of COPY's text format (without its line end).

    Built where the values are made (a worker process), so the writer only streams text.
    """
    return "\t".join(_copy_value(value) for value in values)


def copy_escaped(text: str) -> str:
    """A text value as COPY's text format holds it (backslash, tab and line breaks escaped)."""
    # translate() looks every character up in a dict: most values need no escape at all
    return text.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE(text) else text


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return copy_escaped(str(value))


def copy_text(model: type[Model], names: Sequence[str], text: str) -> None:
    """Stream lines of :func:`copy_line` (each ending in a newline) into the model's table.

    PostgreSQL only (see :func:`uses_copy`); in the caller's transaction.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({_columns(_fields(model, names))}) FROM STDIN"
    started = time.monotonic()
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        copy.write(text)
    _log(sql, started)
    note_rows_added(model._meta.db_table, text.count("\n"))


def _copy(
    model: type[Model],
    fields: Sequence[Field],  # type: ignore[type-arg]
    rows: Iterable[Sequence[Any]],
    *,
    prepared: bool,
    binary: bool = False,
) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({_columns(fields)}) FROM STDIN"
    as_json = [] if prepared else [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    written = 0
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        driver_cursor = cursor.cursor  # psycopg 3's own, which speaks COPY
        types = _binary_types(fields, driver_cursor.adapters.types) if binary else None
        if types is not None:
            sql += " (FORMAT BINARY)"
        with driver_cursor.copy(sql) as copy:
            if types is not None:
                copy.set_types(types)
            write = copy.write_row
            if as_json:
                dumps = [(i, fields[i].encoder) for i in as_json]  # type: ignore[attr-defined]
                for row in rows:
                    values = list(row)
                    for i, encoder in dumps:
                        values[i] = json.dumps(values[i], cls=encoder)
                    write(values)
                    written += 1
            else:
                for row in rows:
                    write(row)
                    written += 1
    _log(sql, started)
    note_rows_added(model._meta.db_table, written)


def _execute_many(
    model: type[Model],
    fields: Sequence[Field],  # type: ignore[type-arg]
    rows: Iterable[Sequence[Any]],
    *,
    prepared: bool,
) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({_columns(fields)}) VALUES ({marks})"
    params = (
        list(rows)
        if prepared
        else [
            [f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)]
            for row in rows
        ]
    )
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` new values of the model's auto-increment key, for rows inserted with them.

    PostgreSQL only (see :func:`uses_copy`): drawn from the key's sequence in one query, so a
    COPY can write rows whose ids the caller knows (events announced after the commit).
    """
    if count <= 0:
        return []
    meta = model._meta
    sql = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [meta.db_table, meta.pk.column, count])  # type: ignore[union-attr]
        return [row[0] for row in cursor.fetchall()]
