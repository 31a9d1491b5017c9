"""Bulk order sync: up to 1,000 orders a call, idempotent by (source, external id).

A shop system sends its orders and retries freely: an order already stored is never stored
twice. If the retry carries the same status it is reported ``unchanged``; if its status
moved along a legal transition (paid → shipped …) the stored order is ``updated`` to it;
its lines and amounts stay as first stored. Each order is checked on its own and reported
with its index, its errors naming the field; the valid ones are stored even when others fail.

The work is set-based, a constant number of queries per call whatever the count: one for
the products, one for the orders already stored, three to find the customers, one stream
each (COPY on PostgreSQL) of orders, lines, timeline entries and ``order.created`` events,
one upsert adding the new purchases to their customers' figures, one insert of the audit
events, and a recount of the figures of customers whose stored orders moved.

The audit log gets one event for the call (what it did, by counts and sources, and the ids
of the orders it stored) and one for each stored order whose status it moved; a new order
names who stored it and when itself (``created_by``, ``created_at``), so a thousand creation
events would repeat the rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.figures import refresh_figures
from dossier.activity.services import record_entries, remove_entries
from dossier.audit.services import record_audit_many
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.orders import errors as e
from dossier.orders.checks import (
    CleanOrder,
    check_order,
    is_mapping,
    skus_of,
    transition_error,
)
from dossier.orders.customer_refs import resolve_customers
from dossier.orders.errors import OrderError, status_words
from dossier.orders.figures import SOURCE_KEY, purchases_made, timeline_rows
from dossier.orders.keys import id_set, pairs_of
from dossier.orders.models import Order, OrderLine, Refund
from dossier.orders.services.common import ADD, CHANGE, REFUND, clock, products_by_sku, require
from dossier.orders.services.writing import (
    TIMELINE_KIND,
    OrderTaken,
    insert_orders,
)
from dossier.orders.usual import usual_order

MAX_ORDERS = 1000
Key = tuple[str, str]


@dataclass
class OrderOutcome:
    """What became of one order of the call."""

    index: int
    source: str
    external_id: str
    result: str = "error"  # created | updated | unchanged | error
    order_id: Any = None
    status: str = ""
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class SyncResult:
    outcomes: list[OrderOutcome]

    def count(self, result: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.result == result)


def _text(raw: Any, key: str, limit: int) -> str:
    value = raw.get(key) if is_mapping(raw) else None
    return str(value).strip()[:limit] if value is not None else ""


def _checked(
    orders: Sequence[Any], outcomes: list[OrderOutcome]
) -> list[tuple[OrderOutcome, CleanOrder]]:
    """Each order checked on its own; a (source, external id) repeated in the call is refused."""
    zone, now = clock()
    products = products_by_sku(skus_of([o for o in orders if is_mapping(o)]))
    first: dict[Key, int] = {}
    clean_ones = []
    for outcome, raw in zip(outcomes, orders, strict=True):
        if not is_mapping(raw):
            outcome.errors = [OrderError("required", spec=e.ORDERS)]
            continue
        clean = usual_order(raw, products=products, zone=zone, now=now)
        errors: list[FieldError] = []
        if clean is None:
            clean, errors = check_order(raw, products=products, zone=zone, now=now)
        if clean is None:
            outcome.errors = errors
            continue
        key = (clean.source, clean.external_id)
        if key in first:
            outcome.errors = [OrderError("repeated_in_call", spec=e.EXTERNAL_ID, first=first[key])]
            continue
        first[key] = outcome.index
        clean_ones.append((outcome, clean))
    return clean_ones


def _stored(keys: Sequence[Key]) -> dict[Key, Order]:
    """The orders already stored under these keys, locked for the call."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = pairs_of(Order.objects.select_for_update(), "source", "external_id", wanted)
    return {(o.source, o.external_id): o for o in rows if (o.source, o.external_id) in wanted}


def sync_orders(*, actor: MaybeActor, orders: Sequence[Any]) -> SyncResult:
    """Store new orders and move stored ones to a new status; every order gets an outcome."""
    require(actor, ADD, _("You may not record orders."))
    if len(orders) > MAX_ORDERS:
        raise ValidationFailed(
            _("Too many orders in one call."),
            errors=[
                OrderError("too_many_orders", spec=e.ORDERS, max=MAX_ORDERS, value=len(orders))
            ],
        )
    outcomes = [
        OrderOutcome(
            index=i, source=_text(raw, "source", 50), external_id=_text(raw, "external_id", 64)
        )
        for i, raw in enumerate(orders)
    ]
    clean_ones = _checked(orders, outcomes)
    with transaction.atomic():
        audit: list[dict[str, Any]] = []
        touched: set[Any] = set()
        pending = clean_ones
        for _attempt in range(3):
            stored = _stored([(c.source, c.external_id) for _o, c in pending])
            again = [(o, c) for o, c in pending if (c.source, c.external_id) in stored]
            audit += _update_stored(actor, again, stored, touched)
            fresh = [(o, c) for o, c in pending if (c.source, c.external_id) not in stored]
            try:
                _create(actor, fresh)
                break
            except OrderTaken:  # another call stored one of them meanwhile: look again
                pending = fresh
        else:
            for outcome, _clean in pending:
                outcome.errors = [OrderError("order_exists", spec=e.EXTERNAL_ID)]
        result = SyncResult(outcomes)
        record_audit_many(actor=actor, events=[_call_event(result), *audit])
        refresh_figures(touched, sources=[SOURCE_KEY])
    return result


def _call_event(result: SyncResult) -> dict[str, Any]:
    sources = sorted({o.source for o in result.outcomes if o.result != "error"})
    return {
        "action": "create",
        "object_type": "order_sync",
        "object_id": ",".join(sources)[:64],
        "changes": {
            "created": result.count("created"),
            "updated": result.count("updated"),
            "unchanged": result.count("unchanged"),
            "failed": result.count("error"),
            "sources": sources,
            # which orders the call stored: the audit log finds them without a row each
            "created_ids": [str(o.order_id) for o in result.outcomes if o.result == "created"],
        },
    }


def _create(actor: MaybeActor, fresh: list[tuple[OrderOutcome, CleanOrder]]) -> None:
    """Find the new orders' customers, store the orders that have one, count them in."""
    found = resolve_customers(actor, [clean.customer for _o, clean in fresh])
    items: list[tuple[OrderOutcome, CleanOrder, Any]] = []
    for (outcome, clean), resolved in zip(fresh, found, strict=True):
        assert resolved is not None
        outcome.errors = []
        if resolved.error is not None:
            outcome.errors = [resolved.error]
        else:
            items.append((outcome, clean, resolved.customer_id))
    created = insert_orders(actor=actor, items=[(c, pk) for _o, c, pk in items])
    purchases_made(created)
    for (outcome, _clean, _customer_id), order in zip(items, created, strict=True):
        outcome.result, outcome.order_id, outcome.status = "created", order.pk, order.status


def _update_stored(
    actor: MaybeActor,
    again: list[tuple[OrderOutcome, CleanOrder]],
    stored: dict[Key, Order],
    touched: set[Any],
) -> list[dict[str, Any]]:
    """Orders sent again: unchanged, or moved to their new status where that is legal."""
    if not again:
        return []
    customer_ids = {stored[(c.source, c.external_id)].customer_id for _o, c in again}
    allowed = set(
        restrict(Customer.objects.all(), actor, "change")
        .filter(pk__in=id_set(customer_ids))
        .values_list("pk", flat=True)
    )
    may_change, may_refund = may(actor, CHANGE), may(actor, REFUND)
    moves: list[tuple[Order, str]] = []
    for outcome, clean in again:
        order = stored[(clean.source, clean.external_id)]
        outcome.errors = []
        problem: FieldError | None = None
        if order.customer_id not in allowed:
            problem = OrderError("order_exists", spec=e.EXTERNAL_ID)
        else:
            problem = transition_error(order.status, clean.status)
        moving = clean.status != order.status
        money_back = moving and clean.status in ("returned", "refunded")
        if problem is None and ((moving and not may_change) or (money_back and not may_refund)):
            words = status_words(clean.status)
            problem = OrderError("not_permitted", spec=e.STATUS, to_status=words)
        if problem is not None:
            outcome.errors = [problem]
            continue
        outcome.order_id, outcome.status = order.pk, clean.status
        if clean.status == order.status:
            outcome.result = "unchanged"
        else:
            outcome.result = "updated"
            moves.append((order, clean.status))
            touched.add(order.customer_id)
    return move_orders(actor, moves)


def move_orders(actor: MaybeActor, moves: list[tuple[Order, str]]) -> list[dict[str, Any]]:
    """Move many stored orders to new (legal) statuses at once, with what each implies."""
    if not moves:
        return []
    now = timezone.now()
    by_status: dict[str, list[Any]] = defaultdict(list)
    audit = []
    for order, status in moves:
        by_status[status].append(order.pk)
        audit.append(
            {
                "action": "update",
                "object_type": "order",
                "object_id": order.pk,
                "customer_id": order.customer_id,
                "changes": {"status": [order.status, status]},
            }
        )
        order.status = status
    for status, ids in by_status.items():
        Order.objects.filter(pk__in=ids).update(status=status, updated_at=now)
    if by_status.get("returned"):
        OrderLine.objects.filter(order_id__in=by_status["returned"]).update(returned_qty=F("qty"))
    owing = [order for order, status in moves if status == "refunded" and order.refundable > 0]
    if owing:
        user = person(actor)
        Refund.objects.bulk_create(
            Refund(
                order=order,
                customer_id=order.customer_id,
                amount=order.refundable,
                reason=Refund.Reason.ORDER_REFUNDED,
                created_at=now,
                created_by=user,
            )
            for order in owing
        )
        Order.objects.filter(pk__in=[o.pk for o in owing]).update(refunded=F("total"))
        for order in owing:
            order.refunded = order.total
    moved = [order for order, _status in moves]
    remove_entries(kind=TIMELINE_KIND, object_ids=[o.pk for o in moved])
    record_entries(timeline_rows(moved))
    return audit
