"""The purchase figures of a customer's header, as the orders app keeps and recounts them.

What counts (the same in the services' increments and in :func:`recount`):

* a **purchase** is an order whose status is paid, shipped, completed, returned or refunded;
  pending and cancelled orders are not purchases. ``order_count`` counts purchases and
  ``first_purchase_at`` / ``last_purchase_at`` are the earliest and latest ``placed_at``.
  A status only ever moves from "not a purchase" to "a purchase" (pending → paid …), never
  back (a paid order is refunded, not cancelled), so the dates only move outward.
* ``total_spend`` is the purchases' totals less every refund on them: a refunded order
  still counts as a purchase, for nothing. The average order value is spend ÷ purchases.
* ``refund_total`` adds up every refund; ``return_count`` counts the purchases with at
  least one item returned (a second return on the same order does not add to it).

Amounts are added as they are, whatever their currency: Dossier assumes one trading currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, Sum

from dossier.activity.figures import (
    FigureSource,
    add_to_figures,
    add_to_figures_many,
    extend_figures,
)
from dossier.orders.checks import PURCHASED
from dossier.orders.models import Order, OrderLine, Refund

SOURCE_KEY = "orders"
COLUMNS = (
    "first_purchase_at",
    "last_purchase_at",
    "order_count",
    "total_spend",
    "return_count",
    "refund_total",
)
ZERO = Decimal("0.00")


def _only(queryset: Any, customer_ids: Sequence[Any] | None) -> Any:
    return queryset if customer_ids is None else queryset.filter(customer_id__in=customer_ids)


def recount(customer_ids: Sequence[Any] | None) -> dict[Any, dict[str, Any]]:
    """The purchase figures of these customers (all when None), from orders, refunds, lines."""
    found: dict[Any, dict[str, Any]] = {}
    purchases = (
        _only(Order.objects.filter(status__in=PURCHASED), customer_ids)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"), first=Min("placed_at"), last=Max("placed_at"), gross=Sum("total"))
    )
    for row in purchases:
        found[row["customer_id"]] = {
            "order_count": row["n"],
            "first_purchase_at": row["first"],
            "last_purchase_at": row["last"],
            "total_spend": row["gross"],
        }
    refunds = (
        _only(Refund.objects.all(), customer_ids)
        .order_by()
        .values("customer_id")
        .annotate(
            all_refunds=Sum("amount"),
            on_purchases=Sum("amount", filter=Q(order__status__in=PURCHASED)),
        )
    )
    for row in refunds:
        figures = found.setdefault(row["customer_id"], {})
        figures["refund_total"] = row["all_refunds"]
        spend = figures.get("total_spend", ZERO) - (row["on_purchases"] or ZERO)
        figures["total_spend"] = spend
    returns = (
        _only(
            OrderLine.objects.filter(returned_qty__gt=0, order__status__in=PURCHASED),
            customer_ids,
        )
        .order_by()
        .values("customer_id")
        .annotate(n=Count("order_id", distinct=True))
    )
    for row in returns:
        found.setdefault(row["customer_id"], {})["return_count"] = row["n"]
    return found


def figure_source() -> FigureSource:
    return FigureSource(key=SOURCE_KEY, columns=COLUMNS, recount=recount)


def _purchase(order: Any, *, returned: bool) -> dict[str, Any]:
    """What one purchase adds to its customer's figures (the dates: where they reach)."""
    return {
        "order_count": 1,
        "total_spend": order.total - order.refunded,
        "refund_total": order.refunded,
        "return_count": 1 if returned else 0,
        "first_purchase_at": order.placed_at,
        "last_purchase_at": order.placed_at,
    }


def purchase_made(order: Any, *, returned: bool = False) -> None:
    """An order became a purchase (was placed paid, or was paid): count it."""
    counts = _purchase(order, returned=returned)
    first, last = counts.pop("first_purchase_at"), counts.pop("last_purchase_at")
    add_to_figures(customer_id=order.customer_id, **counts)
    extend_figures(
        customer_id=order.customer_id,
        earliest={"first_purchase_at": first},
        latest={"last_purchase_at": last},
    )


def purchases_made(orders: Iterable[Any]) -> None:
    """New orders (a bulk sync) counted as :func:`purchase_made` counts each: one statement.

    An order placed returned has every item returned (one return); one placed refunded, its
    total refunded. Orders that are not purchases (pending, cancelled) count for nothing.
    """
    changes: dict[Any, dict[str, Any]] = {}
    for order in orders:
        if order.status not in PURCHASED:
            continue
        one = _purchase(order, returned=order.status == "returned")
        kept = changes.get(order.customer_id)
        if kept is None:
            changes[order.customer_id] = one
            continue
        for name in ("order_count", "total_spend", "refund_total", "return_count"):
            kept[name] += one[name]
        kept["first_purchase_at"] = min(kept["first_purchase_at"], one["first_purchase_at"])
        kept["last_purchase_at"] = max(kept["last_purchase_at"], one["last_purchase_at"])
    add_to_figures_many(changes, earliest=["first_purchase_at"], latest=["last_purchase_at"])


def money_refunded(order: Order, amount: Decimal) -> None:
    """A refund on a purchase: less spend, more refunded."""
    add_to_figures(customer_id=order.customer_id, total_spend=-amount, refund_total=amount)


def first_return(order: Order) -> None:
    """The first item of a purchase came back."""
    add_to_figures(customer_id=order.customer_id, return_count=1)


def summary(order: Any) -> dict[str, Any]:
    """What the timeline shows of an order (stored or just written): no names, no numbers that
    identify anyone."""
    return {
        "status": order.status,
        "total": str(order.total),
        "currency": order.currency,
        "items": order.item_count,
    }


def summary_json(order: Any) -> str:
    """:func:`summary` as JSON text, written out directly (a bulk sync needs a thousand).

    Its values need no escaping: a status is one of the choices, a currency three capital
    letters, the total a decimal number and the items a whole one.
    """
    return (
        f'{{"status": "{order.status}", "total": "{order.total}", '
        f'"currency": "{order.currency}", "items": {order.item_count}}}'
    )


def timeline_rows(orders: Iterable[Any]) -> list[dict[str, Any]]:
    """Timeline entries (``record_entries``' shape) of these orders."""
    return [
        {
            "customer_id": order.customer_id,
            "kind": "order",
            "object_id": order.pk,
            "occurred_at": order.placed_at,
            "summary": summary(order),
        }
        for order in orders
    ]
