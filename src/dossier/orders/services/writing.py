"""Storing checked orders: the one insert path of a single order and of a bulk sync.

A constant number of statements whatever the count: orders, lines, their timeline entries
and their ``order.created`` events each in one stream, no model per row: on PostgreSQL a
COPY of text written out a row at a time (``orders.copy_rows``; the ids as text and the
summary's JSON made once an order, for all four), elsewhere ``insert_rows``; refunds in one
bulk insert. An order
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
from dossier.core.bulk_insert import copy_text, insert_rows, uses_copy
from dossier.customers.ids import uuid7
from dossier.orders.checks import CleanOrder
from dossier.orders.copy_rows import line_copy_text, order_copy_text
from dossier.orders.figures import ZERO, summary_json
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
    #: ``id`` and ``customer_id`` as text, made once: the timeline, the event, the answer
    #: and COPY's text all need them
    id_text: str = ""
    customer_text: str = ""

    @property
    def pk(self) -> Any:
        return self.id

    def row(self) -> list[Any]:
        return [getattr(self, name) for name in ORDER_FIELDS]


def _new_orders(
    user: User | None, items: Sequence[tuple[CleanOrder, Any]]
) -> tuple[list[NewOrder], list[Refund]]:
    """The new orders and the refunds they come with."""
    now = timezone.now()
    user_id = user.pk if user is not None else None
    customer_texts: dict[Any, str] = {}
    orders, refunds = [], []
    for clean, customer_id in items:
        refunded = clean.total if clean.status == "refunded" else ZERO
        pk = uuid7()
        customer_text = customer_texts.get(customer_id)
        if customer_text is None:
            customer_text = customer_texts[customer_id] = str(customer_id)
        order = NewOrder(
            pk,
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
            str(pk),
            customer_text,
        )
        if refunded > 0:
            refunds.append(
                Refund(
                    order_id=pk,
                    customer_id=customer_id,
                    amount=refunded,
                    reason=Refund.Reason.ORDER_REFUNDED,
                    created_at=now,
                    created_by_id=user_id,
                )
            )
        orders.append(order)
    return orders, refunds


def _line_rows(orders: Sequence[NewOrder], cleans: Sequence[CleanOrder]) -> list[LineRow]:
    """The orders' lines as rows of LINE_FIELDS."""
    lines: list[LineRow] = []
    for order, clean in zip(orders, cleans, strict=True):
        returned = clean.status == "returned"
        lines += [
            (
                order.id,
                order.customer_id,
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
    return lines


def _store(orders: list[NewOrder], cleans: Sequence[CleanOrder]) -> None:
    """Insert the orders (in a savepoint: a key taken meanwhile undoes them) and their lines."""
    copying = uses_copy()
    try:
        with transaction.atomic():
            if copying:
                copy_text(Order, ORDER_FIELDS, order_copy_text(orders))
            else:
                insert_rows(Order, ORDER_FIELDS, (order.row() for order in orders))
    except IntegrityError as clash:
        raise OrderTaken() from clash
    if copying:
        copy_text(OrderLine, LINE_FIELDS, line_copy_text(orders, cleans))
    else:
        insert_rows(OrderLine, LINE_FIELDS, _line_rows(orders, cleans))


def insert_orders(*, actor: MaybeActor, items: Sequence[tuple[CleanOrder, Any]]) -> list[NewOrder]:
    """Store checked orders for their customers (ids already resolved and allowed).

    Raises :class:`OrderTaken` when a (source, external id) was taken meanwhile; nothing of
    the call is then left written (a savepoint is rolled back), so the caller can retry.
    """
    if not items:
        return []
    orders, refunds = _new_orders(person(actor), items)
    _store(orders, [clean for clean, _customer_id in items])
    if refunds:
        Refund.objects.bulk_create(refunds)
    # the timeline's summary and the event's data are the same JSON: written out once
    summaries = [summary_json(order) for order in orders]
    record_new_entries(
        {
            "customer_id": order.customer_text,
            "kind": TIMELINE_KIND,
            "object_id": order.id_text,
            "occurred_at": order.placed_at,
            "summary_json": text,
        }
        for order, text in zip(orders, summaries, strict=True)
    )
    publish_batch(
        actor=actor,
        events=[
            {
                "name": "order.created",
                "customer_id": order.customer_text,
                "object_type": "order",
                "object_id": order.id_text,
                "data_json": text,
            }
            for order, text in zip(orders, summaries, strict=True)
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
