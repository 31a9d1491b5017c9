"""How a restore loads: COPY on PostgreSQL, older backups, broken rows, ids after a restore.

The end-to-end guarantees (identical rows, no plaintext, damaged files refused) are in
privacy/tests/test_backup.py; these cover what the fast load added.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dossier.audit.models import AuditEvent
from dossier.backup.archive import reading, writing
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.services import create_customer
from dossier.privacy.tests.test_backup import (
    EMAIL,
    ID_NUMBER,
    PHONE,
    change_database,
    raw_tables,
    stored,
)
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["stored"]  # a fixture these tests use

LOOKUP = CustomerLookup._meta.db_table


def backup_to(path: Path) -> Path:
    call_command("backup", str(path), stdout=io.StringIO())
    return path


def restore(path: Path) -> None:
    call_command("restore", str(path), "--force", stdout=io.StringIO())


def schema() -> dict[str, list[str]]:
    """Every index and constraint of the lookup and customer tables, by table (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text IN (%s, %s) UNION ALL "
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename IN (%s, %s) "
            "ORDER BY 1, 2",
            [LOOKUP, "customers_customer"] * 2,
        )
        found: dict[str, list[str]] = {}
        for table, definition in cursor.fetchall():
            found.setdefault(table, []).append(definition)
    return found


def test_a_backup_says_how_it_encodes_rows(stored: Customer, tmp_path: Path) -> None:
    header = reading.open_backup(backup_to(tmp_path / "b")).header
    assert header["version"] == 2
    assert header["encoding"] == ("copy" if connection.vendor == "postgresql" else "json")


def test_restored_values_decrypt_and_new_customers_take_new_ids(
    stored: Customer, sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    path = backup_to(tmp_path / "b")
    before_schema = schema()
    change_database(sales_user, stored)  # moves the sequences past the backup's rows
    restore(path)

    customer = Customer.objects.get(pk=stored.pk)
    assert (customer.phone, customer.email) == ("+86" + PHONE, EMAIL)
    assert customer.protected == {"id_number": ID_NUMBER}
    assert schema() == before_schema  # every index and constraint is back
    last_event = AuditEvent.objects.order_by("-pk").first()
    last_lookup = CustomerLookup.objects.order_by("-pk").first()
    assert last_event is not None and last_lookup is not None

    made = create_customer(
        actor=sales_user,
        template=member_template,
        values={"display_name": "李四", "phone": "13900139000", "member_no": "M000002"},
    )
    assert AuditEvent.objects.filter(customer_id=made.pk).earliest("pk").pk > last_event.pk
    assert CustomerLookup.objects.filter(customer=made).earliest("pk").pk > last_lookup.pk
    new_user = User.objects.create(username="after.restore")
    assert new_user.pk > max(User.objects.exclude(pk=new_user.pk).values_list("pk", flat=True))


def test_a_version_1_backup_still_restores(
    stored: Customer, sales_user: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 1 wrote every database's rows as JSON lines, without an "encoding"."""
    monkeypatch.setattr(writing, "VERSION", 1)
    monkeypatch.setattr(writing, "encoding_for", lambda connection: "json")
    path = backup_to(tmp_path / "b")
    monkeypatch.undo()
    assert reading.open_backup(path).header["version"] == 1
    before = raw_tables()
    change_database(sales_user, stored)

    restore(path)

    assert raw_tables() == before


def test_a_backup_from_a_newer_version_is_refused_by_name(
    stored: Customer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "VERSION", 3)
    path = backup_to(tmp_path / "b")
    monkeypatch.undo()
    before = raw_tables()
    with pytest.raises(CommandError, match=r"format version 3 is not supported.*versions 1, 2"):
        restore(path)
    assert raw_tables() == before


def customer_key_of_lookups() -> str:
    """The name of the lookup table's foreign key to the customer (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f' AND pg_get_constraintdef(oid) LIKE %s",
            [LOOKUP, "%(customer_id)%"],
        )
        return str(cursor.fetchone()[0])


def add_orphan_lookup() -> None:
    """A lookup row of a customer that does not exist (its foreign key lifted meanwhile)."""
    values = [str(uuid.uuid4()), Template.objects.first().pk]  # type: ignore[union-attr]
    sql = (
        f'INSERT INTO {LOOKUP} (customer_id, template_id, field, digest, "unique") '
        "VALUES (%s, %s, 'orphan', 'x', false)"
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute(sql, values)
            cursor.execute("PRAGMA foreign_keys = ON")
            return
        name = customer_key_of_lookups()
        cursor.execute(f'ALTER TABLE {LOOKUP} DROP CONSTRAINT "{name}"')
        cursor.execute(sql, values)
        cursor.execute(
            f'ALTER TABLE {LOOKUP} ADD CONSTRAINT "{name}" FOREIGN KEY (customer_id) '
            "REFERENCES customers_customer(id) DEFERRABLE INITIALLY DEFERRED NOT VALID"
        )


def remove_orphan_lookup() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LOOKUP} WHERE field = 'orphan'")
        if connection.vendor == "postgresql":
            cursor.execute(
                f'ALTER TABLE {LOOKUP} VALIDATE CONSTRAINT "{customer_key_of_lookups()}"'
            )


def test_rows_that_break_a_foreign_key_are_refused_and_nothing_changes(
    stored: Customer, sales_user: User, tmp_path: Path
) -> None:
    before_schema = schema()
    add_orphan_lookup()
    try:
        path = backup_to(tmp_path / "b")
    finally:
        remove_orphan_lookup()
    assert schema() == before_schema
    assert reading.open_backup(path).header["rows"][LOOKUP] == stored.lookups.count() + 1
    change_database(sales_user, stored)
    before = raw_tables()

    with pytest.raises(CommandError, match="foreign key"):
        restore(path)

    assert raw_tables() == before
    assert schema() == before_schema


def test_a_restore_reports_its_progress_in_rows(stored: Customer, tmp_path: Path) -> None:
    from dossier.backup.archive import restore_backup

    path = backup_to(tmp_path / "b")
    total = sum(reading.open_backup(path).header["rows"].values())
    phases: list[tuple[str, int]] = []
    advanced: list[int] = []
    restore_backup(
        path=path,
        force=True,
        on_start=lambda phase, n: phases.append((phase, n)),
        on_rows=advanced.append,
    )
    assert phases == [("Verifying", total), ("Restoring", total)]
    assert sum(advanced) == 2 * total
