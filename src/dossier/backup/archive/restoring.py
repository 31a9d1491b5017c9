"""Restoring a backup: verify all of it first, then replace every table's rows at once.

On PostgreSQL the tables are emptied with TRUNCATE and loaded with COPY, their foreign keys
and free-standing indexes built once afterwards (see ``postgres``)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import DatabaseError, connections, transaction

from dossier.backup.archive.database import (
    backup_models,
    database_in_use,
    migration_state,
    quote_name,
    require_migrated,
    table_columns,
)
from dossier.backup.archive.format import BackupError
from dossier.backup.archive.postgres import copy_in, key_ids, lift_constraints, restore_constraints
from dossier.backup.archive.reading import (
    Backup,
    encoding_of,
    open_backup,
    read_blocks,
    read_records,
)
from dossier.protection.crypto import CryptoError, key_id_of
from dossier.protection.fields import EncryptedTextField
from dossier.protection.keys import keyring

INSERT_BATCH = 1000
#: the function every append-only trigger runs (migrations privacy.0002, consent.0003 …)
REFUSE_FUNCTION = "dossier_refuse_change"


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore loaded, and key ids of encrypted values this server cannot read."""

    rows: dict[str, int]
    created_at: str
    missing_keys: tuple[str, ...]


def _check_target(header: dict[str, Any], connection: Any, force: bool) -> None:
    if header["vendor"] != connection.vendor:
        raise BackupError(
            f"The backup was made from {header['vendor']}; it restores into {header['vendor']} "
            f"only, not {connection.vendor}."
        )
    ours, theirs = migration_state(connection), header["migrations"]
    for app in sorted(set(ours) | set(theirs)):
        if ours.get(app) != theirs.get(app):
            raise BackupError(
                f"The database's migrations differ from the backup's for app “{app}” (backup: "
                f"{_latest(theirs.get(app))}, database: {_latest(ours.get(app))}). Restore with "
                "the Dossier version that made the backup, into a database `dossier migrate` "
                "brought to the same state."
            )
    require_migrated(connection)
    tables = {m._meta.db_table: table_columns(m) for m in backup_models()}
    for table in header["tables"]:
        if tables.get(table["name"]) != table["columns"]:
            raise BackupError(f"Table {table['name']} differs between the backup and this code.")
    missing = sorted(set(tables) - {t["name"] for t in header["tables"]})
    if missing:
        raise BackupError(f"The backup lacks tables this database has: {', '.join(missing)}.")
    in_use = database_in_use(using=connection.alias)
    if in_use and not force:
        held = ", ".join(f"{label}: {n}" for label, n in in_use.items())
        raise BackupError(
            f"The database is not empty ({held}): restoring replaces everything in it. "
            "Run again with --force to overwrite it."
        )


def _latest(names: list[str] | None) -> str:
    return names[-1] if names else "none"


def restore_backup(
    *,
    path: Path,
    force: bool = False,
    using: str = "default",
    on_start: Callable[[str, int], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> RestoreSummary:
    """Verify the whole backup, then replace every table's rows with it in one transaction."""
    connection = connections[using]
    backup = open_backup(path)
    header = backup.header
    total = sum(header["rows"].values())
    if on_start is not None:
        on_start("Verifying", total)
    # pass 1: nothing touches the database
    seen_keys = _verify(path, backup, on_rows)
    _check_target(header, connection, force)
    if on_start is not None:
        on_start("Restoring", total)
    try:
        with transaction.atomic(using=using):
            seen_keys |= _load(path, backup, connection, on_rows)
    except DatabaseError as exc:
        raise BackupError(f"The restore failed and nothing was changed: {exc}") from None
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # content type ids are the backup's now
    missing = tuple(sorted(seen_keys - set(keyring().keys)))
    return RestoreSummary(
        rows=header["rows"], created_at=header["created_at"], missing_keys=missing
    )


def _verify(path: Path, backup: Backup, on_rows: Callable[[int], None] | None) -> set[str]:
    """Read and check the whole backup; the key ids of a "json" backup's encrypted values
    (a "copy" backup's are read from the database once it is loaded)."""
    seen_keys: set[str] = set()
    if encoding_of(backup.header) == "copy":
        for _table, block in read_blocks(path, backup):
            if on_rows is not None:
                on_rows(block.count(b"\n"))
        return seen_keys
    encrypted = _encrypted_positions(backup.header)
    table, counted = "", 0
    for kind, values in read_records(path, backup):
        if kind == "table":
            table = values[0]
        elif kind == "row":
            seen_keys.update(_key_ids(values, encrypted.get(table, ())))
            counted += 1
            if on_rows is not None and counted % INSERT_BATCH == 0:
                on_rows(INSERT_BATCH)
    if on_rows is not None:
        on_rows(counted % INSERT_BATCH)
    return seen_keys


def _encrypted_columns() -> dict[str, list[str]]:
    """Per table, its encrypted columns."""
    found = {}
    for model in backup_models():
        names = [
            str(f.column)
            for f in model._meta.local_concrete_fields
            if isinstance(f, EncryptedTextField)
        ]
        if names:
            found[model._meta.db_table] = names
    return found


def _encrypted_positions(header: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Per table, the positions in a row of the encrypted columns."""
    positions = {}
    for table, encrypted in _encrypted_columns().items():
        names: list[str] = next((t["columns"] for t in header["tables"] if t["name"] == table), [])
        positions[table] = tuple(i for i, c in enumerate(names) if c in encrypted)
    return positions


def _key_ids(values: list[Any], positions: tuple[int, ...]) -> set[str]:
    found = set()
    for i in positions:
        if values[i]:
            with suppress(CryptoError):
                found.add(key_id_of(values[i]))
    return found


def _load(
    path: Path, backup: Backup, connection: Any, on_rows: Callable[[int], None] | None
) -> set[str]:
    """Empty every table and load the backup's rows; runs inside the caller's transaction.
    The key ids of the encrypted values loaded, when the database tells them."""

    def quote(name: str) -> str:
        return quote_name(connection, name)

    columns = {t["name"]: t["columns"] for t in backup.header["tables"]}
    tables = list(columns)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {quote(table)}")
            _insert_records(path, backup, connection, cursor, columns, on_rows)
            cursor.execute("PRAGMA foreign_key_check")
            broken = cursor.fetchone()
            if broken:
                raise BackupError(f"The backup's rows break a foreign key of table {broken[0]}.")
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        refusing = _append_only_triggers(cursor, tables)
        # The one sanctioned exception to the append-only tables (audit log, consent
        # ledger …): a restore replaces the whole database, them included, inside this
        # transaction only.
        for table, trigger in refusing:
            cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER {quote(trigger)}")
        put_back = lift_constraints(cursor, tables)
        cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in tables)}")
        if encoding_of(backup.header) == "copy":
            for table, blocks in groupby(read_blocks(path, backup), key=itemgetter(0)):
                with copy_in(cursor, connection, table, columns[table]) as copy:
                    for _table, block in blocks:
                        copy.write(block)
                        if on_rows is not None:
                            on_rows(block.count(b"\n"))
        else:
            _insert_records(path, backup, connection, cursor, columns, on_rows)
        # a broken reference or a duplicate fails here, and the transaction rolls back
        restore_constraints(cursor, put_back)
        for sql in connection.ops.sequence_reset_sql(no_style(), backup_models()):
            cursor.execute(sql)
        # leaves no pending trigger events, which ALTER TABLE refuses to run with
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in refusing:
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER {quote(trigger)}")
        return key_ids(cursor, connection, _encrypted_columns())


def _insert_records(
    path: Path,
    backup: Backup,
    connection: Any,
    cursor: Any,
    columns: dict[str, list[str]],
    on_rows: Callable[[int], None] | None,
) -> None:
    """Insert a "json" backup's rows, a batch at a time."""
    table, batch = "", []
    for kind, values in read_records(path, backup):
        if kind == "row":
            batch.append(values)
            if len(batch) < INSERT_BATCH:
                continue
        _insert(connection, cursor, table, columns.get(table, []), batch)
        if on_rows is not None:
            on_rows(len(batch))
        table, batch = (values[0], []) if kind == "table" else (table, [])
    _insert(connection, cursor, table, columns.get(table, []), batch)
    if on_rows is not None:
        on_rows(len(batch))


def _append_only_triggers(cursor: Any, tables: list[str]) -> list[tuple[str, str]]:
    """(table, trigger) of every enabled trigger that refuses changes to one of the tables."""
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND p.proname = %s "
        "AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%s) "
        "ORDER BY c.relname, t.tgname",
        [REFUSE_FUNCTION, tables],
    )
    return [(str(table), str(trigger)) for table, trigger in cursor.fetchall()]


def _insert(
    connection: Any, cursor: Any, table: str, names: list[str], rows: list[list[Any]]
) -> None:
    if not rows:
        return
    quoted = ", ".join(quote_name(connection, c) for c in names)
    if connection.vendor == "postgresql":
        # COPY: several times faster than INSERT for a whole table's rows
        with cursor.copy(f"COPY {quote_name(connection, table)} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(names))
    cursor.executemany(
        f"INSERT INTO {quote_name(connection, table)} ({quoted}) VALUES ({marks})", rows
    )
