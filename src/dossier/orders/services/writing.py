"""Storing checked orders: the one insert path of a single order and of a bulk sync.

A constant number of statements whatever the count: orders, lines, their timeline entries
and their ``order.created`` events each in one stream of plain rows (``insert_rows``: COPY
on PostgreSQL, no model per row), refunds in one bulk insert. An order
placed already returned has every item returned; one placed refunded gets a refund of its
total, so the refunds always explain the money (and the figures can be recounted from them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from dossier.activity.services import record_new_entries
from dossier.core.actors import MaybeActor, person
from dossier.core.bulk_insert import insert_rows
from dossier.customers.ids import uuid7
from dossier.orders.checks import CleanOrder
from dossier.orders.figures import ZERO, summary, timeline_rows
from dossier.orders.models import Order, OrderLine, Refund
from dossier.outbox.services import publish_batch

TIMELINE_KIND = "order"


class OrderTaken(Exception):
    """An order's (source, external id) was stored by someone else meanwhile."""


ORDER_FIELDS = (
    "id",
    "customer_id",
    "source",
    "external_id",
    "channel",
    "store",
    "placed_at",
    "status",
    "discount",
    "total",
    "refunded",
    "item_count",
    "currency",
    "payment_method",
    "campaign",
    "created_at",
    "updated_at",
    "created_by_id",
)
LINE_FIELDS = (
    "order_id",
    "customer_id",
    "position",
    "product_id",
    "sku",
    "name",
    "qty",
    "unit_price",
    "discount",
    "line_total",
    "returned_qty",
    "refunded",
)
LineRow = tuple[Any, ...]


@dataclass(slots=True)
class NewOrder:
    """An order as the bulk path writes it: its columns, without a model instance."""

    id: Any
    customer_id: Any
    source: str
    external_id: str
    channel: str
    store: str
    placed_at: datetime
    status: str
    discount: Decimal
    total: Decimal
    refunded: Decimal
    item_count: int
    currency: str
    payment_method: str
    campaign: str
    created_at: datetime
    updated_at: datetime
    created_by_id: int | None

    @property
    def pk(self) -> Any:
        return self.id

    def row(self) -> list[Any]:
        return [getattr(self, name) for name in ORDER_FIELDS]


def _rows(
    user: User | None, items: Sequence[tuple[CleanOrder, Any]]
) -> tuple[list[NewOrder], list[LineRow], list[Refund]]:
    """The new orders, their lines as rows of LINE_FIELDS, and the refunds they come with."""
    now = timezone.now()
    user_id = user.pk if user is not None else None
    orders, lines, refunds = [], [], []
    for clean, customer_id in items:
        refunded = clean.total if clean.status == "refunded" else ZERO
        order = NewOrder(
            uuid7(),
            customer_id,
            clean.source,
            clean.external_id,
            clean.channel,
            clean.store,
            clean.placed_at,
            clean.status,
            clean.discount,
            clean.total,
            refunded,
            clean.item_count,
            clean.currency,
            clean.payment_method,
            clean.campaign,
            now,
            now,
            user_id,
        )
        returned = clean.status == "returned"
        lines += [
            (
                order.id,
                customer_id,
                line.position,
                line.product_id,
                line.sku,
                line.name,
                line.qty,
                line.unit_price,
                line.discount,
                line.line_total,
                line.qty if returned else 0,
                ZERO,
            )
            for line in clean.lines
        ]
        if refunded > 0:
            refunds.append(
                Refund(
                    order_id=order.id,
                    customer_id=customer_id,
                    amount=refunded,
                    reason=Refund.Reason.ORDER_REFUNDED,
                    created_at=now,
                    created_by_id=user_id,
                )
            )
        orders.append(order)
    return orders, lines, refunds


def _store(orders: list[NewOrder], lines: list[LineRow]) -> None:
    """Insert the orders (in a savepoint: a key taken meanwhile undoes them) and their lines."""
    try:
        with transaction.atomic():
            insert_rows(Order, ORDER_FIELDS, (order.row() for order in orders), binary=True)
    except IntegrityError as clash:
        raise OrderTaken() from clash
    insert_rows(OrderLine, LINE_FIELDS, lines, binary=True)


def insert_orders(*, actor: MaybeActor, items: Sequence[tuple[CleanOrder, Any]]) -> list[NewOrder]:
    """Store checked orders for their customers (ids already resolved and allowed).

    Raises :class:`OrderTaken` when a (source, external id) was taken meanwhile; nothing of
    the call is then left written (a savepoint is rolled back), so the caller can retry.
    """
    if not items:
        return []
    orders, lines, refunds = _rows(person(actor), items)
    _store(orders, lines)
    if refunds:
        Refund.objects.bulk_create(refunds)
    record_new_entries(timeline_rows(orders))
    publish_batch(
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


def audit_created(order: Order | NewOrder) -> dict[str, Any]:
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
