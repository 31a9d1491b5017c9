"""What only PostgreSQL can show: the ledger's trigger, and two redemptions at one instant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from dossier.backup.archive.restoring import restore_backup
from dossier.backup.archive.writing import write_backup
from dossier.core.errors import ApplicationError
from dossier.loyalty import ledger
from dossier.loyalty.models import Coupon, PointsEntry
from dossier.loyalty.services import issue_coupons, redeem_coupon, redeem_points
from dossier.loyalty.tests.test_coupons import campaign_for_now

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


@pytest.mark.django_db
def test_the_database_refuses_changing_or_deleting_an_entry_but_not_moving_it(
    customer, lot, make_customer, owner
):
    entry = lot(customer, "adjust", 10, at=timezone.now())
    table = PointsEntry._meta.db_table
    for sql in (
        f"UPDATE {table} SET points = 1000 WHERE id = %s",
        f"UPDATE {table} SET reason = 'gift' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    other = make_customer(owner)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET customer_id = %s WHERE id = %s", [other.pk, entry.pk])
    assert PointsEntry.objects.get(pk=entry.pk).customer_id == other.pk


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_the_ledger_past_its_trigger(customer, lot, tmp_path):
    entry = lot(customer, "adjust", 10, at=timezone.now())
    write_backup(path=tmp_path / "all.backup")
    lot(customer, "adjust", 5, at=timezone.now())
    restore_backup(path=tmp_path / "all.backup", force=True)
    assert list(PointsEntry.objects.values_list("pk", flat=True)) == [entry.pk]
    # the trigger is back on
    with (
        connection.cursor() as cursor,
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
    ):
        cursor.execute(f"DELETE FROM {PointsEntry._meta.db_table}")


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads (each with its own connection), started together."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except ApplicationError as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_redemptions_at_once_cannot_overdraw(customer, lot, owner):
    lot(customer, "adjust", 100, at=timezone.now())
    results = _at_once(
        [lambda: redeem_points(actor=owner, customer_id=customer.pk, points=60) for _ in range(2)]
    )
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "not_enough_points"
    assert ledger.balance(customer.pk, timezone.now()) == 40


@pytest.mark.django_db(transaction=True)
def test_a_coupon_redeemed_at_two_tills_at_once_is_used_once(customer, owner, admin_user):
    made = campaign_for_now(admin_user)
    issue_coupons(actor=admin_user, campaign_id=made.pk, customer_ids=[customer.pk])
    code = Coupon.objects.get(customer_id=customer.pk).code
    results = _at_once(
        [lambda: redeem_coupon(actor=owner, customer_id=customer.pk, code=code) for _ in range(2)]
    )
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "coupon_used"
