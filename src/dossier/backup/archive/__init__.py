"""Encrypted, checksummed backups of the whole database, and restoring them (SQLite, PostgreSQL).

A backup is a logical dump: every table of every installed model, as the raw column values,
so encrypted columns stay ciphertext and the backup never holds their plaintext, not even
inside its own encryption. Rows are written as the header's "encoding" says: on PostgreSQL
"copy", the text COPY writes and reads (streamed both ways, no row passes through Python
objects); on SQLite "json", one JSON line of values a row (the only encoding of format
version 1, which is still restored; a later version is refused by name). Each table's rows
follow a ``{"table": name}`` line. The stream is gzipped and sealed in chunks with
AES-256-GCM. File layout::

    MAGIC  u32 header length  header (JSON, readable: format, version, vendor, encoding,
           migrations, tables, rows)
    frames: u8 kind (0 data, 1 final) | u64 index | u32 length | AES-GCM ciphertext
    data frames: the gzip stream in ~1 MiB pieces; the final frame: {"sha256", "rows"}

Every frame's associated data is sha256(header) | index | kind, and its nonce is its index under
a key made for this file alone (HMAC of the backup key with the header's salt), so an altered
header, a changed, reordered, dropped or appended frame and a cut-off file all fail to verify.

The backup key is DOSSIER_BACKUP_KEY (base64 of 32 bytes) or, when unset, one derived from the
current data key (``derive_key(data key, "backup")``): keep the data keys, or that backup key,
as long as the backups. Restoring tries the backup key and a key derived from every data key in
the keyring, so backups made before a key rotation still open.

Modules: ``format`` (the layout, the keys, values as JSON), ``database`` (the tables, their
state, a consistent snapshot), ``postgres`` (COPY out and in; keys, indexes and foreign keys
built once after a load), ``writing``, ``reading`` (opening and verifying) and ``restoring``.
"""

from dossier.backup.archive.database import backup_models, database_in_use
from dossier.backup.archive.format import MAGIC, BackupError, decode_value, encode_value
from dossier.backup.archive.restoring import RestoreSummary, restore_backup
from dossier.backup.archive.writing import BackupSummary, write_backup

__all__ = [
    "MAGIC",
    "BackupError",
    "BackupSummary",
    "RestoreSummary",
    "backup_models",
    "database_in_use",
    "decode_value",
    "encode_value",
    "restore_backup",
    "write_backup",
]
