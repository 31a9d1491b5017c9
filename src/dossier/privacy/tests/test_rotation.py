"""Key rotation re-seals every encrypted value with the current key, safely and resumably."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dossier.customers.models import Customer
from dossier.customers.services import create_customer, update_customer
from dossier.protection import rotation
from dossier.protection.crypto import Keyring, encrypt, key_id_of, new_key
from dossier.protection.keys import reload_keyring
from dossier.templates.models import Template

KEY_A, KEY_B, KEY_C = new_key(), new_key(), new_key()
ENCRYPTED = ("phone", "email", "address", "protected")


def id_number(serial: int) -> str:
    """A valid 18-digit 身份证 (born 1949-12-31) with the given 3-digit serial."""
    body = f"11010519491231{serial:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def use_keys(settings: Any, text: str) -> None:
    settings.DOSSIER_KEYS = text
    reload_keyring()


@pytest.fixture(autouse=True)
def _key_a(settings: Any) -> Iterator[None]:
    use_keys(settings, f"A:{KEY_A}")
    yield
    settings.DOSSIER_KEYS = ""
    reload_keyring()


@pytest.fixture
def customers(sales_user: User, member_template: Template) -> dict[Any, dict[str, Any]]:
    """Five customers created under key A; their plaintext by id."""
    return make_customers(actor=sales_user, template=member_template, count=5)


def make_customers(
    *, actor: User, template: Template, count: int, without_email: frozenset[int] = frozenset()
) -> dict[Any, dict[str, Any]]:
    """``count`` customers created under the current key (numbered from 1); plaintext by id."""
    made = {}
    for n in range(1, count + 1):
        customer = create_customer(
            actor=actor,
            template=template,
            values={
                "display_name": f"客户{n}",
                "phone": f"1380013800{n}",
                "email": "" if n in without_email else f"c{n}@example.com",
                "address": f"建国路{n}号",
                "id_number": id_number(n),
                "member_no": f"M00000{n}",
            },
        )
        made[customer.pk] = plain(customer)
    return made


def plain(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in (*ENCRYPTED, "version")}


def raw_rows() -> dict[Any, dict[str, Any]]:
    """Every customer's stored (encrypted) columns, version and updated_at, by id."""
    columns = (*ENCRYPTED, "version", "updated_at")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(columns)} FROM customers_customer")
        rows = cursor.fetchall()
    return {
        Customer._meta.pk.to_python(row[0]): dict(zip(columns, row[1:], strict=True))
        for row in rows
    }


def key_ids(rows: dict[Any, dict[str, Any]]) -> set[str]:
    return {key_id_of(row[c]) for row in rows.values() for c in ENCRYPTED if row[c]}


def read_back() -> dict[Any, dict[str, Any]]:
    return {c.pk: plain(c) for c in Customer.objects.all()}


def test_encrypted_columns_are_found_through_the_app_registry() -> None:
    found = {t.table: [f.column for f in t.fields] for t in rotation.encrypted_tables()}
    assert found["customers_customer"] == list(ENCRYPTED)


def test_rotation_reseals_every_value_with_the_current_key(
    customers: dict[Any, dict[str, Any]], settings: Any
) -> None:
    before = raw_rows()
    assert key_ids(before) == {"A"}
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")

    result = rotation.rotate_keys(batch_size=500)

    after = raw_rows()
    assert key_ids(after) == {"B"}
    assert result.pending == result.rotated == 5 * 4
    assert result.rows == 5
    for pk, row in after.items():
        assert row["version"] == before[pk]["version"] == 1  # not a user edit
        assert row["updated_at"] == before[pk]["updated_at"]
        for column in ENCRYPTED:
            assert row[column] != before[pk][column]
    assert read_back() == customers  # the same plaintext


def test_rotation_run_again_changes_nothing(
    customers: dict[Any, dict[str, Any]], settings: Any
) -> None:
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    rotation.rotate_keys()
    once = raw_rows()

    again = rotation.rotate_keys()

    assert again.pending == again.rotated == 0
    assert raw_rows() == once


def test_interrupted_rotation_resumes_and_finishes(
    customers: dict[Any, dict[str, Any]], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    original = rotation._rotate_batch
    calls = []

    def crash_after_first_batch(*args: Any, **kwargs: Any) -> int:
        if calls:
            raise KeyboardInterrupt  # the operator presses Ctrl-C
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(rotation, "_rotate_batch", crash_after_first_batch)
    with pytest.raises(KeyboardInterrupt):
        rotation.rotate_keys(batch_size=2)
    half = raw_rows()
    on_b = [pk for pk, row in half.items() if key_id_of(row["phone"]) == "B"]
    assert sorted(on_b) == sorted(half)[:2]  # the first batch, in primary-key order, committed
    assert key_ids(half) == {"A", "B"}

    monkeypatch.setattr(rotation, "_rotate_batch", original)
    result = rotation.rotate_keys(batch_size=2)

    assert result.rotated == 3 * 4  # only what the first run left
    after = raw_rows()
    assert key_ids(after) == {"B"}
    for pk in on_b:  # values already on the current key are untouched
        assert after[pk] == half[pk]
    assert read_back() == customers


def test_readers_get_the_plaintext_between_batches(
    customers: dict[Any, dict[str, Any]], settings: Any
) -> None:
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    seen_keys = []

    def read_between_batches(count: int) -> None:
        assert read_back() == customers
        seen_keys.append(key_ids(raw_rows()))

    rotation.rotate_keys(batch_size=2, on_batch=read_between_batches)

    assert seen_keys[0] == {"A", "B"}  # readers really saw a half-rotated table
    assert seen_keys[-1] == {"B"}
    assert len(seen_keys) == 3


def test_rotation_leaves_a_concurrent_edit_alone(
    customers: dict[Any, dict[str, Any]],
    settings: Any,
    sales_user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    first = sorted(customers)[0]
    original = rotation._rotate_batch

    def edit_before_batch(table: Any, rows: Any, *args: Any) -> int:
        if not monkeypatch_done:
            # a user saves the customer after rotation read it, before it writes
            update_customer(
                actor=sales_user,
                customer_id=first,
                values={"phone": "13912345678"},
                expected_version=1,
            )
            monkeypatch_done.append(1)
        return original(table, rows, *args)

    monkeypatch_done: list[int] = []
    monkeypatch.setattr(rotation, "_rotate_batch", edit_before_batch)
    result = rotation.rotate_keys(batch_size=500)

    edited = Customer.objects.get(pk=first)
    assert edited.phone == "+8613912345678"  # the user's edit is kept
    assert edited.version == 2
    assert result.conflicts == 1
    assert key_ids(raw_rows()) == {"B"}


def test_status_reports_values_sealed_with_a_key_missing_from_the_keyring(
    customers: dict[Any, dict[str, Any]], settings: Any
) -> None:
    lost = Keyring(keys={"C": base64.b64decode(KEY_C)}, current="C", index_key=b"i" * 32)
    pk = sorted(customers)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET email = %s WHERE id = %s",
            [
                encrypt("old@example.com", lost, context="customer.email"),
                Customer._meta.pk.get_db_prep_value(pk, connection),
            ],
        )
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")

    usage = {(u.column, u.key_id): u for u in rotation.key_usage()}
    assert usage[("email", "C")].count == 1
    assert not usage[("email", "C")].known
    assert usage[("email", "A")].count == 4
    assert usage[("phone", "A")].count == 5
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    text = out.getvalue()
    assert "customers_customer.email" in text
    assert "MISSING" in text
    assert "keys not in the keyring: C" in text

    with pytest.raises(CommandError, match=r"left as they are: C \(1\)"):
        call_command("keys", "rotate", "--batch", "2", stdout=io.StringIO())
    assert key_ids(raw_rows()) == {"B", "C"}  # everything else was rotated


def test_rotate_command_reports_its_count(
    customers: dict[Any, dict[str, Any]], settings: Any
) -> None:
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    out = io.StringIO()
    call_command("keys", "rotate", "--batch", "3", stdout=out)
    assert "Re-encrypted 20 values in 5 rows with key B" in out.getvalue()
    assert key_ids(raw_rows()) == {"B"}


def test_rotate_command_refuses_a_batch_below_one(customers: dict[Any, dict[str, Any]]) -> None:
    with pytest.raises(CommandError, match="--batch must be at least 1"):
        call_command("keys", "rotate", "--batch", "0")


def test_generate_prints_a_new_key_with_an_unused_id(db: Any) -> None:
    out = io.StringIO()
    call_command("keys", "generate", stdout=out)
    lines = dict(
        line.split(":", 1) for line in out.getvalue().splitlines() if line.startswith("Key")
    )
    key_id, key = lines["Key id"].strip(), lines["Key"].strip()
    assert len(base64.b64decode(key)) == 32
    assert key_id not in {"A"} and "." not in key_id and ":" not in key_id
    assert f"{key_id}:{key}" in out.getvalue()
