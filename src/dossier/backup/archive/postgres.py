"""PostgreSQL's fast path: tables streamed out and in with COPY, constraints built once.

A restore loads into emptied tables. Checking each row's foreign keys as it arrives (or all of
them, row by row, at commit) and growing a dozen indexes row by row cost far more than the
load itself; so inside the restore's transaction the foreign keys and the indexes no
constraint owns are dropped, the rows copied in, and then each index is built and each
foreign key added back, which checks all its rows in one query. A broken reference or a
duplicate fails that statement; the transaction rolls back and the database, its constraints
and indexes included, is as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from dossier.backup.archive.database import quote_name
from dossier.protection.crypto import ENVELOPE_VERSION

BLOCK_BYTES = 1 << 20
#: memory for each index build (the default 64 MB spills a million-row sort to disk)
BUILD_MEMORY = "256MB"


def copy_out(connection: Any, table: str, columns: list[str]) -> Iterator[tuple[bytes, int]]:
    """The table's rows in COPY text format, in blocks of about 1 MiB, with their row counts."""
    names = ", ".join(quote_name(connection, c) for c in columns)
    sql = f"COPY {quote_name(connection, table)} ({names}) TO STDOUT"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        parts: list[bytes] = []
        size = 0
        for row in copy:  # one row a piece, each ending with a newline
            parts.append(row)
            size += len(row)
            if size >= BLOCK_BYTES:
                yield b"".join(parts), len(parts)
                parts, size = [], 0
        if parts:
            yield b"".join(parts), len(parts)


def copy_in(cursor: Any, connection: Any, table: str, columns: list[str]) -> Any:
    """A COPY into the table (a context manager whose ``write`` takes COPY text)."""
    names = ", ".join(quote_name(connection, c) for c in columns)
    return cursor.copy(f"COPY {quote_name(connection, table)} ({names}) FROM STDIN")


def lift_constraints(cursor: Any, tables: list[str]) -> list[str]:
    """Drop the tables' foreign keys and the indexes no constraint owns; the SQL that puts
    them back (indexes first, then foreign keys), to run once the rows are in."""
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace "
        "AND t.relname = ANY(%s) ORDER BY 1, 2",
        [tables],
    )
    keys = cursor.fetchall()
    cursor.execute(
        "SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid) "
        "FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
        "AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _definition in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for index, _definition in indexes:
        cursor.execute(f"DROP INDEX {index}")
    return [definition for _index, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in keys
    ]


def restore_constraints(cursor: Any, statements: Iterable[str]) -> None:
    """Build the indexes and add the foreign keys back (each checks every row once)."""
    cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [BUILD_MEMORY])
    for sql in statements:
        cursor.execute(sql)


def key_ids(cursor: Any, connection: Any, columns: dict[str, list[str]]) -> set[str]:
    """Ids of the keys that sealed the values in these (table: encrypted columns)."""
    found: set[str] = set()
    for table, names in columns.items():
        values = ", ".join(f"({quote_name(connection, c)})" for c in names)
        cursor.execute(
            f"SELECT DISTINCT split_part(v, '.', 2) FROM {quote_name(connection, table)}, "
            f"LATERAL (VALUES {values}) AS sealed(v) WHERE v LIKE %s",
            [ENVELOPE_VERSION + ".%"],
        )
        found.update(str(key) for (key,) in cursor.fetchall() if key)
    return found
