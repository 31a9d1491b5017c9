"""The orders app plugged into the generic processes (called from ``AppConfig.ready``).

* customer-data registry: orders, lines and refunds are business records, kept through
  erasure (they hold no name, number or note: nothing to anonymise) and moved on merge;
  the customer's copy of their data lists their orders with lines and refunds. Customers'
  ids in other systems identify them: exported, deleted on erasure, moved on merge.
* figures: how to recount the purchase columns (``dossier figures verify``).
* the 360 page: the "order" timeline kind.
* webhooks: how an ``order`` looks to a receiver (only orders of customers they may see).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import pgettext_lazy

from dossier.activity.figures import register_figure_source
from dossier.activity.kinds import TimelineKind, register_kind
from dossier.core.actors import MaybeActor
from dossier.customers.access import restrict_owned
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.orders.figures import figure_source
from dossier.orders.models import CustomerExternalId, Order, OrderLine, Refund
from dossier.orders.selectors import load_for_timeline
from dossier.outbox.models import Event
from dossier.outbox.payloads import register_payload


def _money(value: Any) -> str:
    return str(value)


def line_data(line: OrderLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "position": line.position,
        "sku": line.sku,
        "name": line.name,
        "qty": line.qty,
        "unit_price": _money(line.unit_price),
        "discount": _money(line.discount),
        "line_total": _money(line.line_total),
        "returned_qty": line.returned_qty,
        "refunded": _money(line.refunded),
    }


def order_data(order: Order, lines: list[OrderLine]) -> dict[str, Any]:
    """An order as plain JSON: its facts and lines (nothing personal is stored on it)."""
    return {
        "id": str(order.pk),
        "source": order.source,
        "external_id": order.external_id,
        "channel": order.channel,
        "store": order.store,
        "placed_at": order.placed_at.isoformat(),
        "status": order.status,
        "discount": _money(order.discount),
        "total": _money(order.total),
        "refunded": _money(order.refunded),
        "currency": order.currency,
        "payment_method": order.payment_method,
        "campaign": order.campaign,
        "item_count": order.item_count,
        "lines": [line_data(line) for line in lines],
    }


def orders_copy(customer: Customer) -> list[dict[str, Any]]:
    """The customer's orders with lines and refunds (their copy of their data)."""
    orders = list(Order.objects.filter(customer_id=customer.pk).order_by("placed_at", "id"))
    lines: dict[Any, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(customer_id=customer.pk).order_by("position"):
        lines.setdefault(line.order_id, []).append(line)
    refunds: dict[Any, list[dict[str, Any]]] = {}
    refund_rows = Refund.objects.filter(customer_id=customer.pk).select_related("line")
    for refund in refund_rows.order_by("created_at", "id"):
        refunds.setdefault(refund.order_id, []).append(
            {
                "amount": _money(refund.amount),
                "reason": refund.reason,
                "line": refund.line.position if refund.line is not None else None,
                "created_at": refund.created_at.isoformat(),
            }
        )
    return [
        {**order_data(order, lines.get(order.pk, [])), "refunds": refunds.get(order.pk, [])}
        for order in orders
    ]


def external_ids_copy(customer: Customer) -> list[dict[str, str]]:
    """The customer's ids in other systems."""
    rows = CustomerExternalId.objects.filter(customer_id=customer.pk).order_by("source")
    return [{"source": row.source, "external_id": row.external_id} for row in rows]


def order_payload(receiver: MaybeActor, event: Event) -> dict[str, Any] | None:
    """An ``order`` event's object for a webhook receiver, or None if they may not see it."""
    try:
        pk = UUID(str(event.object_id))
    except ValueError:
        return None
    order = restrict_owned(Order.objects.filter(pk=pk), receiver, "view").first()
    if order is None:
        return None
    data = order_data(order, list(order.lines.order_by("position")))
    data.pop("id")  # the envelope carries it
    return data


def register_orders() -> None:
    for key, model, export in (
        ("orders", Order, orders_copy),
        ("orders", OrderLine, None),  # in their order's entry of the copy
        ("orders", Refund, None),
    ):
        moves = repoint_rows(CustomerData(key=key, model=model))
        register(CustomerData(key=key, model=model, export=export, erasure="keep", repoint=moves))
    ids = CustomerData(key="external_ids", model=CustomerExternalId)
    register(
        CustomerData(
            key="external_ids",
            model=CustomerExternalId,
            export=external_ids_copy,
            erasure="delete",
            repoint=repoint_rows(ids),
        )
    )
    register_figure_source(figure_source())
    register_kind(
        TimelineKind(
            key="order",
            label=pgettext_lazy("purchase", "Order"),
            template="orders/_timeline_entry.html",
            load=load_for_timeline,
        )
    )
    register_payload("order", order_payload)
