"""Storing checked orders: the one insert path of a single order and of a bulk sync.

A constant number of statements whatever the count: orders, lines and refunds in bulk
inserts, their timeline entries in one, their ``order.created`` events in one. An order
placed already returned has every item returned; one placed refunded gets a refund of its
total, so the refunds always explain the money (and the figures can be recounted from them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from dossier.activity.services import record_entries
from dossier.core.actors import MaybeActor, person
from dossier.customers.ids import uuid7
from dossier.orders.checks import CleanOrder
from dossier.orders.figures import ZERO, summary, timeline_rows
from dossier.orders.models import Order, OrderLine, Refund
from dossier.outbox.services import publish_many

TIMELINE_KIND = "order"


class OrderTaken(Exception):
    """An order's (source, external id) was stored by someone else meanwhile."""


def _rows(
    user: User | None, items: Sequence[tuple[CleanOrder, Any]]
) -> tuple[list[Order], list[OrderLine], list[Refund]]:
    now = timezone.now()
    orders, lines, refunds = [], [], []
    for clean, customer_id in items:
        order = Order(
            id=uuid7(),
            customer_id=customer_id,
            source=clean.source,
            external_id=clean.external_id,
            channel=clean.channel,
            store=clean.store,
            placed_at=clean.placed_at,
            status=clean.status,
            discount=clean.discount,
            total=clean.total,
            refunded=ZERO,
            item_count=clean.item_count,
            currency=clean.currency,
            payment_method=clean.payment_method,
            campaign=clean.campaign,
            created_by=user,
        )
        returned = clean.status == "returned"
        for line in clean.lines:
            lines.append(
                OrderLine(
                    order=order,
                    customer_id=customer_id,
                    position=line.position,
                    product_id=line.product_id,
                    sku=line.sku,
                    name=line.name,
                    qty=line.qty,
                    unit_price=line.unit_price,
                    discount=line.discount,
                    line_total=line.line_total,
                    returned_qty=line.qty if returned else 0,
                )
            )
        if clean.status == "refunded" and clean.total > 0:
            order.refunded = clean.total
            refunds.append(
                Refund(
                    order=order,
                    customer_id=customer_id,
                    amount=clean.total,
                    reason=Refund.Reason.ORDER_REFUNDED,
                    created_at=now,
                    created_by=user,
                )
            )
        orders.append(order)
    return orders, lines, refunds


def insert_orders(*, actor: MaybeActor, items: Sequence[tuple[CleanOrder, Any]]) -> list[Order]:
    """Store checked orders for their customers (ids already resolved and allowed).

    Raises :class:`OrderTaken` when a (source, external id) was taken meanwhile; nothing of
    the call is then left written (a savepoint is rolled back), so the caller can retry.
    """
    if not items:
        return []
    user = person(actor)
    orders, lines, refunds = _rows(user, items)
    try:
        with transaction.atomic():
            Order.objects.bulk_create(orders)
    except IntegrityError as clash:
        raise OrderTaken() from clash
    OrderLine.objects.bulk_create(lines, batch_size=2000)
    if refunds:
        Refund.objects.bulk_create(refunds)
    record_entries(timeline_rows(orders))
    publish_many(
        actor=actor,
        events=[
            {
                "name": "order.created",
                "customer_id": order.customer_id,
                "object_type": "order",
                "object_id": order.pk,
                "data": summary(order),
            }
            for order in orders
        ],
    )
    return orders


def audit_created(order: Order) -> dict[str, Any]:
    """The audit event of a new order (``record_audit_many``'s shape)."""
    return {
        "action": "create",
        "object_type": "order",
        "object_id": order.pk,
        "customer_id": order.customer_id,
        "changes": {
            "source": order.source,
            "external_id": order.external_id,
            "status": order.status,
            "total": str(order.total),
            "currency": order.currency,
        },
    }
