"""Key rotation: which key seals each encrypted value, and re-sealing them with the current key.

Every model field that is an ``EncryptedTextField`` (``EncryptedJSONField`` included) takes
part, so a new encrypted column rotates without changes here. Values are read and written as
raw column text with a cursor, batch by batch (``rotation_batches``): rotation never goes
through the model, never bumps the optimistic-lock ``version`` or ``updated_at``, and only
writes a row whose ciphertext is still the one it read, so a concurrent edit wins and is
looked at again on the next pass. Each run, finished or interrupted, is told to the
recorders registered with :func:`register_run_recorder` (the privacy app audits it).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connections, models

from dossier.protection.crypto import Keyring
from dossier.protection.fields import EncryptedTextField
from dossier.protection.keys import keyring
from dossier.protection.rotation_batches import (
    NOT_AN_ENVELOPE,
    Resealed,
    key_id_or_marker,
    reseal,
    stale_batches,
    stale_condition,
    write_batch,
)

__all__ = [
    "NOT_AN_ENVELOPE",
    "EncryptedTable",
    "KeyUsage",
    "RotationResult",
    "encrypted_tables",
    "key_usage",
    "pending_count",
    "register_run_recorder",
    "rotate_keys",
]

#: a rotation run looks again at rows a concurrent edit changed, this many times at most
MAX_PASSES = 5
#: rows a batch reads and writes in one transaction (one statement on PostgreSQL)
DEFAULT_BATCH = 2000
#: connections writing batches at once on PostgreSQL (each batch a transaction of its own)
DEFAULT_WRITERS = 2


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

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(str(f.column) for f in self.fields)

    @property
    def contexts(self) -> tuple[str, ...]:
        return tuple(f.context for f in self.fields)


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
    finished: bool = False  # False when the run was interrupted (a new run continues it)


#: a batch's rows sealed again, and the values no key opened (by key id)
Sealed = tuple[list[Resealed], Counter[str]]

_COUNTING = threading.Lock()
_RECORDERS: list[Callable[[RotationResult], None]] = []


def register_run_recorder(recorder: Callable[[RotationResult], None]) -> None:
    """Have ``recorder`` told every rotation run's result, once, when the run ends."""
    if recorder not in _RECORDERS:
        _RECORDERS.append(recorder)


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
        counts: dict[str, Counter[str]] = {c: Counter() for c in table.columns}
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(table.table)}")
            while rows := cursor.fetchmany(2000):
                for row in rows:
                    for column, value in zip(table.columns, row, strict=True):
                        if value:
                            counts[column][key_id_or_marker(value)] += 1
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


def pending_count(*, using: str = "default", ring: Keyring | None = None) -> int:
    """How many encrypted values are not sealed with the current key (one scan a table)."""
    ring = ring or keyring()
    connection = connections[using]
    total = 0
    for table in encrypted_tables():
        parts, params = stale_condition(table.columns, ring, connection)
        counts = " + ".join(f"COALESCE(SUM(CASE WHEN {p} THEN 1 ELSE 0 END), 0)" for p in parts)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {counts} FROM {connection.ops.quote_name(table.table)}", params)
            total += int(cursor.fetchone()[0])
    return total


def rotate_keys(
    *,
    batch_size: int = DEFAULT_BATCH,
    using: str = "default",
    on_batch: Callable[[int], None] | None = None,
    pending: int | None = None,
    writers: int = DEFAULT_WRITERS,
) -> RotationResult:
    """Re-seal every encrypted value that is not on the current key, one transaction a batch.

    Safe to interrupt and run again: values already on the current key are not selected, so a
    new run continues where the last one stopped. ``on_batch`` is told how many values each
    committed batch re-sealed (for a progress bar); ``pending`` is the count of stale values
    when the caller has just taken it (it saves a scan of every table). On PostgreSQL, outside
    any transaction, ``writers`` connections write batches at once.
    """
    if batch_size < 1 or writers < 1:
        raise ValueError("batch_size and writers must be at least 1")
    ring = keyring()
    if pending is None:
        pending = pending_count(using=using, ring=ring)
    result = RotationResult(current_key=ring.current, pending=pending)
    try:
        _run_passes(result, ring, batch_size, using, on_batch, writers)
    except BaseException:
        # the interrupted run is recorded too, as far as it came; should recording fail as
        # well (the database went away), the interruption is what the operator must see
        with contextlib.suppress(Exception):
            _tell_recorders(result)
        raise
    result.finished = True
    _tell_recorders(result)
    return result


def _run_passes(
    result: RotationResult,
    ring: Keyring,
    batch_size: int,
    using: str,
    on_batch: Callable[[int], None] | None,
    writers: int,
) -> None:
    connection = connections[using]
    # several connections only for a run of its own on PostgreSQL: inside a caller's
    # transaction (a test's) other connections would not see its rows, and SQLite has
    # one writer at a time
    parallel = writers > 1 and connection.vendor == "postgresql"
    parallel = parallel and not connection.in_atomic_block
    for _pass in range(MAX_PASSES):
        result.passes += 1
        conflicts_before = result.conflicts
        result.unreadable.clear()  # counted afresh on every pass
        if parallel:
            _pass_in_parallel(result, ring, batch_size, using, on_batch, writers)
        else:
            _pass_in_turn(result, ring, batch_size, using, on_batch)
        if result.conflicts == conflicts_before:
            return


def _pass_in_turn(
    result: RotationResult,
    ring: Keyring,
    batch_size: int,
    using: str,
    on_batch: Callable[[int], None] | None,
) -> None:
    # one thread seals the next batch while this one waits for the database to write the
    # last: the two costs overlap instead of adding up (that thread never uses the database)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-reseal") as sealer:
        for table in encrypted_tables():
            waiting: tuple[list[tuple[Any, ...]], Future[Sealed]] | None = None
            for rows in stale_batches(table, ring, batch_size, using):
                sealing = sealer.submit(_seal, table, rows, ring)
                if waiting is not None:
                    _finish_batch(table, waiting[0], waiting[1].result(), using, result, on_batch)
                waiting = (rows, sealing)
            if waiting is not None:
                _finish_batch(table, waiting[0], waiting[1].result(), using, result, on_batch)


def _pass_in_parallel(
    result: RotationResult,
    ring: Keyring,
    batch_size: int,
    using: str,
    on_batch: Callable[[int], None] | None,
    writers: int,
) -> None:
    """Batches read here, sealed and written by ``writers`` threads, each on its own connection.

    Batches are independent (disjoint rows, each written only where unchanged), so the order
    they commit in does not matter: a run stopped with a later batch committed and an earlier
    one not leaves the earlier one stale, and the next run picks it up.
    """
    work: queue.Queue[tuple[EncryptedTable, list[tuple[Any, ...]]] | None] = queue.Queue(writers)
    failures: list[BaseException] = []
    stopping = threading.Event()  # a writer failed or the run was interrupted

    def write() -> None:
        try:
            while (item := work.get()) is not None:
                if stopping.is_set():
                    continue  # drain the queue: the run is stopping
                try:
                    table, rows = item
                    _finish_batch(table, rows, _seal(table, rows, ring), using, result, on_batch)
                except BaseException as exc:
                    failures.append(exc)
                    stopping.set()
        finally:
            connections[using].close()  # this thread's own connection

    threads = [
        threading.Thread(target=write, name=f"dossier-rotate-{n}", daemon=True)
        for n in range(writers)
    ]
    for thread in threads:
        thread.start()
    try:
        for table in encrypted_tables():
            for rows in stale_batches(table, ring, batch_size, using):
                if stopping.is_set():
                    raise failures[0]
                work.put((table, rows))
    except BaseException:
        stopping.set()
        raise
    finally:
        for _thread in threads:
            work.put(None)
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]


def _seal(table: EncryptedTable, rows: list[tuple[Any, ...]], ring: Keyring) -> Sealed:
    unreadable: Counter[str] = Counter()
    return reseal(table, rows, ring, unreadable), unreadable


def _finish_batch(
    table: EncryptedTable,
    rows: list[tuple[Any, ...]],
    sealed: Sealed,
    using: str,
    result: RotationResult,
    on_batch: Callable[[int], None] | None,
) -> None:
    rotated = _rotate_batch(table, rows, sealed, using, result)
    if on_batch is not None:
        on_batch(rotated)


def _rotate_batch(
    table: EncryptedTable,
    rows: list[tuple[Any, ...]],
    sealed: Sealed,
    using: str,
    result: RotationResult,
) -> int:
    """Write the re-sealed values of ``rows`` in one transaction; returns how many were written."""
    resealed, unreadable = sealed
    outcome = write_batch(table, resealed, using)
    with _COUNTING:  # writers in several threads add to one result
        result.unreadable.update(unreadable)
        result.rows += outcome.rows
        result.rotated += outcome.rotated
        result.conflicts += outcome.conflicts
    return outcome.rotated


def _tell_recorders(result: RotationResult) -> None:
    for recorder in _RECORDERS:
        recorder(result)
