"""PostgreSQL's fast path: tables streamed out and in with COPY, constraints built once.

A restore loads into emptied tables, as pg_restore does. Checking each row's foreign keys as
it arrives (or all of them, row by row, at commit) and growing a dozen indexes row by row cost
far more than the load itself; so inside the restore's transaction the keys, foreign keys and
indexes are dropped, the rows copied in (frozen: the tables were emptied in this transaction,
so no other can see them before it commits), and then each key and index is built with one
sort and each foreign key added back, which checks all its rows in one query. A broken
reference or a duplicate fails that statement; the transaction rolls back and the database,
its constraints and indexes included, is as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from psycopg.copy import QueuedLibpqWriter

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
    """A COPY into the table emptied in this transaction (a context manager whose ``write``
    takes COPY text)."""
    names = ", ".join(quote_name(connection, c) for c in columns)
    sql = f"COPY {quote_name(connection, table)} ({names}) FROM STDIN WITH (FREEZE)"
    # a thread sends the blocks: the next one is read and decompressed meanwhile
    return cursor.copy(sql, writer=QueuedLibpqWriter(cursor.cursor))


def lift_constraints(cursor: Any, tables: list[str]) -> list[str]:
    """Drop the tables' foreign keys, primary keys, unique constraints and indexes; the SQL
    that puts them back, to run once the rows are in (keys, then indexes, then foreign keys,
    which need the keys they reference)."""
    cursor.execute(
        "SELECT c.contype, c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE c.contype IN ('f', 'p', 'u', 'x') "
        "AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
        "ORDER BY c.contype = 'f' DESC, 2, 3",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid) "
        "FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
        "AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
        [tables],
    )
    indexes = cursor.fetchall()
    for _kind, table, name, _definition in constraints:  # foreign keys first
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for index, _definition in indexes:
        cursor.execute(f"DROP INDEX {index}")

    def add(kinds: str) -> list[str]:
        return [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for kind, table, name, definition in constraints
            if kind in kinds
        ]

    return add("pux") + [definition for _index, definition in indexes] + add("f")


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
