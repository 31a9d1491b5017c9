"""Personal values never sit in plaintext in the database; the audit log is append-only."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction

from dossier.audit.append_only import AppendOnlyError
from dossier.audit.models import AuditEvent
from dossier.audit.services import record_audit
from dossier.customers.models import Customer
from dossier.customers.services import create_customer, update_customer
from dossier.protection.crypto import derive_key, new_key
from dossier.protection.keys import reload_keyring
from dossier.templates.models import Template

PHONE = "13800138000"
NEW_PHONE = "13912345678"
EMAIL = "zhang.san@example.com"
ADDRESS = "朝阳区建国路88号"
ID_NUMBER = "11010519491231002X"
# fragments long enough not to occur by chance in timestamps or UUIDs
SECRETS = [PHONE, NEW_PHONE, "0013800", "1234567", EMAIL, "zhang.san", ADDRESS, "建国路", ID_NUMBER]


def _table_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        rows = cursor.fetchall()
    return "\n".join(repr(row) for row in rows)


@pytest.fixture
def stored_customer(sales_user: User, member_template: Template) -> Customer:
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
        actor=sales_user,
        customer_id=customer.pk,
        values={"phone": NEW_PHONE, "address": ADDRESS + "2单元", "points": 10},
        expected_version=1,
    )


def test_customer_table_holds_no_plaintext_personal_values(stored_customer: Customer) -> None:
    text = _table_text(Customer._meta.db_table)
    assert "张三" in text  # the read works and shows the general columns
    assert "M000001" in text
    for secret in SECRETS:
        assert secret not in text, secret
    assert "v1." in text  # the envelopes are there


def test_encrypted_values_read_back_whole(stored_customer: Customer) -> None:
    customer = Customer.objects.get(pk=stored_customer.pk)
    assert customer.phone == "+8613912345678"
    assert customer.email == EMAIL
    assert customer.address == ADDRESS + "2单元"
    assert customer.protected == {"id_number": ID_NUMBER}


def test_lookup_table_holds_digests_only(stored_customer: Customer) -> None:
    text = _table_text("customers_customerlookup")
    for secret in SECRETS:
        assert secret not in text, secret
    fields = set(stored_customer.lookups.values_list("field", flat=True))
    assert fields == {"phone", "phone:last4", "email", "id_number", "member_no"}


def test_audit_log_holds_no_plaintext_personal_values(stored_customer: Customer) -> None:
    events = AuditEvent.objects.filter(customer_id=stored_customer.pk).order_by("id")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes["phone"] == {"changed": True}
    assert events[1].changes["points"] == {"before": None, "after": 10}
    text = _table_text(AuditEvent._meta.db_table)
    for secret in SECRETS:
        assert secret not in text, secret


def test_rotated_key_still_reads_old_rows_and_writes_with_new_key(
    stored_customer: Customer, settings: Any
) -> None:
    # the new key first; the old (development) key stays as the second, to read old rows
    old = base64.b64encode(derive_key(settings.SECRET_KEY, "data")).decode()
    settings.DOSSIER_KEYS = f"k2:{new_key()},dev:{old}"
    try:
        reload_keyring()
        customer = Customer.objects.get(pk=stored_customer.pk)
        assert customer.phone == "+8613912345678"
        customer.email = "li@example.com"
        customer.save(update_fields=["email"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT email, phone FROM customers_customer WHERE id = %s",
                [Customer._meta.pk.get_db_prep_value(customer.pk, connection)],
            )
            email, phone = cursor.fetchone()
        assert email.startswith("v1.k2.")
        assert phone.startswith("v1.dev.")
        assert Customer.objects.get(pk=customer.pk).email == "li@example.com"
    finally:
        settings.DOSSIER_KEYS = ""
        reload_keyring()


# ---- the audit log is append-only ------------------------------------------------------------


@pytest.fixture
def event(db: Any) -> AuditEvent:
    return record_audit(actor=None, action="login_failed", object_type="user", object_id="x")


def test_saving_an_existing_audit_event_is_refused(event: AuditEvent) -> None:
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_deleting_an_audit_event_is_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_database_refuses_raw_update_and_delete_on_postgresql(event: AuditEvent) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    if connection.vendor == "postgresql":
        for statement in (
            f"UPDATE {table} SET reason = 'rewritten' WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement, [event.pk])
        assert AuditEvent.objects.get(pk=event.pk).reason == ""
    else:
        # SQLite has no trigger: the model is the guard, and it holds for every path the
        # application uses
        event.reason = "rewritten"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.get(pk=event.pk).delete()
    # bulk writes through the ORM are refused on every database
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""
