"""The points ledger: earning on orders, refunds taken back, FIFO expiry, redeeming, adjusting."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dossier.audit.append_only import AppendOnlyError
from dossier.audit.models import AuditEvent
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.loyalty import ledger
from dossier.loyalty.errors import NotEnoughPoints
from dossier.loyalty.models import PointsEntry, Programme
from dossier.loyalty.services import (
    adjust_points,
    earn_for_orders,
    expire_points,
    redeem_points,
    take_back_refunds,
)
from dossier.orders.services import change_status, refund_order
from dossier.privacy.erasure import erase_customer

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def _balance(customer):
    return ledger.balance(customer.pk, timezone.now())


# ---- earning -------------------------------------------------------------------------------


def test_a_purchase_earns_points_rounded_down_valid_for_the_programme_months(
    programme, customer, buy
):
    order = buy(customer, "123.99", days_ago=10)
    assert earn_for_orders(order_ids=[order.pk]) == 123
    entry = PointsEntry.objects.get(order=order)
    assert (entry.kind, entry.points, entry.amount) == ("earn", 123, Decimal("123.99"))
    assert entry.expires_at == order.placed_at.replace(year=order.placed_at.year + 1)


def test_an_order_earns_once_however_often_the_job_runs(programme, customer, buy):
    order = buy(customer, "100.00")
    assert earn_for_orders() == 100
    assert earn_for_orders() == 0
    assert earn_for_orders(order_ids=[order.pk]) == 0
    assert PointsEntry.objects.filter(order=order, kind="earn").count() == 1
    assert _balance(customer) == 100


def test_a_pending_order_earns_when_it_is_paid(programme, customer, buy, admin_user):
    order = buy(customer, "80.00", status="pending")
    assert earn_for_orders() == 0
    change_status(actor=admin_user, order_id=order.pk, status="paid")
    assert earn_for_orders(since=timezone.now() - DAY) == 80


def test_nothing_is_earned_while_the_programme_is_off_or_before_it_started(
    programme, customer, buy
):
    old = buy(customer, "50.00", days_ago=40)
    Programme.objects.filter(pk=1).update(active=False)
    assert earn_for_orders() == 0
    Programme.objects.filter(pk=1).update(active=True, earn_from=timezone.now() - 30 * DAY)
    new = buy(customer, "20.00", days_ago=2)
    assert earn_for_orders() == 20
    assert not PointsEntry.objects.filter(order=old).exists()
    assert PointsEntry.objects.filter(order=new).exists()


def test_an_erased_customer_earns_nothing_and_old_entries_do_not_block_earning(
    programme, customer, buy, lot, admin_user, make_customer, owner
):
    lot(customer, "earn", 5, at=timezone.now() - DAY, expires_at=timezone.now() + DAY)
    order = buy(customer, "30.00")
    erased = make_customer(owner)
    buy(erased, "70.00")
    erase_customer(actor=admin_user, customer_id=erased.pk)
    assert earn_for_orders() == 30
    assert PointsEntry.objects.get(kind="earn", order__isnull=False).order_id == order.pk


def test_the_rate_is_applied_per_order(programme, customer, buy):
    Programme.objects.filter(pk=1).update(points_per_unit=Decimal("0.5"))
    buy(customer, "99.00")
    buy(customer, "99.00")
    assert earn_for_orders() == 98  # 49 + 49, not 99


# ---- refunds -------------------------------------------------------------------------------


def test_refunded_amounts_take_back_their_points_once(programme, customer, buy, admin_user):
    order = buy(customer, "200.00")
    earn_for_orders()
    refund_order(actor=admin_user, order_id=order.pk, amount="50.00", reason="damaged")
    assert take_back_refunds() == 50
    assert take_back_refunds() == 0
    assert take_back_refunds(order_ids=[order.pk]) == 0
    refund_order(actor=admin_user, order_id=order.pk, amount="150.00", reason="damaged")
    assert take_back_refunds(since=timezone.now() - DAY) == 150
    taken = PointsEntry.objects.filter(order=order, kind="adjust", reason="refund")
    assert sorted(e.points for e in taken) == [-150, -50]
    assert _balance(customer) == 0


def test_an_order_refunded_before_it_earned_earns_on_what_is_left(
    programme, customer, buy, admin_user
):
    order = buy(customer, "300.00")
    refund_order(actor=admin_user, order_id=order.pk, amount="100.00", reason="late")
    assert earn_for_orders() == 200
    assert take_back_refunds() == 0


def test_a_take_back_of_spent_points_leaves_a_debt_that_blocks_redeeming(
    programme, customer, buy, admin_user, owner
):
    order = buy(customer, "100.00")
    earn_for_orders()
    redeem_points(actor=owner, customer_id=customer.pk, points=100)
    refund_order(actor=admin_user, order_id=order.pk, amount="100.00", reason="damaged")
    assert take_back_refunds() == 100
    assert _balance(customer) == -100
    with pytest.raises(NotEnoughPoints):
        redeem_points(actor=owner, customer_id=customer.pk, points=1)


# ---- expiry (first in, first out) ----------------------------------------------------------


def test_lapsed_points_expire_less_what_was_redeemed_from_them(customer, lot):
    now = timezone.now()
    lot(customer, "earn", 100, at=now - 400 * DAY, expires_at=now - 35 * DAY)
    lot(customer, "redeem", -30, at=now - 100 * DAY)  # spent from the oldest lot
    lot(customer, "earn", 50, at=now - 20 * DAY, expires_at=now + 345 * DAY)
    assert expire_points(now=now) == 70
    assert expire_points(now=now) == 0
    expired = PointsEntry.objects.get(customer_id=customer.pk, kind="expire")
    assert expired.points == -70
    assert _balance(customer) == 50


def test_redemptions_beyond_the_oldest_lot_use_the_next_and_nothing_expires(customer, lot):
    now = timezone.now()
    lot(customer, "earn", 100, at=now - 400 * DAY, expires_at=now - 35 * DAY)
    lot(customer, "earn", 50, at=now - 380 * DAY, expires_at=now + 10 * DAY)
    lot(customer, "redeem", -120, at=now - 100 * DAY)
    assert expire_points(now=now) == 0
    assert _balance(customer) == 30
    # ten days on, the rest of the second lot lapses
    assert expire_points(now=now + 11 * DAY) == 30


def test_points_added_by_hand_never_lapse(customer, lot):
    now = timezone.now()
    lot(customer, "earn", 40, at=now - 400 * DAY, expires_at=now - DAY)
    lot(customer, "adjust", 25, at=now - 300 * DAY)
    assert expire_points(now=now) == 40
    assert _balance(customer) == 25


def test_lapsed_points_cannot_be_redeemed_even_before_the_nightly_job(customer, lot, owner):
    now = timezone.now()
    lot(customer, "earn", 100, at=now - 400 * DAY, expires_at=now - DAY)
    lot(customer, "earn", 50, at=now - 10 * DAY, expires_at=now + 355 * DAY)
    with pytest.raises(NotEnoughPoints) as refused:
        redeem_points(actor=owner, customer_id=customer.pk, points=60)
    assert refused.value.extra["balance"] == 50
    redeem_points(actor=owner, customer_id=customer.pk, points=50)
    kinds = sorted(
        PointsEntry.objects.filter(customer_id=customer.pk).values_list("kind", "points")
    )
    assert ("expire", -100) in kinds and ("redeem", -50) in kinds
    assert _balance(customer) == 0


def test_points_expiring_soon_are_counted_for_the_warning(customer, lot):
    now = timezone.now()
    lot(customer, "earn", 100, at=now - 350 * DAY, expires_at=now + 15 * DAY)
    lot(customer, "earn", 60, at=now - 10 * DAY, expires_at=now + 355 * DAY)
    lot(customer, "redeem", -30, at=now - 5 * DAY)
    assert ledger.expiring_by(customer.pk, now, now + 30 * DAY) == 70


# ---- redeeming and adjusting ---------------------------------------------------------------


def test_redeeming_more_than_the_balance_is_refused_naming_customer_points_and_balance(
    customer, lot, owner
):
    lot(customer, "adjust", 80, at=timezone.now() - DAY)
    with pytest.raises(NotEnoughPoints) as refused:
        redeem_points(actor=owner, customer_id=customer.pk, points=81)
    error = refused.value
    assert error.status == 409 and error.code == "not_enough_points"
    assert error.extra == {"customer_id": str(customer.pk), "points": 81, "balance": 80}
    assert str(customer.pk) in error.message and "81" in error.message and "80" in error.message
    assert not PointsEntry.objects.filter(kind="redeem").exists()


def test_redeeming_writes_an_entry_and_an_audit_event(customer, lot, owner, buy):
    lot(customer, "adjust", 80, at=timezone.now() - DAY)
    order = buy(customer, "10.00")
    entry = redeem_points(
        actor=owner, customer_id=customer.pk, points=30, reason="discount", order_id=order.pk
    )
    assert (entry.kind, entry.points, entry.order_id, entry.created_by) == (
        "redeem",
        -30,
        order.pk,
        owner,
    )
    event = AuditEvent.objects.get(action="points_redeem")
    assert event.customer_id == customer.pk
    assert event.changes["balance"] == 50


@pytest.mark.parametrize("points", [0, -5, "10", 1.5, True, None, 10**12])
def test_bad_point_counts_are_refused(customer, owner, points):
    with pytest.raises(ValidationFailed) as refused:
        redeem_points(actor=owner, customer_id=customer.pk, points=points)
    assert refused.value.errors[0].field == "points"


def test_an_order_of_another_customer_cannot_be_named(customer, lot, owner, buy, make_customer):
    lot(customer, "adjust", 80, at=timezone.now() - DAY)
    other = buy(make_customer(owner), "10.00")
    with pytest.raises(ValidationFailed):
        redeem_points(actor=owner, customer_id=customer.pk, points=5, order_id=other.pk)


def test_another_teams_user_can_neither_redeem_nor_adjust(customer, lot, outsider):
    lot(customer, "adjust", 80, at=timezone.now() - DAY)
    with pytest.raises(NotFound):
        redeem_points(actor=outsider, customer_id=customer.pk, points=5)
    assert _balance(customer) == 80


def test_managers_adjust_points_and_sales_may_not(customer, manager, owner):
    with pytest.raises(PermissionDenied):
        adjust_points(actor=owner, customer_id=customer.pk, points=10, reason="goodwill")
    entry = adjust_points(
        actor=manager,
        customer_id=customer.pk,
        points=10,
        reason="goodwill",
        note="投诉补偿 for 客户1",
    )
    assert (entry.kind, entry.points, entry.reason, entry.expires_at) == (
        "adjust",
        10,
        "goodwill",
        None,
    )
    event = AuditEvent.objects.get(action="points_adjust")
    assert event.reason.startswith("投诉补偿")
    with pytest.raises(NotEnoughPoints):
        adjust_points(actor=manager, customer_id=customer.pk, points=-11, reason="correction")
    adjust_points(actor=manager, customer_id=customer.pk, points=-10, reason="correction")
    assert _balance(customer) == 0


def test_an_adjustment_needs_one_of_the_reasons(customer, manager):
    for reason in ("", "because", "order", "expired"):
        with pytest.raises(ValidationFailed) as refused:
            adjust_points(actor=manager, customer_id=customer.pk, points=10, reason=reason)
        assert refused.value.errors[0].field == "reason"


# ---- append-only ---------------------------------------------------------------------------


def test_the_ledger_refuses_changes_and_deletes_but_lets_an_entry_change_owner(
    customer, lot, make_customer, owner
):
    entry = lot(customer, "adjust", 10, at=timezone.now())
    entry.points = 1000
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1000)
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.filter(pk=entry.pk).update(customer_id=customer.pk, points=1)
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.filter(pk=entry.pk).delete()
    other = make_customer(owner)
    assert PointsEntry.objects.filter(pk=entry.pk).update(customer_id=other.pk) == 1
