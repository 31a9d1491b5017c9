"""Backups are encrypted and checked end to end; a restore brings back the very same rows."""

from __future__ import annotations

import gzip
import io
import struct
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction

from dossier.accounts.services import ensure_roles
from dossier.audit.models import AuditEvent
from dossier.backup import archive as backup
from dossier.backup.archive import reading, writing
from dossier.customers.models import Customer
from dossier.customers.registry import entries
from dossier.customers.services import create_customer, update_customer
from dossier.protection.crypto import new_key
from dossier.protection.keys import reload_keyring
from dossier.templates.models import Template
from dossier.templates.services import install_builtin_templates

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13800138000"
EMAIL = "zhang.san@example.com"
ID_NUMBER = "11010519491231002X"
ADDRESS = "朝阳区建国路88号"
SECRETS = [PHONE, "+86" + PHONE, EMAIL, "zhang.san", ID_NUMBER, ADDRESS, "建国路"]


def raw_tables() -> dict[str, list[tuple[Any, ...]]]:
    """Every backed-up table's raw rows, as stored (ciphertext included), in key order.

    Leaves out the access generation: restoring roles and permissions bumps it (database
    triggers), so that API workers reload the tokens they remember.
    """
    from dossier.accounts.models import AccessGeneration

    tables = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in backup.backup_models():
            if model is AccessGeneration:
                continue
            columns = ", ".join(quote(f.column) for f in model._meta.local_concrete_fields)
            cursor.execute(
                f"SELECT {columns} FROM {quote(model._meta.db_table)} "
                f"ORDER BY {quote(model._meta.pk.column)}"
            )
            tables[model._meta.db_table] = cursor.fetchall()
    return tables


@pytest.fixture
def stored(sales_user: User, member_template: Template) -> Customer:
    """A migrated database in use: roles, built-in templates, a customer, its audit events."""
    ensure_roles()  # a transactional test starts from an emptied database
    install_builtin_templates()
    customer = create_customer(
        actor=sales_user,
        template=member_template,
        values={
            "display_name": "张三",
            "phone": PHONE,
            "email": EMAIL,
            "address": ADDRESS,
            "id_number": ID_NUMBER,
            "member_no": "M000001",
        },
    )
    return update_customer(
        actor=sales_user, customer_id=customer.pk, values={"points": 10}, expected_version=1
    )


@pytest.fixture
def made(stored: Customer, tmp_path: Path) -> Path:
    path = tmp_path / "dossier.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    return path


def change_database(actor: User, customer: Customer) -> None:
    """Edits after the backup, which a restore must undo (audit rows included)."""
    update_customer(actor=actor, customer_id=customer.pk, values={"points": 99}, expected_version=2)
    User.objects.create(username="late.comer")


def test_restore_brings_back_identical_raw_rows(
    made: Path, stored: Customer, sales_user: User
) -> None:
    before = raw_tables()
    assert AuditEvent.objects.filter(customer_id=stored.pk).count() == 2
    assert len(before["customers_customer"]) == 1
    assert len(before["templates_template"]) >= 8  # the built-in ones and the member template
    change_database(sales_user, stored)
    assert raw_tables() != before

    from dossier.accounts.models import AccessGeneration

    generation = AccessGeneration.objects.get(pk=1).value
    out = io.StringIO()
    call_command("restore", str(made), "--force", stdout=out)

    assert raw_tables() == before
    assert "Restored" in out.getvalue()
    assert AccessGeneration.objects.get(pk=1).value != generation  # workers reload tokens
    assert Customer.objects.get(pk=stored.pk).protected == {"id_number": ID_NUMBER}


def test_audit_log_is_append_only_again_after_a_restore(made: Path) -> None:
    events = AuditEvent.objects.count()
    call_command("restore", str(made), "--force", stdout=io.StringIO())
    if connection.vendor == "postgresql":
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM privacy_auditevent")
    assert AuditEvent.objects.count() == events


def frames(path: Path) -> tuple[bytes, list[bytes]]:
    """The backup's bytes up to the first frame, and each frame's bytes."""
    data = path.read_bytes()
    start = len(backup.MAGIC) + 4 + struct.unpack(">I", data[15:19])[0]
    head, rest, found = data[:start], data[start:], []
    while rest:
        _kind, _index, length = struct.unpack(">BQI", rest[:13])
        found.append(rest[: 13 + length])
        rest = rest[13 + length :]
    return head, found


def flip_byte(path: Path) -> None:
    head, found = frames(path)
    middle = bytearray(found[1])
    middle[13 + len(middle) // 2] ^= 0x01  # inside chunk 1's ciphertext
    found[1] = bytes(middle)
    path.write_bytes(head + b"".join(found))


def alter_header(path: Path) -> None:
    data = path.read_bytes()
    at = data.index(b'"created_at": "') + len(b'"created_at": "') + 3  # the year's last digit
    altered = b"0" if data[at : at + 1] != b"0" else b"1"
    path.write_bytes(data[:at] + altered + data[at + 1 :])


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-200])


def swap_chunks(path: Path) -> None:
    head, found = frames(path)
    assert len(found) >= 4
    found[1], found[2] = found[2], found[1]
    path.write_bytes(head + b"".join(found))


def drop_final_chunk(path: Path) -> None:
    head, found = frames(path)
    path.write_bytes(head + b"".join(found[:-1]))


def use_other_key(path: Path, settings: Any) -> None:
    settings.DOSSIER_BACKUP_KEY = new_key()
    settings.DOSSIER_KEYS = f"other:{new_key()}"  # no data key to derive the backup's key from
    reload_keyring()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (flip_byte, "Chunk 1 fails its integrity check: the file was altered"),
        (alter_header, "Chunk 0 fails its integrity check: the file was altered"),
        (truncate, "The file is truncated"),
        (swap_chunks, "chunks are out of order or missing: chunk 2 stands where chunk 1 belongs"),
        (drop_final_chunk, "The file is truncated: it ends at chunk"),
        (use_other_key, "Wrong key: the backup was sealed with a key derived from data key"),
    ],
)
def test_damaged_backup_or_wrong_key_is_refused_and_nothing_changes(
    stored: Customer,
    sales_user: User,
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    damage: Any,
    reason: str,
) -> None:
    monkeypatch.setattr(writing, "CHUNK_BYTES", 2048)  # several chunks, to reorder them
    path = tmp_path / "dossier.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    change_database(sales_user, stored)
    before = raw_tables()
    if damage is use_other_key:
        damage(path, settings)
    else:
        damage(path)

    try:
        with pytest.raises(CommandError, match=reason):
            call_command("restore", str(path), "--force", stdout=io.StringIO())
    finally:
        settings.DOSSIER_KEYS = ""
        reload_keyring()

    assert raw_tables() == before


def test_a_file_that_is_not_a_backup_is_refused(stored: Customer, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(CommandError, match="is not a Dossier backup"):
        call_command("restore", str(path), "--force")


def test_restore_refuses_a_database_in_use_without_force(made: Path, stored: Customer) -> None:
    Customer.objects.filter(pk=stored.pk).update(display_name="李四")
    before = raw_tables()
    with pytest.raises(CommandError, match=r"not empty \(users: 1, customers: 1\).*--force"):
        call_command("restore", str(made), stdout=io.StringIO())
    assert raw_tables() == before


def test_restore_into_an_unused_database_needs_no_force(made: Path, stored: Customer) -> None:
    before = raw_tables()
    # rows other apps keep by themselves about a customer (its quality scores …) go first
    derived = [e.model._meta.db_table for e in entries() if e.model is not Customer]
    with connection.cursor() as cursor:  # what remains after `dossier migrate` on a new server
        for table in (
            *derived,
            "customers_customerlookup",
            "customers_customer",
            "privacy_auditevent",
        ):
            if connection.vendor == "postgresql" and table == "privacy_auditevent":
                cursor.execute(f"TRUNCATE {table}")  # the trigger only refuses row deletes
            else:
                cursor.execute(f"DELETE FROM {table}")
    User.objects.all().delete()
    with connection.cursor() as cursor:  # a new database's sequences start low
        for sql in connection.ops.sequence_reset_sql(no_style(), backup.backup_models()):
            cursor.execute(sql)

    call_command("restore", str(made), stdout=io.StringIO())

    assert raw_tables() == before
    # the sequences were moved past the restored ids, so new rows insert cleanly
    assert User.objects.create(username="after.restore").pk > max(r[0] for r in before["auth_user"])


def test_restore_refuses_a_database_at_another_migration_state(
    made: Path, stored: Customer
) -> None:
    before = raw_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
            ["customers", "9999_from_the_future", "2030-01-01 00:00:00"],
        )
    try:
        with pytest.raises(CommandError, match=r"for app “customers” .*9999_from_the_future"):
            call_command("restore", str(made), "--force", stdout=io.StringIO())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE name = '9999_from_the_future'")
    assert raw_tables() == before


def test_backup_holds_no_plaintext_of_personal_values(made: Path, stored: Customer) -> None:
    data = made.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in data, secret

    # decrypted and gunzipped, the stream still holds only ciphertext of encrypted columns
    opened = reading.open_backup(made)
    stream = b"".join(plain for kind, plain in reading.read_frames(made, opened) if kind == 0)
    text = gzip.decompress(stream).decode()
    assert "张三" in text and "M000001" in text  # general columns are there
    assert "v1.dev." in text  # so are the encrypted ones, sealed
    for secret in SECRETS:
        assert secret not in text, secret


def test_backup_header_describes_the_database(made: Path, stored: Customer) -> None:
    header = reading.open_backup(made).header
    assert header["vendor"] == connection.vendor
    assert header["rows"]["customers_customer"] == 1
    assert header["rows"]["privacy_auditevent"] == AuditEvent.objects.count()
    assert "0001_initial" in header["migrations"]["customers"]
    assert header["key"]["data_key"] == "dev"


def test_backup_made_with_a_backup_key_restores_with_it(
    stored: Customer, tmp_path: Path, settings: Any
) -> None:
    settings.DOSSIER_BACKUP_KEY = new_key()
    path = tmp_path / "dossier.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    before = raw_tables()
    assert reading.open_backup(path).header["key"]["source"] == "DOSSIER_BACKUP_KEY"

    call_command("restore", str(path), "--force", stdout=io.StringIO())
    assert raw_tables() == before

    settings.DOSSIER_BACKUP_KEY = ""
    with pytest.raises(CommandError, match="Wrong key: the backup was sealed with DOSSIER_BACKUP"):
        call_command("restore", str(path), "--force", stdout=io.StringIO())


def test_backup_does_not_overwrite_a_file(made: Path) -> None:
    size = made.stat().st_size
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(made))
    assert made.stat().st_size == size


def test_restore_warns_about_values_sealed_with_keys_this_server_lacks(
    stored: Customer, tmp_path: Path, settings: Any
) -> None:
    settings.DOSSIER_BACKUP_KEY = new_key()
    path = tmp_path / "dossier.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    settings.DOSSIER_KEYS = f"other:{new_key()}"  # a server that never had the data key "dev"
    reload_keyring()
    try:
        err = io.StringIO()
        call_command("restore", str(path), "--force", stdout=io.StringIO(), stderr=err)
    finally:
        settings.DOSSIER_KEYS = ""
        reload_keyring()
    assert "sealed with keys this server lacks: dev" in err.getvalue()


def record_consent(customer: Customer, actor: User) -> None:
    """A consent event: a row in the consent ledger, append-only like the audit log."""
    from dossier.consent.models import ConsentEvent, Purpose

    purpose, _ = Purpose.objects.get_or_create(key="restore-test", defaults={"name_zh": "测试"})
    ConsentEvent.objects.create(
        customer=customer,
        purpose=purpose,
        channel="sms",
        action="granted",
        source="staff",
        notice_version="2024-05",
        actor=actor,
    )


def test_restore_replaces_a_live_database_holding_consent_events(
    stored: Customer, sales_user: User, tmp_path: Path
) -> None:
    from dossier.consent.models import ConsentEvent

    record_consent(stored, sales_user)
    path = tmp_path / "dossier.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    before = raw_tables()
    record_consent(stored, sales_user)  # the ledger grew after the backup: restore removes it
    change_database(sales_user, stored)

    call_command("restore", str(path), "--force", stdout=io.StringIO())

    assert raw_tables() == before
    assert ConsentEvent.objects.count() == 1
    if connection.vendor == "postgresql":  # both ledgers are append-only again
        for table in ("consent_consentevent", "privacy_auditevent"):
            with (
                pytest.raises(DatabaseError, match=f"append-only table {table}"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(f"DELETE FROM {table}")
    assert ConsentEvent.objects.count() == 1


@pytest.mark.parametrize(
    "extra", [b"\0" * 8, b"appended", bytes(range(256)) * 4096], ids=["8 zeros", "8 bytes", "1 MiB"]
)
def test_bytes_after_the_final_chunk_are_refused_and_nothing_changes(
    made: Path, stored: Customer, sales_user: User, extra: bytes
) -> None:
    with made.open("ab") as f:
        f.write(extra)
    change_database(sales_user, stored)
    before = raw_tables()

    with pytest.raises(CommandError, match="data after the final chunk"):
        call_command("restore", str(made), "--force", stdout=io.StringIO())

    assert raw_tables() == before
