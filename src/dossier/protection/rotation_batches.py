"""One batch of a key rotation: read the stale rows, re-seal their values, write them back.

Reads go by primary-key ranges (keyset), so every batch is one indexed query however far
the run has come, and rows already on the current key are never read again. Each batch is
written with one statement on PostgreSQL (an ``UPDATE … FROM unnest(…)`` join) and with
one short statement a row on SQLite, where a statement costs no round trip. Either way a
row is only written while every encrypted column still holds the ciphertext that was read:
a concurrent edit wins, and the row is looked at again on the next pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connections, transaction

from dossier.protection.crypto import CryptoError, Keyring, decrypt, encrypt, key_id_of

if TYPE_CHECKING:
    from dossier.protection.rotation import EncryptedTable

#: what ``key_usage`` reports for a value that is not a Dossier envelope at all
NOT_AN_ENVELOPE = "(not encrypted)"


@dataclass
class Resealed:
    """One row of a batch: the values read and the values to write (the same where unchanged)."""

    pk: Any
    old: tuple[Any, ...]
    new: tuple[Any, ...]
    changed: int  # how many of its values were re-sealed


@dataclass
class BatchOutcome:
    """What writing one batch did."""

    rows: int = 0  # rows written
    rotated: int = 0  # values re-sealed
    conflicts: int = 0  # rows someone else changed after they were read (left alone)


def key_id_or_marker(value: str) -> str:
    """The key id in an envelope, or NOT_AN_ENVELOPE."""
    try:
        return key_id_of(value)
    except CryptoError:
        return NOT_AN_ENVELOPE


def stale_condition(
    columns: Sequence[str], ring: Keyring, connection: Any
) -> tuple[list[str], list[Any]]:
    """One SQL condition a column (true when it holds a value not sealed with the current key)."""
    # SUBSTR, not LIKE: a key id may hold "_" or "%", which LIKE reads as wildcards
    prefix = f"v1.{ring.current}."
    parts, params = [], []
    for name in columns:
        column = connection.ops.quote_name(name)
        parts.append(f"({column} IS NOT NULL AND {column} <> '' AND SUBSTR({column}, 1, %s) <> %s)")
        params += [len(prefix), prefix]
    return parts, params


def stale_batches(
    table: EncryptedTable, ring: Keyring, batch_size: int, using: str
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows holding a stale value, ``batch_size`` at a time, in primary-key order."""
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = quote(table.pk_column)
    columns = ", ".join(quote(c) for c in table.columns)
    parts, stale_params = stale_condition(table.columns, ring, connection)
    stale = " OR ".join(parts)
    last: Any = None
    while True:
        after = "" if last is None else f"{pk} > %s AND "
        params = ([] if last is None else [last]) + stale_params
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {columns} FROM {quote(table.table)} "
                f"WHERE {after}({stale}) ORDER BY {pk} LIMIT {int(batch_size)}",
                params,
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def reseal(
    table: EncryptedTable, rows: list[tuple[Any, ...]], ring: Keyring, unreadable: Counter[str]
) -> list[Resealed]:
    """The rows of a batch with their stale values sealed again with the current key.

    A value no key of the ring opens is left as it is and counted in ``unreadable`` by its
    key id; a row with nothing to re-seal is left out.
    """
    current = f"v1.{ring.current}."
    contexts = table.contexts
    out = []
    for pk, *values in rows:
        new, changed = list(values), 0
        for i, value in enumerate(values):
            if not value or value.startswith(current):
                continue
            try:
                plain = decrypt(value, ring, context=contexts[i])
            except CryptoError:
                unreadable[key_id_or_marker(value)] += 1
                continue
            new[i] = encrypt(plain, ring, context=contexts[i])
            changed += 1
        if changed:
            out.append(Resealed(pk=pk, old=tuple(values), new=tuple(new), changed=changed))
    return out


def write_batch(table: EncryptedTable, batch: list[Resealed], using: str) -> BatchOutcome:
    """Write the re-sealed rows in one transaction, each only if nobody changed it meanwhile."""
    if not batch:
        return BatchOutcome()
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            if outermost:  # never for a caller's transaction, which holds its own writes
                with connection.cursor() as cursor:
                    # the commit need not wait for the disk: a batch a crash loses holds values
                    # still sealed with an old key, which the keyring opens and a run redoes
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            written = _write_joined(table, batch, connection)
        else:
            written = _write_each(table, batch, connection)
    outcome = BatchOutcome(conflicts=len(batch) - len(written))
    for row in batch:
        if row.pk in written:
            outcome.rows += 1
            outcome.rotated += row.changed
    return outcome


def _write_joined(table: EncryptedTable, batch: list[Resealed], connection: Any) -> set[Any]:
    """PostgreSQL: the whole batch in one UPDATE joined to arrays of ids, old and new values."""
    quote = connection.ops.quote_name
    pk = quote(table.pk_column)
    pk_type = table.model._meta.pk.db_type(connection)  # type: ignore[union-attr]
    # %b: the arrays travel as binary parameters, not as SQL text psycopg quotes value by value
    arrays = [f"%b::{pk_type}[]"]
    names = ["pk"]
    params: list[Any] = [[row.pk for row in batch]]
    sets, unchanged = [], []
    for i, column in enumerate(table.columns):
        arrays += ["%b::text[]", "%b::text[]"]
        names += [f"old{i}", f"new{i}"]
        params += [[row.old[i] for row in batch], [row.new[i] for row in batch]]
        sets.append(f"{quote(column)} = v.new{i}")
        # IS NOT DISTINCT FROM: a NULL read must still be NULL (= would never match it)
        unchanged.append(f"t.{quote(column)} IS NOT DISTINCT FROM v.old{i}")
    sql = (
        f"UPDATE {quote(table.table)} AS t SET {', '.join(sets)} "
        f"FROM unnest({', '.join(arrays)}) AS v({', '.join(names)}) "
        f"WHERE t.{pk} = v.pk AND {' AND '.join(unchanged)} RETURNING t.{pk}"
    )
    import psycopg  # only PostgreSQL comes here

    # a cursor binding on the server: Django's own quotes every parameter into the SQL text,
    # which for a batch's arrays costs more than sealing them (it is the same connection, so
    # in the batch's transaction)
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return {found for (found,) in cursor.fetchall()}


def _write_each(table: EncryptedTable, batch: list[Resealed], connection: Any) -> set[Any]:
    """Other databases (SQLite): one UPDATE a row, in the batch's transaction."""
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(c)} = %s" for c in table.columns)
    # "IS": SQLite's NULL-safe equality, so a NULL read must still be NULL
    unchanged = " AND ".join(f"{quote(c)} IS %s" for c in table.columns)
    pk = quote(table.pk_column)
    sql = f"UPDATE {quote(table.table)} SET {sets} WHERE {pk} = %s AND {unchanged}"
    written = set()
    with connection.cursor() as cursor:
        for row in batch:
            cursor.execute(sql, [*row.new, row.pk, *row.old])
            if cursor.rowcount == 1:
                written.add(row.pk)
    return written
