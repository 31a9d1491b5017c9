"""Set-based key rotation: mixed batches, values no key opens, crashes, concurrent edits, audit."""

from __future__ import annotations

import base64
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dossier.audit.models import AuditEvent
from dossier.customers.models import Customer
from dossier.customers.services import create_customer, update_customer
from dossier.privacy.key_rotation import OBJECT_TYPE
from dossier.privacy.tests.test_rotation import (
    ENCRYPTED,
    KEY_A,
    KEY_B,
    KEY_C,
    _key_a,  # noqa: F401 -- the autouse fixture: every test starts on key A
    id_number,
    key_ids,
    make_customers,
    raw_rows,
    read_back,
    use_keys,
)
from dossier.protection import rotation, rotation_batches
from dossier.protection.crypto import Keyring, encrypt, key_id_of
from dossier.templates.models import Template

RING_A = Keyring(keys={"A": base64.b64decode(KEY_A)}, current="A", index_key=b"i" * 32)
RING_B = Keyring(keys={"B": base64.b64decode(KEY_B)}, current="B", index_key=b"i" * 32)
LOST = Keyring(keys={"Z": base64.b64decode(KEY_C)}, current="Z", index_key=b"i" * 32)
CONTEXTS = {"phone": "customer.phone", "email": "customer.email", "address": "customer.address"}


@pytest.fixture
def customers(sales_user: User, member_template: Template) -> dict[Any, dict[str, Any]]:
    """Six customers created under key A, the third without an e-mail; plaintext by id."""
    return make_customers(
        actor=sales_user, template=member_template, count=6, without_email=frozenset({3})
    )


def set_raw(pk: Any, column: str, value: str) -> None:
    """Store ``value`` as the column's text, as it is, bypassing the model."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE customers_customer SET {column} = %s WHERE id = %s",
            [value, Customer._meta.pk.get_db_prep_value(pk, connection)],  # type: ignore[union-attr]
        )


def reseal_raw(pk: Any, column: str, ring: Keyring, text: str) -> str:
    sealed = encrypt(text, ring, context=CONTEXTS[column])
    set_raw(pk, column, sealed)
    return sealed


def rotation_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=OBJECT_TYPE).order_by("id"))


def test_a_batch_of_mixed_key_ids_ends_on_the_current_key(
    customers: dict[Any, dict[str, Any]], settings: Any
) -> None:
    ids = sorted(customers)
    # row 1 wholly on B, row 2 half on B, row 4's phone already on C (the new key)
    for column in ("phone", "email", "address"):
        reseal_raw(ids[0], column, RING_B, customers[ids[0]][column])
    reseal_raw(ids[1], "address", RING_B, customers[ids[1]]["address"])
    ring_c = Keyring(keys={"C": base64.b64decode(KEY_C)}, current="C", index_key=b"i" * 32)
    on_c = reseal_raw(ids[3], "phone", ring_c, customers[ids[3]]["phone"])
    use_keys(settings, f"C:{KEY_C},A:{KEY_A},B:{KEY_B}")
    before = raw_rows()
    assert key_ids(before) == {"A", "B", "C"}
    stale = sum(
        1 for row in before.values() for c in ENCRYPTED if row[c] and key_id_of(row[c]) != "C"
    )
    assert rotation.pending_count() == stale == 6 * 4 - 1 - 1  # one e-mail empty, one on C

    result = rotation.rotate_keys(batch_size=4)

    after = raw_rows()
    assert key_ids(after) == {"C"}
    assert result.pending == result.rotated == stale
    assert result.rows == 6 and result.conflicts == 0 and not result.unreadable
    assert after[ids[3]]["phone"] == on_c  # a value already on the current key is not touched
    assert after[ids[2]]["email"] == ""  # an empty value stays empty
    for pk, row in after.items():
        assert row["version"] == before[pk]["version"]
    assert read_back() == customers
    assert rotation.pending_count() == 0


def test_values_no_key_opens_are_reported_and_left_byte_for_byte(
    customers: dict[Any, dict[str, Any]], settings: Any
) -> None:
    ids = sorted(customers)
    lost = reseal_raw(ids[0], "phone", LOST, "13800138001")  # a key no longer in the ring
    set_raw(ids[1], "email", "hello@example.com")  # not an envelope at all
    good = raw_rows()[ids[2]]["address"]
    tampered = good[:-4] + ("AAAA" if good[-4:] != "AAAA" else "BBBB")  # known key, altered
    set_raw(ids[2], "address", tampered)
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")

    result = rotation.rotate_keys(batch_size=2)

    after = raw_rows()
    assert after[ids[0]]["phone"] == lost
    assert after[ids[1]]["email"] == "hello@example.com"
    assert after[ids[2]]["address"] == tampered
    assert dict(result.unreadable) == {"Z": 1, rotation.NOT_AN_ENVELOPE: 1, "A": 1}
    # the other values of those rows, and every other row, were rotated
    assert key_id_of(after[ids[0]]["email"]) == key_id_of(after[ids[2]]["phone"]) == "B"
    assert result.rotated == 6 * 4 - 1 - 3
    # run again: nothing destroyed, the same three reported, nothing else written
    again = rotation.rotate_keys(batch_size=2)
    assert dict(again.unreadable) == dict(result.unreadable)
    assert again.rotated == 0 and raw_rows() == after


def test_a_crash_inside_a_batch_loses_nothing_and_a_new_run_finishes(
    customers: dict[Any, dict[str, Any]], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    before = raw_rows()
    writer = "_write_joined" if connection.vendor == "postgresql" else "_write_each"
    original = getattr(rotation_batches, writer)
    calls: list[int] = []

    def crash_after_writing(*args: Any) -> Any:
        written = original(*args)  # the rows are updated, but the batch never commits
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("the database went away mid-batch")
        return written

    monkeypatch.setattr(rotation_batches, writer, crash_after_writing)
    with pytest.raises(ConnectionError):
        rotation.rotate_keys(batch_size=2)
    half = raw_rows()
    first_two, rest = sorted(half)[:2], sorted(half)[2:]
    assert key_ids({pk: half[pk] for pk in first_two}) == {"B"}  # the first batch committed
    assert {pk: half[pk] for pk in rest} == {pk: before[pk] for pk in rest}  # the second not
    assert read_back() == customers  # and every value still reads

    monkeypatch.setattr(rotation_batches, writer, original)
    result = rotation.rotate_keys(batch_size=2)

    assert result.rotated == result.pending == 4 * 4 - 1  # only what was left (one e-mail empty)
    after = raw_rows()
    assert key_ids(after) == {"B"}
    assert {pk: after[pk] for pk in first_two} == {pk: half[pk] for pk in first_two}
    assert read_back() == customers
    interrupted, finished = rotation_events()
    assert interrupted.changes["finished"] is False and interrupted.changes["rotated"] == 8
    assert finished.changes["finished"] is True and finished.changes["rotated"] == 15


def test_an_edit_to_a_value_rotation_leaves_alone_is_not_overwritten(
    customers: dict[Any, dict[str, Any]],
    settings: Any,
    sales_user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # customer 3 had no e-mail when rotation read the batch: writing the row back as read
    # would blank the e-mail a user adds meanwhile
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    third = sorted(customers)[2]
    original = rotation.write_batch
    edited: list[int] = []

    def edit_then_write(table: Any, batch: Any, using: str) -> Any:
        if not edited:
            update_customer(
                actor=sales_user,
                customer_id=third,
                values={"email": "new@example.com"},
                expected_version=1,
            )
            edited.append(1)
        return original(table, batch, using)

    monkeypatch.setattr(rotation, "write_batch", edit_then_write)
    result = rotation.rotate_keys(batch_size=6)

    customer = Customer.objects.get(pk=third)
    assert customer.email == "new@example.com" and customer.version == 2
    assert result.conflicts == 1 and result.passes == 2
    assert key_ids(raw_rows()) == {"B"}
    others = {pk: v for pk, v in read_back().items() if pk != third}
    assert others == {pk: v for pk, v in customers.items() if pk != third}


def test_an_edit_in_the_middle_of_a_batch_keeps_the_rest_of_the_batch(
    customers: dict[Any, dict[str, Any]], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    middle = sorted(customers)[3]
    original = rotation.write_batch
    rows_written: list[int] = []

    def edit_then_write(table: Any, batch: Any, using: str) -> Any:
        if not rows_written:
            # a process not yet restarted with the new keyring saves with the old key
            reseal_raw(middle, "address", RING_A, "长安街1号")
        outcome = original(table, batch, using)
        rows_written.append(outcome.rows)
        return outcome

    monkeypatch.setattr(rotation, "write_batch", edit_then_write)
    result = rotation.rotate_keys(batch_size=6)

    assert rows_written == [5, 1]  # the other five in the first pass, the edited one after
    assert Customer.objects.get(pk=middle).address == "长安街1号"
    assert result.rows == 6 and result.conflicts == 1
    assert key_ids(raw_rows()) == {"B"}


def test_each_run_is_audited_once_with_its_counts_and_no_value(
    customers: dict[Any, dict[str, Any]], settings: Any
) -> None:
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    rotation.rotate_keys(batch_size=2)
    rotation.rotate_keys(batch_size=2)

    first, second = rotation_events()
    assert first.actor_name == "system:keys-rotate" and first.actor is None
    assert first.action == AuditEvent.Action.UPDATE and first.object_id == "B"
    assert first.changes["rotated"] == 6 * 4 - 1 and first.changes["rows"] == 6
    assert first.changes["finished"] is True and first.changes["unreadable"] == {}
    assert second.changes["rotated"] == second.changes["pending"] == 0
    text = str(first.changes) + first.reason
    for values in customers.values():
        assert str(values["phone"]) not in text and str(values["address"]) not in text


@pytest.mark.django_db(transaction=True)
def test_batches_really_commit_one_by_one_outside_any_transaction(
    transactional_db: Any,
    sales_user: User,
    member_template: Template,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the path a real run takes: each batch its own transaction (on PostgreSQL committed
    # without waiting for the disk, by two connections at once), one committed for good
    for n in range(1, 5):
        create_customer(
            actor=sales_user,
            template=member_template,
            values={
                "display_name": f"客户{n}",
                "phone": f"1380013800{n}",
                "id_number": id_number(n),
            },
        )
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    original = rotation.write_batch
    calls: list[int] = []

    threads: set[str] = set()

    def crash_on_second(table: Any, batch: Any, using: str) -> Any:
        threads.add(threading.current_thread().name)
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("the database went away")
        return original(table, batch, using)

    monkeypatch.setattr(rotation, "write_batch", crash_on_second)
    with pytest.raises(ConnectionError):
        rotation.rotate_keys(batch_size=2)
    if connection.vendor == "postgresql":  # written by the writer threads, not this one
        assert threads and all(name.startswith("dossier-rotate-") for name in threads)
    half = raw_rows()
    # one batch committed whole, the other not at all (on PostgreSQL two connections write
    # batches at once, so which one is the second to be written varies)
    assert [key_id_of(half[pk]["phone"]) for pk in sorted(half)] in (
        ["B", "B", "A", "A"],
        ["A", "A", "B", "B"],
    )

    monkeypatch.setattr(rotation, "write_batch", original)
    result = rotation.rotate_keys(batch_size=2)

    assert result.rotated == 2 * 2 and key_ids(raw_rows()) == {"B"}
    assert {c.phone for c in Customer.objects.all()} == {f"+861380013800{n}" for n in range(1, 5)}


def test_a_table_with_integer_ids_rotates_too(sales_user: User, settings: Any) -> None:
    from dossier.webhooks.models import Subscription

    made = [
        Subscription.objects.create(
            owner=sales_user, name=f"hook {n}", url="https://example.com/h", secret=f"s3cret-{n}"
        )
        for n in range(3)
    ]
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")

    result = rotation.rotate_keys(batch_size=2)

    assert result.rotated == result.rows == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_subscription")
        assert {key_id_of(secret) for (secret,) in cursor.fetchall()} == {"B"}
    assert [Subscription.objects.get(pk=s.pk).secret for s in made] == [
        f"s3cret-{n}" for n in range(3)
    ]


def test_rotate_command_refuses_fewer_than_one_writer(customers: dict[Any, dict[str, Any]]) -> None:
    with pytest.raises(CommandError, match="--writers must be at least 1"):
        call_command("keys", "rotate", "--writers", "0")
    assert key_ids(raw_rows()) == {"A"}  # nothing was touched
