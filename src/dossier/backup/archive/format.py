"""The backup file's layout, its value encoding and its keys (see the package's docstring)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
import hmac
import os
import struct
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings

from dossier.protection.crypto import derive_key

MAGIC = b"DOSSIER-BACKUP\n"
FORMAT = "dossier-backup"
#: version 2 adds "encoding": "json" (rows as JSON lines, as version 1 holds them) or
#: "copy" (PostgreSQL's COPY text, each table's rows after its {"table": name} line)
VERSION = 2
READABLE_VERSIONS = (1, 2)
ENCODINGS = ("json", "copy")
#: a frame's head: kind, index, length of the sealed bytes that follow
FRAME = struct.Struct(">BQI")
DATA, FINAL = 0, 1
MAX_HEADER = 16 << 20
MAX_FRAME = 64 << 20


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why, for the operator."""


# ---- keys ------------------------------------------------------------------------------------


def configured_backup_key() -> bytes | None:
    """DOSSIER_BACKUP_KEY, when it is set (refused unless it is 32 bytes, base64-encoded)."""
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


def derived_key(data_key: bytes) -> bytes:
    """The backup key derived from a data key, used when DOSSIER_BACKUP_KEY is not set."""
    return derive_key(base64.b64encode(data_key).decode(), "backup")


def file_keys(backup_key: bytes, salt: bytes) -> tuple[bytes, str]:
    """This file's own AES key, and a check value that tells whether a key fits the file."""
    file_key = hmac.new(backup_key, b"dossier-backup:data:" + salt, hashlib.sha256).digest()
    check = hmac.new(backup_key, b"dossier-backup:check:" + salt, hashlib.sha256).hexdigest()
    return file_key, check


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
