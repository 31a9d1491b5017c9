"""Writing the points ledger: earned on orders, redeemed, adjusted, expired, taken back.

A customer's points are changed under a lock on the customer's row (``select_for_update``),
so two redemptions at the same instant are counted one after the other and cannot together
spend more than the balance. Jobs (earning, expiry, take-backs) are set-based: one query finds
the orders or customers concerned, one insert writes their entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, person, system_actor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import customer_for, may
from dossier.customers.models import Customer
from dossier.customers.values import personal_strings
from dossier.loyalty import arithmetic, ledger
from dossier.loyalty.errors import NotEnoughPoints, note_text, reason_code, whole_points
from dossier.loyalty.models import STAFF_REASONS, PointsEntry, Programme, Reason
from dossier.orders.access import order_for
from dossier.orders.checks import PURCHASED
from dossier.orders.models import Order, Refund
from dossier.templates.selectors import version_info

Kind = PointsEntry.Kind
BATCH = 1000
ORDER = FieldLabel("order_id", "订单", "Order")
EARNED_ON_ORDER, REFUNDED, EXPIRED = Reason.ORDER, Reason.REFUND, Reason.EXPIRED


def programme() -> Programme:
    """The programme's settings (its one row, made with the defaults on first use)."""
    found, _created = Programme.objects.get_or_create(pk=1)
    return found


def _require(actor: MaybeActor, permission: str, message: str) -> None:
    if not may(actor, permission):
        raise PermissionDenied(message)


def _lock(customer_ids: Iterable[Any]) -> list[Any]:
    """Lock these customers' rows (in id order, so two jobs cannot deadlock)."""
    rows = Customer.objects.select_for_update().filter(pk__in=list(customer_ids)).order_by("pk")
    return list(rows.values_list("pk", flat=True))


def _write_expiry(customer_ids: Sequence[Any], now: datetime) -> int:
    """Expire what is due for these customers, whose rows the caller has locked."""
    due = ledger.expiry_due(customer_ids, now)
    PointsEntry.objects.bulk_create(
        PointsEntry(customer_id=pk, kind=Kind.EXPIRE, points=-n, reason=EXPIRED, created_at=now)
        for pk, n in due.items()
    )
    return sum(due.values())


def order_of_customer(actor: MaybeActor, customer: Customer, order_id: Any) -> Order | None:
    """The customer's order named by ``order_id`` (None when none is named)."""
    if order_id in (None, ""):
        return None
    order = order_for(actor, order_id)
    if order.customer_id != customer.pk:
        raise ValidationFailed(
            _("That order is another customer's."),
            errors=[FieldError("invalid_choice", spec=ORDER, value=str(order_id)[:40])],
        )
    return order


def redeem_points(
    *,
    actor: MaybeActor,
    customer_id: Any,
    points: Any,
    reason: Any = Reason.DISCOUNT,
    note: Any = "",
    order_id: Any = None,
) -> PointsEntry:
    """Spend some of a customer's points (oldest first); refused beyond their balance."""
    _require(actor, "loyalty.redeem_points", _("You may not redeem customers' points."))
    asked = whole_points(points)
    code, text = reason_code(reason, STAFF_REASONS["redeem"]), note_text(note)
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change", lock=True)
        order = order_of_customer(actor, customer, order_id)
        now = timezone.now()
        _write_expiry([customer.pk], now)  # lapsed points are never spent
        held = ledger.balance(customer.pk, now)
        if asked > held:
            raise NotEnoughPoints(customer_id=customer.pk, points=asked, balance=held)
        entry = PointsEntry.objects.create(
            customer=customer,
            kind=Kind.REDEEM,
            points=-asked,
            reason=code,
            order=order,
            created_at=now,
            created_by=person(actor),
        )
        _audit(actor, entry, customer, balance=held - asked, note=text)
    return entry


def adjust_points(
    *, actor: MaybeActor, customer_id: Any, points: Any, reason: Any, note: Any = ""
) -> PointsEntry:
    """Add points, or take some away, by hand, with a reason and a note (managers).

    Points added by hand never lapse; taking away more than the balance is refused.
    """
    _require(actor, "loyalty.adjust_points", _("You may not adjust customers' points."))
    change = whole_points(points, signed=True)
    code, text = reason_code(reason, STAFF_REASONS["adjust"]), note_text(note)
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change", lock=True)
        now = timezone.now()
        _write_expiry([customer.pk], now)
        held = ledger.balance(customer.pk, now)
        if change < 0 and -change > held:
            raise NotEnoughPoints(customer_id=customer.pk, points=-change, balance=held)
        entry = PointsEntry.objects.create(
            customer=customer,
            kind=Kind.ADJUST,
            points=change,
            reason=code,
            created_at=now,
            created_by=person(actor),
        )
        _audit(actor, entry, customer, balance=held + change, note=text)
    return entry


def _audit(
    actor: MaybeActor, entry: PointsEntry, customer: Customer, *, balance: int, note: str
) -> None:
    specs = version_info(customer.template_version_id).specs if note else []
    record_audit(
        actor=actor,
        action=f"points_{entry.kind}",
        object_type="points_entry",
        object_id=entry.pk,
        customer_id=entry.customer_id,
        changes={
            "points": entry.points,
            "reason": entry.reason,
            "balance": balance,
            "order": str(entry.order_id or ""),
        },
        reason=note,
        forget=personal_strings(customer, specs) if note else (),
    )


def expire_points(*, now: datetime | None = None, customer_ids: Sequence[Any] | None = None) -> int:
    """Write the expiry of every lapsed point not yet spent (the nightly job); points expired."""
    now = now or timezone.now()
    candidates = list(ledger.expiry_due(customer_ids, now))
    expired = 0
    for start in range(0, len(candidates), BATCH):
        with transaction.atomic():
            # found without a lock: count again under it, as a redemption may have come first
            expired += _write_expiry(_lock(candidates[start : start + BATCH]), now)
    if expired:
        record_audit(
            actor=system_actor("loyalty-expiry"),
            action="points_expire",
            object_type="points_entry",
            changes={"customers": len(candidates), "points": expired},
        )
    return expired


def earn_for_orders(
    *, order_ids: Sequence[Any] | None = None, since: datetime | None = None
) -> int:
    """Credit the points of purchases that have not earned yet; the points written.

    Idempotent: an order earns once (a unique constraint says so even to two jobs at once).
    Earned on what is still paid (total less refunds), valid ``validity_months`` from the
    purchase. ``since``: only orders changed since then (the job's window).
    """
    settings = programme()
    if not settings.active or settings.points_per_unit <= 0:
        return 0
    # customers in the trash earn once restored; erased ones no more
    orders = Order.objects.filter(
        status__in=PURCHASED, customer__deleted_at__isnull=True, customer__erased_at__isnull=True
    )
    # (a NULL in a NOT IN list would hide every order)
    earned = PointsEntry.objects.filter(kind=Kind.EARN, order__isnull=False).values("order_id")
    orders = orders.exclude(pk__in=earned)
    if settings.earn_from is not None:
        orders = orders.filter(placed_at__gte=settings.earn_from)
    if order_ids is not None:
        orders = orders.filter(pk__in=list(order_ids))
    if since is not None:
        orders = orders.filter(updated_at__gte=since)
    now, written, orders_earning = timezone.now(), 0, 0
    rows = orders.order_by().values_list("pk", "customer_id", "total", "refunded", "placed_at")
    batch: list[PointsEntry] = []
    for pk, customer_id, total, refunded, placed_at in rows.iterator(chunk_size=BATCH):
        paid = total - refunded
        points = arithmetic.points_for(paid, settings.points_per_unit)
        if points > 0:
            batch.append(
                PointsEntry(
                    customer_id=customer_id,
                    kind=Kind.EARN,
                    points=points,
                    reason=EARNED_ON_ORDER,
                    order_id=pk,
                    amount=paid,
                    expires_at=arithmetic.add_months(placed_at, settings.validity_months),
                    created_at=now,
                )
            )
        if len(batch) >= BATCH:
            written, orders_earning = _earn(batch, now, written, orders_earning)
            batch = []
    written, orders_earning = _earn(batch, now, written, orders_earning)
    if written:
        record_audit(
            actor=system_actor("loyalty-earn"),
            action="points_earn",
            object_type="points_entry",
            changes={"orders": orders_earning, "points": written},
        )
    return written


def _earn(batch: list[PointsEntry], now: datetime, written: int, orders: int) -> tuple[int, int]:
    """Insert earned entries (an order that earned meanwhile is skipped); running totals."""
    if not batch:
        return written, orders
    with transaction.atomic():
        PointsEntry.objects.bulk_create(batch, ignore_conflicts=True)
        found = PointsEntry.objects.filter(
            kind=Kind.EARN, created_at=now, order_id__in=[e.order_id for e in batch]
        ).aggregate(n=Sum("points"), orders=Count("id"))
    return written + int(found["n"] or 0), orders + int(found["orders"])


def take_back_refunds(
    *, order_ids: Sequence[Any] | None = None, since: datetime | None = None
) -> int:
    """Take back the points of amounts refunded after the order earned; the points taken.

    Idempotent: what was already taken back for an order is counted first, under a lock on
    its customer. A take-back may leave a balance below zero (the points were spent):
    the customer then redeems nothing until they earn again.
    """
    earned = PointsEntry.objects.filter(kind=Kind.EARN, order__refunded__gt=0)
    if order_ids is not None:
        earned = earned.filter(order_id__in=list(order_ids))
    if since is not None:
        recent = Refund.objects.filter(created_at__gte=since).values("order_id")
        earned = earned.filter(order_id__in=recent)
    rows = list(
        earned.order_by().values_list(
            "order_id", "customer_id", "points", "amount", "order__total", "order__refunded"
        )
    )
    now, entries = timezone.now(), []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        with transaction.atomic():
            _lock({row[1] for row in batch})
            taken = dict(
                PointsEntry.objects.filter(
                    kind=Kind.ADJUST, reason=REFUNDED, order_id__in=[row[0] for row in batch]
                )
                .order_by()
                .values("order_id")
                .annotate(n=Sum("points"))
                .values_list("order_id", "n")
            )
            made = [
                entry
                for row in batch
                if (entry := _take_back(row, -taken.get(row[0], 0), now)) is not None
            ]
            PointsEntry.objects.bulk_create(made)
            entries += made
    total = -sum(e.points for e in entries)
    if total:
        record_audit(
            actor=system_actor("loyalty-refunds"),
            action="points_take_back",
            object_type="points_entry",
            changes={"orders": len(entries), "points": total},
        )
    return total


def _take_back(row: tuple[Any, ...], already: int, now: datetime) -> PointsEntry | None:
    order_id, customer_id, points, earned_on, total, refunded = row
    still_paid: Decimal = total - refunded
    owed = points - arithmetic.points_kept(points, earned_on or Decimal(0), still_paid)
    if owed <= already:
        return None
    return PointsEntry(
        customer_id=customer_id,
        kind=Kind.ADJUST,
        points=-(owed - already),
        reason=REFUNDED,
        order_id=order_id,
        created_at=now,
    )
