"""Encrypted, checksummed backups of the whole database, and restoring them (SQLite, PostgreSQL).

A backup is a logical dump: every table of every installed model, rows as JSON lines of the raw
column values read with a cursor, so encrypted columns stay ciphertext and the backup never
holds their plaintext, not even inside its own encryption. The stream is gzipped and sealed in
chunks with AES-256-GCM. File layout::

    MAGIC  u32 header length  header (JSON, readable: format, vendor, migrations, tables, rows)
    frames: u8 kind (0 data, 1 final) | u64 index | u32 length | AES-GCM ciphertext
    data frames: the gzip stream in ~1 MiB pieces; the final frame: {"sha256", "rows"}

Every frame's associated data is sha256(header) | index | kind, and its nonce is its index under
a key made for this file alone (HMAC of the backup key with the header's salt), so an altered
header, a changed, reordered, dropped or appended frame and a cut-off file all fail to verify.

The backup key is DOSSIER_BACKUP_KEY (base64 of 32 bytes) or, when unset, one derived from the
current data key (``derive_key(data key, "backup")``): keep the data keys, or that backup key,
as long as the backups. Restoring tries the backup key and a key derived from every data key in
the keyring, so backups made before a key rotation still open.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
import hmac
import json
import os
import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .crypto import CryptoError, derive_key, key_id_of
from .fields import EncryptedTextField
from .keys import keyring

MAGIC = b"DOSSIER-BACKUP\n"
FORMAT = "dossier-backup"
VERSION = 1
SUPPORTED_VENDORS = ("sqlite", "postgresql")
CHUNK_BYTES = 1 << 20
INSERT_BATCH = 1000
AUDIT_TABLE, AUDIT_TRIGGER = "privacy_auditevent", "privacy_auditevent_append_only"
_FRAME = struct.Struct(">BQI")
_DATA, _FINAL = 0, 1
_MAX_HEADER = 16 << 20
_MAX_FRAME = 64 << 20


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why, for the operator."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds."""

    path: Path
    rows: dict[str, int]
    size: int
    sha256: str


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore loaded, and key ids of encrypted values this server cannot read."""

    rows: dict[str, int]
    created_at: str
    missing_keys: tuple[str, ...]


# ---- tables, keys, database state ------------------------------------------------------------


def backup_models() -> list[type[models.Model]]:
    """Every model with its own table, many-to-many tables included, by table name."""
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy and model._meta.managed:
            found.setdefault(model._meta.db_table, model)
    return [found[name] for name in sorted(found)]


def _columns(model: type[models.Model]) -> list[str]:
    return [str(f.column) for f in model._meta.local_concrete_fields]


def _pk(model: type[models.Model]) -> str:
    return str(model._meta.pk.column)  # type: ignore[union-attr]


def _configured_backup_key() -> bytes | None:
    # settings first, the environment as a fallback: settings.py may not name it yet
    text = getattr(settings, "DOSSIER_BACKUP_KEY", "") or os.environ.get("DOSSIER_BACKUP_KEY", "")
    if not text:
        return None
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError("DOSSIER_BACKUP_KEY must be 32 bytes, base64-encoded.")
    return key


def _derived_key(data_key: bytes) -> bytes:
    return derive_key(base64.b64encode(data_key).decode(), "backup")


def _file_keys(backup_key: bytes, salt: bytes) -> tuple[bytes, str]:
    """This file's own AES key, and a check value that tells whether a key fits the file."""
    file_key = hmac.new(backup_key, b"dossier-backup:data:" + salt, hashlib.sha256).digest()
    check = hmac.new(backup_key, b"dossier-backup:check:" + salt, hashlib.sha256).hexdigest()
    return file_key, check


def _migration_state(connection: Any) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def _require_migrated(connection: Any) -> None:
    """Refuse a database the code's migrations are not all applied to: its tables differ."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        first = plan[0][0]
        raise BackupError(
            f"The database lacks {len(plan)} migrations of this Dossier version (the first: "
            f"{first.app_label}.{first.name}). Run `dossier migrate` first."
        )


def _quote(connection: Any, name: str) -> str:
    return str(connection.ops.quote_name(name))


def _count(connection: Any, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(connection, table)}")
        return int(cursor.fetchone()[0])


@contextmanager
def _snapshot(connection: Any) -> Iterator[None]:
    """One consistent read of every table, without blocking writers."""
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            if not connection.savepoint_ids:  # the transaction's first statement
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.get_autocommit():
        # atomic() would BEGIN IMMEDIATE and lock writers out for the whole backup; a deferred
        # read transaction sees one snapshot (WAL) and lets them write
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                cursor.execute("COMMIT")
    else:
        yield


# ---- values as JSON ----------------------------------------------------------------------------


def encode_value(value: Any) -> Any:
    """A raw column value as JSON; types JSON lacks become {"$": type, "v": text}."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return {"$": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {"$": "uuid", "v": str(value)}
    if isinstance(value, dt.timedelta):
        return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$": "bytes", "v": base64.b64encode(bytes(value)).decode()}
    raise BackupError(f"A column value of type {type(value).__name__} cannot be backed up.")


def decode_value(value: Any) -> Any:
    """The inverse of :func:`encode_value`."""
    if not isinstance(value, dict):
        return value
    kind, text = value["$"], value["v"]
    if kind in ("datetime", "date", "time"):
        return getattr(dt, kind).fromisoformat(text)
    if kind == "timedelta":
        return dt.timedelta(days=text[0], seconds=text[1], microseconds=text[2])
    decoders: dict[str, Callable[[str], Any]] = {
        "decimal": decimal.Decimal,
        "uuid": uuid.UUID,
        "bytes": base64.b64decode,
    }
    return decoders[kind](text)


# ---- writing ----------------------------------------------------------------------------------


class _FrameWriter:
    def __init__(self, out: BinaryIO, file_key: bytes, header_digest: bytes) -> None:
        self.out, self.aead, self.digest = out, AESGCM(file_key), header_digest
        self.index, self.buffer = 0, bytearray()

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= CHUNK_BYTES:
            self._seal(_DATA, bytes(self.buffer[:CHUNK_BYTES]))
            del self.buffer[:CHUNK_BYTES]

    def finish(self, trailer: dict[str, Any]) -> None:
        if self.buffer:
            self._seal(_DATA, bytes(self.buffer))
        self._seal(_FINAL, json.dumps(trailer, sort_keys=True).encode())

    def _seal(self, kind: int, plain: bytes) -> None:
        aad = self.digest + struct.pack(">QB", self.index, kind)
        sealed = self.aead.encrypt(self.index.to_bytes(12, "big"), plain, aad)
        self.out.write(_FRAME.pack(kind, self.index, len(sealed)) + sealed)
        self.index += 1


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
    _require_migrated(connection)
    ring = keyring()
    backup_key = _configured_backup_key()
    source = {"source": "DOSSIER_BACKUP_KEY"}
    if backup_key is None:
        backup_key, source = _derived_key(ring.keys[ring.current]), {"data_key": ring.current}
    salt = os.urandom(16)
    file_key, check = _file_keys(backup_key, salt)
    partial = path.with_name(path.name + ".partial")
    hasher, compressor = hashlib.sha256(), zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip
    try:
        with _snapshot(connection):
            tables = [(m._meta.db_table, _columns(m), _pk(m)) for m in backup_models()]
            rows = {name: _count(connection, name) for name, _cols, _pk in tables}
            header = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "migrations": _migration_state(connection),
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

                def emit(lines: list[bytes]) -> None:
                    data = b"".join(lines)
                    hasher.update(data)
                    frames.feed(compressor.compress(data))

                for name, columns, pk in tables:
                    emit([json.dumps({"table": name}).encode() + b"\n"])
                    written = 0
                    for batch in _read_rows(connection, name, columns, pk):
                        emit([_dump_row(row) for row in batch])
                        written += len(batch)
                        if on_rows is not None:
                            on_rows(len(batch))
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


def _dump_row(row: tuple[Any, ...]) -> bytes:
    values = [encode_value(v) for v in row]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _read_rows(
    connection: Any, table: str, columns: list[str], pk: str
) -> Iterator[list[tuple[Any, ...]]]:
    names = ", ".join(_quote(connection, c) for c in columns)
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT {names} FROM {_quote(connection, table)} ORDER BY {_quote(connection, pk)}"
        )
        while batch := cursor.fetchmany(2000):
            yield batch


# ---- reading and verifying ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Backup:
    header: dict[str, Any]
    header_digest: bytes
    frames_at: int
    file_key: bytes


def _open(path: Path) -> _Backup:
    """The backup's header and this file's key; refuses a file that is not a backup or whose
    key this server does not have."""
    try:
        with path.open("rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise BackupError(f"{path} is not a Dossier backup.")
            (length,) = struct.unpack(">I", f.read(4).rjust(4, b"\0"))
            raw = f.read(length) if length <= _MAX_HEADER else b""
    except OSError as exc:
        raise BackupError(f"{path} cannot be read: {exc.strerror}.") from None
    try:
        header = json.loads(raw)
        salt, check = bytes.fromhex(header["key"]["salt"]), header["key"]["check"]
        if header["format"] != FORMAT:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise BackupError("The backup's header is damaged or cut off.") from None
    if header["version"] != VERSION:
        raise BackupError(f"Backup format version {header['version']} is not supported.")
    for candidate in _candidate_keys():
        file_key, candidate_check = _file_keys(candidate, salt)
        if hmac.compare_digest(candidate_check, check):
            digest = hashlib.sha256(raw).digest()
            return _Backup(header, digest, len(MAGIC) + 4 + length, file_key)
    made_with = (
        "DOSSIER_BACKUP_KEY"
        if "source" in header["key"]
        else f"a key derived from data key “{header['key'].get('data_key')}”"
    )
    raise BackupError(
        f"Wrong key: the backup was sealed with {made_with}, and neither DOSSIER_BACKUP_KEY nor "
        "any key in DOSSIER_KEYS opens it (or its header is damaged)."
    )


def _candidate_keys() -> list[bytes]:
    configured = _configured_backup_key()
    derived = [_derived_key(key) for key in keyring().keys.values()]
    return ([configured] if configured else []) + derived


def _frames(path: Path, backup: _Backup) -> Iterator[tuple[int, bytes]]:
    """Each frame's kind and plaintext, verified, in order; ends after the final frame."""
    aead = AESGCM(backup.file_key)
    with path.open("rb") as f:
        f.seek(backup.frames_at)
        index = 0
        while True:
            head = f.read(_FRAME.size)
            if len(head) < _FRAME.size:
                raise BackupError(f"The file is truncated: it ends at chunk {index}.")
            kind, found, length = _FRAME.unpack(head)
            if found != index and kind in (_DATA, _FINAL):
                raise BackupError(
                    f"The chunks are out of order or missing: chunk {found} stands where chunk "
                    f"{index} belongs (the file was rearranged or cut)."
                )
            if kind not in (_DATA, _FINAL) or length > _MAX_FRAME:
                raise BackupError(f"Chunk {index} is damaged: the file was altered.")
            body = f.read(length)
            if len(body) < length:
                raise BackupError(f"The file is truncated: it ends inside chunk {index}.")
            aad = backup.header_digest + struct.pack(">QB", index, kind)
            try:
                plain = aead.decrypt(index.to_bytes(12, "big"), body, aad)
            except InvalidTag:
                raise BackupError(
                    f"Chunk {index} fails its integrity check: the file was altered or damaged."
                ) from None
            yield kind, plain
            if kind == _FINAL:
                if f.read(1):
                    raise BackupError("There is data after the final chunk: the file was altered.")
                return
            index += 1


def _records(path: Path, backup: _Backup) -> Iterator[tuple[str, list[Any]]]:
    """("table", name) and ("row", values) in file order; raises at the end if the stream's
    checksum or row counts differ from what the backup recorded."""
    hasher, decompressor = hashlib.sha256(), zlib.decompressobj(31)
    pending, trailer = b"", None
    counts: dict[str, int] = {}
    table = None
    for kind, plain in _frames(path, backup):
        if kind == _FINAL:
            trailer = json.loads(plain)
            break
        try:
            data = pending + decompressor.decompress(plain)
        except zlib.error:
            raise BackupError("The backup's compressed data is damaged.") from None
        *lines, pending = data.split(b"\n")
        for line in lines:
            hasher.update(line + b"\n")
            record = json.loads(line)
            if isinstance(record, dict):
                table = record["table"]
                counts[table] = 0
                yield "table", [table]
            elif table is None:
                raise BackupError("The backup's data has a row before any table.")
            else:
                counts[table] += 1
                yield "row", [decode_value(v) for v in record]
    if trailer is None or pending or not decompressor.eof:
        raise BackupError("The backup's data ends early: the file is incomplete.")
    if hasher.hexdigest() != trailer["sha256"]:
        raise BackupError("The backup's checksum does not match its data.")
    expected = backup.header["rows"]
    if trailer["rows"] != expected or {t: counts.get(t, 0) for t in expected} != expected:
        raise BackupError("The backup's row counts do not match its data.")


# ---- restoring ----------------------------------------------------------------------------------


def database_in_use(*, using: str = "default") -> dict[str, int]:
    """Users and customers the database holds (a migrated, unused database holds none)."""
    connection = connections[using]
    counted: dict[str, type[models.Model]] = {"users": get_user_model()}
    if apps.is_installed("dossier.customers"):
        counted["customers"] = apps.get_model("customers", "Customer")
    found = {label: _count(connection, m._meta.db_table) for label, m in counted.items()}
    return {label: n for label, n in found.items() if n}


def _check_target(header: dict[str, Any], connection: Any, force: bool) -> None:
    if header["vendor"] != connection.vendor:
        raise BackupError(
            f"The backup was made from {header['vendor']}; it restores into {header['vendor']} "
            f"only, not {connection.vendor}."
        )
    ours, theirs = _migration_state(connection), header["migrations"]
    for app in sorted(set(ours) | set(theirs)):
        if ours.get(app) != theirs.get(app):
            raise BackupError(
                f"The database's migrations differ from the backup's for app “{app}” (backup: "
                f"{_latest(theirs.get(app))}, database: {_latest(ours.get(app))}). Restore with "
                "the Dossier version that made the backup, into a database `dossier migrate` "
                "brought to the same state."
            )
    _require_migrated(connection)
    tables = {m._meta.db_table: _columns(m) for m in backup_models()}
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
    backup = _open(path)
    header = backup.header
    total = sum(header["rows"].values())
    encrypted = _encrypted_positions(header)
    seen_keys: set[str] = set()
    if on_start is not None:
        on_start("Verifying", total)
    table, counted = "", 0
    for kind, values in _records(path, backup):  # pass 1: nothing touches the database
        if kind == "table":
            table = values[0]
        elif kind == "row":
            seen_keys.update(_key_ids(values, encrypted.get(table, ())))
            counted += 1
            if on_rows is not None and counted % INSERT_BATCH == 0:
                on_rows(INSERT_BATCH)
    if on_rows is not None:
        on_rows(counted % INSERT_BATCH)
    _check_target(header, connection, force)
    if on_start is not None:
        on_start("Restoring", total)
    try:
        with transaction.atomic(using=using):
            _load(path, backup, connection, on_rows)
    except DatabaseError as exc:
        raise BackupError(f"The restore failed and nothing was changed: {exc}") from None
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # content type ids are the backup's now
    missing = tuple(sorted(seen_keys - set(keyring().keys)))
    return RestoreSummary(
        rows=header["rows"], created_at=header["created_at"], missing_keys=missing
    )


def _encrypted_positions(header: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Per table, the positions in a row of the encrypted columns."""
    positions = {}
    for model in backup_models():
        columns = {
            f.column for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)
        }
        if columns:
            names: list[str] = next(
                (t["columns"] for t in header["tables"] if t["name"] == model._meta.db_table), []
            )
            positions[model._meta.db_table] = tuple(i for i, c in enumerate(names) if c in columns)
    return positions


def _key_ids(values: list[Any], positions: tuple[int, ...]) -> set[str]:
    found = set()
    for i in positions:
        if values[i]:
            with suppress(CryptoError):
                found.add(key_id_of(values[i]))
    return found


def _load(
    path: Path, backup: _Backup, connection: Any, on_rows: Callable[[int], None] | None
) -> None:
    """Delete every table's rows and insert the backup's; runs inside the caller's transaction."""

    def quote(name: str) -> str:
        return _quote(connection, name)

    columns = {t["name"]: t["columns"] for t in backup.header["tables"]}
    with connection.cursor() as cursor:
        audit_trigger = False
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = to_regclass(%s)",
                [AUDIT_TRIGGER, AUDIT_TABLE],
            )
            audit_trigger = cursor.fetchone() is not None
            if audit_trigger:
                # The one sanctioned exception to the append-only audit log: a restore replaces
                # the whole database, audit log included, inside this transaction only.
                cursor.execute(
                    f"ALTER TABLE {quote(AUDIT_TABLE)} DISABLE TRIGGER {quote(AUDIT_TRIGGER)}"
                )
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
        for table in reversed(list(columns)):
            cursor.execute(f"DELETE FROM {quote(table)}")
        table, batch = "", []
        for kind, values in _records(path, backup):
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
        if connection.vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(no_style(), backup_models()):
                cursor.execute(sql)
            # checks the deferred references now (a broken one fails here), and leaves no
            # pending trigger events, which ALTER TABLE refuses to run with
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if audit_trigger:
                cursor.execute(
                    f"ALTER TABLE {quote(AUDIT_TABLE)} ENABLE TRIGGER {quote(AUDIT_TRIGGER)}"
                )
        else:
            cursor.execute("PRAGMA foreign_key_check")
            broken = cursor.fetchone()
            if broken:
                raise BackupError(f"The backup's rows break a foreign key of table {broken[0]}.")


def _insert(
    connection: Any, cursor: Any, table: str, names: list[str], rows: list[list[Any]]
) -> None:
    if not rows:
        return
    quoted = ", ".join(_quote(connection, c) for c in names)
    if connection.vendor == "postgresql":
        # COPY: several times faster than INSERT for a whole table's rows
        with cursor.copy(f"COPY {_quote(connection, table)} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(names))
    cursor.executemany(f"INSERT INTO {_quote(connection, table)} ({quoted}) VALUES ({marks})", rows)
