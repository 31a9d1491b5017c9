"""Writing a backup: one snapshot of every table, gzipped, sealed in numbered frames."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connections
from django.utils import timezone

from dossier.backup.archive.database import (
    backup_models,
    count_rows,
    migration_state,
    primary_key,
    quote_name,
    require_migrated,
    snapshot,
    table_columns,
)
from dossier.backup.archive.format import (
    DATA,
    FINAL,
    FORMAT,
    FRAME,
    MAGIC,
    VERSION,
    BackupError,
    configured_backup_key,
    derived_key,
    encode_value,
    file_keys,
)
from dossier.backup.archive.postgres import copy_out
from dossier.protection.keys import keyring

SUPPORTED_VENDORS = ("sqlite", "postgresql")
CHUNK_BYTES = 1 << 20
#: gzip's fastest level: level 6 cost three times as long for a file a third smaller, and
#: most of a backup is ciphertext, which no level shrinks
GZIP_LEVEL = 1


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds."""

    path: Path
    rows: dict[str, int]
    size: int
    sha256: str


class _FrameWriter:
    def __init__(self, out: BinaryIO, file_key: bytes, header_digest: bytes) -> None:
        self.out, self.aead, self.digest = out, AESGCM(file_key), header_digest
        self.index, self.buffer = 0, bytearray()

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= CHUNK_BYTES:
            self._seal(DATA, bytes(self.buffer[:CHUNK_BYTES]))
            del self.buffer[:CHUNK_BYTES]

    def finish(self, trailer: dict[str, Any]) -> None:
        if self.buffer:
            self._seal(DATA, bytes(self.buffer))
        self._seal(FINAL, json.dumps(trailer, sort_keys=True).encode())

    def _seal(self, kind: int, plain: bytes) -> None:
        aad = self.digest + struct.pack(">QB", self.index, kind)
        sealed = self.aead.encrypt(self.index.to_bytes(12, "big"), plain, aad)
        self.out.write(FRAME.pack(kind, self.index, len(sealed)) + sealed)
        self.index += 1


class _InOrder:
    """Runs ``work`` on each piece, in order, in one thread, at most a few pieces behind."""

    def __init__(self, work: Callable[[bytes], None], behind: int = 4) -> None:
        self.work, self.behind = work, behind
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-backup")
        self.pending: deque[Future[None]] = deque()

    def put(self, piece: bytes) -> None:
        self.pending.append(self.pool.submit(self.work, piece))
        while len(self.pending) > self.behind:
            self.pending.popleft().result()

    def __enter__(self) -> _InOrder:
        return self

    def __exit__(self, *failed: object) -> None:
        try:
            while self.pending and failed[0] is None:
                self.pending.popleft().result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


def write_backup(
    *,
    path: Path,
    using: str = "default",
    on_start: Callable[[int], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> BackupSummary:
    """Write an encrypted backup of every table to ``path`` (a new file)."""
    connection = connections[using]
    if connection.vendor not in SUPPORTED_VENDORS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    if path.exists():
        raise BackupError(f"{path} exists already: choose another file name.")
    require_migrated(connection)
    ring = keyring()
    backup_key = configured_backup_key()
    source = {"source": "DOSSIER_BACKUP_KEY"}
    if backup_key is None:
        backup_key, source = derived_key(ring.keys[ring.current]), {"data_key": ring.current}
    salt = os.urandom(16)
    file_key, check = file_keys(backup_key, salt)
    partial = path.with_name(path.name + ".partial")
    # 31: gzip
    hasher, compressor = hashlib.sha256(), zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    encoding = encoding_for(connection)
    try:
        with snapshot(connection):
            tables = [(m._meta.db_table, table_columns(m), primary_key(m)) for m in backup_models()]
            rows = {name: count_rows(connection, name) for name, _cols, _pk in tables}
            header = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "encoding": encoding,
                "migrations": migration_state(connection),
                "tables": [{"name": name, "columns": columns} for name, columns, _pk in tables],
                "rows": rows,
                "key": {**source, "salt": salt.hex(), "check": check},
                "chunk_bytes": CHUNK_BYTES,
            }
            header_bytes = json.dumps(header, sort_keys=True).encode()
            if on_start is not None:
                on_start(sum(rows.values()))
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)
                frames = _FrameWriter(out, file_key, hashlib.sha256(header_bytes).digest())

                def seal(data: bytes) -> None:
                    hasher.update(data)
                    frames.feed(compressor.compress(data))

                # compressing and sealing in a thread (zlib, hashlib and AES-GCM let go of
                # the GIL) overlaps them with reading the next rows
                with _InOrder(seal) as pipeline:
                    for name, columns, pk in tables:
                        pipeline.put(json.dumps({"table": name}).encode() + b"\n")
                        written = 0
                        for block, count in _blocks(connection, encoding, name, columns, pk):
                            pipeline.put(block)
                            written += count
                            if on_rows is not None:
                                on_rows(count)
                        if written != rows[name]:
                            raise BackupError(f"Table {name} changed while it was being read.")
                frames.feed(compressor.flush())
                frames.finish({"sha256": hasher.hexdigest(), "rows": rows})
        os.replace(partial, path)
    except OSError as exc:
        raise BackupError(f"{path} cannot be written: {exc.strerror}.") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(path=path, rows=rows, size=path.stat().st_size, sha256=hasher.hexdigest())


def encoding_for(connection: Any) -> str:
    """How a backup writes rows: PostgreSQL's COPY text there, JSON lines elsewhere."""
    return "copy" if connection.vendor == "postgresql" else "json"


def _blocks(
    connection: Any, encoding: str, table: str, columns: list[str], pk: str
) -> Iterator[tuple[bytes, int]]:
    """The table's rows as the encoding writes them, in blocks, with their row counts."""
    if encoding == "copy":
        yield from copy_out(connection, table, columns)
        return
    for batch in _read_rows(connection, table, columns, pk):
        yield b"".join(_dump_row(row) for row in batch), len(batch)


def _dump_row(row: tuple[Any, ...]) -> bytes:
    values = [encode_value(v) for v in row]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _read_rows(
    connection: Any, table: str, columns: list[str], pk: str
) -> Iterator[list[tuple[Any, ...]]]:
    names = ", ".join(quote_name(connection, c) for c in columns)
    source, order = quote_name(connection, table), quote_name(connection, pk)
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {source} ORDER BY {order}")
        while batch := cursor.fetchmany(2000):
            yield batch
