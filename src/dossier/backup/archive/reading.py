"""Reading a backup: open it with the right key, verify every frame, yield its records."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dossier.backup.archive.format import (
    DATA,
    ENCODINGS,
    FINAL,
    FORMAT,
    FRAME,
    MAGIC,
    MAX_FRAME,
    MAX_HEADER,
    READABLE_VERSIONS,
    BackupError,
    configured_backup_key,
    decode_value,
    derived_key,
    file_keys,
)
from dossier.protection.keys import keyring


@dataclass(frozen=True)
class Backup:
    """An opened backup: its header, where its frames start and this file's own key."""

    header: dict[str, Any]
    header_digest: bytes
    frames_at: int
    file_key: bytes


def open_backup(path: Path) -> Backup:
    """The backup's header and this file's key; refuses a file that is not a backup or whose
    key this server does not have."""
    try:
        with path.open("rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise BackupError(f"{path} is not a Dossier backup.")
            (length,) = struct.unpack(">I", f.read(4).rjust(4, b"\0"))
            raw = f.read(length) if length <= MAX_HEADER else b""
    except OSError as exc:
        raise BackupError(f"{path} cannot be read: {exc.strerror}.") from None
    try:
        header = json.loads(raw)
        salt, check = bytes.fromhex(header["key"]["salt"]), header["key"]["check"]
        if header["format"] != FORMAT:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise BackupError("The backup's header is damaged or cut off.") from None
    if header["version"] not in READABLE_VERSIONS:
        raise BackupError(
            f"Backup format version {header['version']} is not supported: this Dossier reads "
            f"versions {', '.join(map(str, READABLE_VERSIONS))} (a newer Dossier made it)."
        )
    if encoding_of(header) not in ENCODINGS:
        raise BackupError(f"The backup's rows are encoded as {header['encoding']!r}, unknown here.")
    for candidate in _candidate_keys():
        file_key, candidate_check = file_keys(candidate, salt)
        if hmac.compare_digest(candidate_check, check):
            digest = hashlib.sha256(raw).digest()
            return Backup(header, digest, len(MAGIC) + 4 + length, file_key)
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
    configured = configured_backup_key()
    derived = [derived_key(key) for key in keyring().keys.values()]
    return ([configured] if configured else []) + derived


def read_frames(path: Path, backup: Backup) -> Iterator[tuple[int, bytes]]:
    """Each frame's kind and plaintext, verified, in order; ends after the final frame."""
    aead = AESGCM(backup.file_key)
    with path.open("rb") as f:
        f.seek(backup.frames_at)
        index = 0
        while True:
            head = f.read(FRAME.size)
            if len(head) < FRAME.size:
                raise BackupError(f"The file is truncated: it ends at chunk {index}.")
            kind, found, length = FRAME.unpack(head)
            if found != index and kind in (DATA, FINAL):
                raise BackupError(
                    f"The chunks are out of order or missing: chunk {found} stands where chunk "
                    f"{index} belongs (the file was rearranged or cut)."
                )
            if kind not in (DATA, FINAL) or length > MAX_FRAME:
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
            if kind == FINAL:
                if f.read(1):
                    raise BackupError("There is data after the final chunk: the file was altered.")
                return
            index += 1


def encoding_of(header: dict[str, Any]) -> str:
    """How the backup writes rows: "json" (every version 1 backup) or "copy"."""
    return str(header.get("encoding", "json"))


def _stream(path: Path, backup: Backup) -> Iterator[bytes]:
    """The backup's data, decompressed, as verified pieces; raises at the end if the data
    ends early or its checksum or row counts differ from what the backup recorded."""
    hasher, decompressor = hashlib.sha256(), zlib.decompressobj(31)
    trailer = None
    for kind, plain in read_frames(path, backup):
        if kind == FINAL:
            # no break: read_frames goes on to refuse bytes after the final chunk
            trailer = json.loads(plain)
            continue
        try:
            data = decompressor.decompress(plain)
        except zlib.error:
            raise BackupError("The backup's compressed data is damaged.") from None
        if decompressor.unused_data:
            raise BackupError("The backup's compressed data is damaged.")
        hasher.update(data)
        yield data
    if trailer is None or not decompressor.eof:
        raise BackupError("The backup's data ends early: the file is incomplete.")
    if hasher.hexdigest() != trailer["sha256"]:
        raise BackupError("The backup's checksum does not match its data.")
    if trailer["rows"] != backup.header["rows"]:
        raise BackupError("The backup's row counts do not match its data.")


def _table_line(line: bytes, expected: str | None) -> str:
    try:
        record = json.loads(line)
        table = record["table"] if isinstance(record, dict) else None
    except (ValueError, KeyError):
        table = None
    if table is None or table != expected:
        raise BackupError(
            f"The backup's data is damaged: table {expected or '(none)'} was expected there."
        )
    return str(table)


def read_records(path: Path, backup: Backup) -> Iterator[tuple[str, list[Any]]]:
    """("table", name) and ("row", values) of a "json" backup, in file order; raises at the
    end if the stream's checksum or row counts differ from what the backup recorded."""
    pending = b""
    counts: dict[str, int] = {}
    table = None
    for data in _stream(path, backup):
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
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
    if pending:
        raise BackupError("The backup's data ends early: the file is incomplete.")
    expected = backup.header["rows"]
    if {t: counts.get(t, 0) for t in expected} != expected:
        raise BackupError("The backup's row counts do not match its data.")


def read_blocks(path: Path, backup: Backup) -> Iterator[tuple[str, bytes]]:
    """(table, COPY text of whole rows) of a "copy" backup, in file order, and (table, b"")
    where each table starts. The header's row counts (sealed with the file) say where each
    table's rows end: one line a row, as COPY writes them."""
    header = backup.header
    order = [t["name"] for t in header["tables"]]
    position, remaining, pending, table = 0, 0, b"", ""
    for data in _stream(path, backup):
        data = pending + data if pending else data
        at = 0
        while at < len(data):
            if remaining == 0:  # a table's line comes next
                end = data.find(b"\n", at)
                if end < 0:
                    break
                name = order[position] if position < len(order) else None
                table = _table_line(data[at:end], name)
                position, remaining, at = position + 1, header["rows"].get(table, 0), end + 1
                yield table, b""
                continue
            lines = data.count(b"\n", at)
            if lines == 0:
                break
            if lines <= remaining:
                end = data.rindex(b"\n") + 1
                remaining -= lines
            else:
                end = at
                for _ in range(remaining):
                    end = data.index(b"\n", end) + 1
                remaining = 0
            yield table, data[at:end]
            at = end
        pending = data[at:]
    if pending or remaining or position != len(order):
        raise BackupError("The backup's data ends early: the file is incomplete.")
