"""Key rotation: which key seals each encrypted value, and re-sealing them with the current key.

Every model field that is an ``EncryptedTextField`` (``EncryptedJSONField`` included) takes
part, so a new encrypted column rotates without changes here. Values are read and written as
raw column text with a cursor: rotation never goes through the model, never bumps the
optimistic-lock ``version`` or ``updated_at``, and only writes a row whose ciphertext is still
the one it read, so a concurrent edit wins and is looked at again on the next pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connections, models, transaction

from dossier.protection.crypto import CryptoError, Keyring, decrypt, encrypt, key_id_of
from dossier.protection.fields import EncryptedTextField
from dossier.protection.keys import keyring

#: what ``key_usage`` reports for a value that is not a Dossier envelope at all
NOT_AN_ENVELOPE = "(not encrypted)"
#: a rotation run looks again at rows a concurrent edit changed, this many times at most
MAX_PASSES = 5


@dataclass(frozen=True)
class EncryptedTable:
    """One model's table and its encrypted columns."""

    model: type[models.Model]
    fields: tuple[EncryptedTextField, ...]

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def pk_column(self) -> str:
        return str(self.model._meta.pk.column)  # type: ignore[union-attr]


@dataclass(frozen=True)
class KeyUsage:
    """How many values of one column are sealed with one key id."""

    table: str
    column: str
    key_id: str
    count: int
    current: bool
    known: bool


@dataclass
class RotationResult:
    """What a rotation run did."""

    current_key: str
    pending: int = 0  # values not on the current key when the run started
    rotated: int = 0  # values re-sealed with the current key
    rows: int = 0  # rows written
    conflicts: int = 0  # rows changed by someone else while being rotated (looked at again)
    unreadable: Counter[str] = field(default_factory=Counter)  # key id -> values left as they are
    passes: int = 0


def encrypted_tables() -> list[EncryptedTable]:
    """Every concrete model with encrypted columns, found through the app registry."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = tuple(f for f in meta.local_concrete_fields if isinstance(f, EncryptedTextField))
        if fields:
            found.append(EncryptedTable(model=model, fields=fields))
    return sorted(found, key=lambda t: t.table)


def key_usage(*, using: str = "default", ring: Keyring | None = None) -> list[KeyUsage]:
    """Count each encrypted column's values by the key id in their envelope, never decrypting."""
    ring = ring or keyring()
    connection = connections[using]
    usage = []
    for table in encrypted_tables():
        counts: dict[str, Counter[str]] = {_column(f): Counter() for f in table.fields}
        columns = ", ".join(connection.ops.quote_name(_column(f)) for f in table.fields)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(table.table)}")
            while rows := cursor.fetchmany(2000):
                for row in rows:
                    for column_field, value in zip(table.fields, row, strict=True):
                        if value:
                            counts[_column(column_field)][_key_id_or_marker(value)] += 1
        for column, counter in counts.items():
            for key_id, count in sorted(counter.items()):
                usage.append(
                    KeyUsage(
                        table=table.table,
                        column=column,
                        key_id=key_id,
                        count=count,
                        current=key_id == ring.current,
                        known=key_id in ring.keys,
                    )
                )
    return usage


def _column(column_field: EncryptedTextField) -> str:
    return str(column_field.column)


def _key_id_or_marker(value: str) -> str:
    try:
        return key_id_of(value)
    except CryptoError:
        return NOT_AN_ENVELOPE


def pending_count(*, using: str = "default", ring: Keyring | None = None) -> int:
    """How many encrypted values are not sealed with the current key."""
    ring = ring or keyring()
    connection = connections[using]
    total = 0
    for table in encrypted_tables():
        for column_field in table.fields:
            stale, params = _stale_condition([column_field], ring, connection)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table.table)} WHERE {stale}",
                    params,
                )
                total += cursor.fetchone()[0]
    return total


def rotate_keys(
    *,
    batch_size: int = 500,
    using: str = "default",
    on_batch: Callable[[int], None] | None = None,
) -> RotationResult:
    """Re-seal every encrypted value that is not on the current key, one transaction a batch.

    Safe to interrupt and run again: values already on the current key are not selected, so a
    new run continues where the last one stopped. ``on_batch`` is told how many values each
    committed batch re-sealed (for a progress bar).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ring = keyring()
    result = RotationResult(current_key=ring.current, pending=pending_count(using=using, ring=ring))
    for _pass in range(MAX_PASSES):
        result.passes += 1
        conflicts_before = result.conflicts
        result.unreadable.clear()  # counted afresh on every pass
        for table in encrypted_tables():
            for batch in _stale_batches(table, ring, batch_size, using):
                rotated = _rotate_batch(table, batch, ring, using, result)
                if on_batch is not None:
                    on_batch(rotated)
        if result.conflicts == conflicts_before:
            break
    return result


def _stale_condition(
    fields: list[EncryptedTextField], ring: Keyring, connection: Any
) -> tuple[str, list[Any]]:
    """SQL that is true when any of ``fields`` holds a value not sealed with the current key."""
    # SUBSTR, not LIKE: a key id may hold "_" or "%", which LIKE reads as wildcards
    prefix = f"v1.{ring.current}."
    parts, params = [], []
    for column_field in fields:
        column = connection.ops.quote_name(_column(column_field))
        parts.append(f"({column} IS NOT NULL AND {column} <> '' AND SUBSTR({column}, 1, %s) <> %s)")
        params += [len(prefix), prefix]
    return " OR ".join(parts), params


def _stale_batches(
    table: EncryptedTable, ring: Keyring, batch_size: int, using: str
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows holding a stale value, ``batch_size`` at a time, in primary-key order."""
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = quote(table.pk_column)
    columns = ", ".join(quote(_column(f)) for f in table.fields)
    stale, stale_params = _stale_condition(list(table.fields), ring, connection)
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


def _rotate_batch(
    table: EncryptedTable,
    rows: list[tuple[Any, ...]],
    ring: Keyring,
    using: str,
    result: RotationResult,
) -> int:
    """Re-seal the stale values of ``rows`` in one transaction; returns how many were re-sealed."""
    connection = connections[using]
    quote = connection.ops.quote_name
    rotated = 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for pk, *values in rows:
            changes = []  # (column, old ciphertext, new ciphertext)
            for column_field, value in zip(table.fields, values, strict=True):
                if not value or _key_id_or_marker(value) == ring.current:
                    continue
                try:
                    plain = decrypt(value, ring, context=column_field.context)
                except CryptoError:
                    result.unreadable[_key_id_or_marker(value)] += 1
                    continue
                sealed = encrypt(plain, ring, context=column_field.context)
                changes.append((quote(_column(column_field)), value, sealed))
            if not changes:
                continue
            assignments = ", ".join(f"{column} = %s" for column, _old, _new in changes)
            unchanged = " AND ".join(f"{column} = %s" for column, _old, _new in changes)
            cursor.execute(
                f"UPDATE {quote(table.table)} SET {assignments} "
                f"WHERE {quote(table.pk_column)} = %s AND {unchanged}",
                [new for _c, _o, new in changes] + [pk] + [old for _c, old, _n in changes],
            )
            if cursor.rowcount == 1:
                rotated += len(changes)
                result.rows += 1
            else:
                result.conflicts += 1
    result.rotated += rotated
    return rotated
