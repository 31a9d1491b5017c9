"""Reads of products and orders, always from the access entry point (orders of customers the
actor may see); the catalogue is open to every signed-in user."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import customer_for, restrict_owned
from dossier.orders.access import order_for
from dossier.orders.models import Order, OrderLine, Product, Refund

MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    #: the customer whose orders these are (customer_orders)
    customer: Any = None


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        _("The page cursor is not valid."),
        errors=[FieldError("pattern", field="cursor", label="cursor")],
    )


def _encode(*parts: Any) -> str:
    raw = "|".join(str(p) for p in parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    parts = raw.split("|")
    if len(parts) != count:
        raise _bad_cursor()
    return parts


def _signed_in(actor: MaybeActor | None) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in to see the catalogue."))


def product_list(
    *,
    actor: MaybeActor,
    q: str = "",
    category: str = "",
    active: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Products by sku; ``q`` finds a part of the sku, name or brand."""
    _signed_in(actor)
    products = Product.objects.all()
    q = q.replace("\x00", "").strip()
    if q:
        products = products.filter(
            Q(sku__icontains=q) | Q(name__icontains=q) | Q(brand__icontains=q)
        )
    if category:
        products = products.filter(category=category.replace("\x00", ""))
    if active is not None:
        products = products.filter(active=active)
    if cursor:  # the last sku of the page before: any text is a place in the order
        products = products.filter(sku__gt=cursor.replace("\x00", ""))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = list(products.order_by("sku")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].sku if more and rows else None)


def categories() -> list[str]:
    """The catalogue's categories, for a filter."""
    rows = Product.objects.exclude(category="").order_by("category").values_list("category")
    return [c for (c,) in rows.distinct()]


def get_order(*, actor: MaybeActor, order_id: Any) -> Order:
    """One order of a customer the actor may see, with its lines and refunds."""
    order = order_for(actor, order_id, "view")
    lines = OrderLine.objects.filter(order=order).order_by("position")
    refunds = Refund.objects.filter(order=order).select_related("line", "created_by")
    order._lines = list(lines)  # type: ignore[attr-defined]
    order._refunds = list(refunds)  # type: ignore[attr-defined]
    return order


def lines_of(order: Order) -> list[OrderLine]:
    """The lines :func:`get_order` loaded."""
    return list(getattr(order, "_lines", None) or order.lines.order_by("position"))


def refunds_of(order: Order) -> list[Refund]:
    return list(getattr(order, "_refunds", None) or order.refunds.all())


def customer_orders(
    *, actor: MaybeActor, customer_id: Any, cursor: str | None = None, limit: int = 20
) -> Page:
    """A customer's orders, newest first, with their lines, paged by cursor."""
    customer = customer_for(actor, customer_id)
    orders: QuerySet[Order] = Order.objects.filter(customer_id=customer.pk)
    if cursor:
        when_text, pk_text = _decode(cursor, 2)
        try:
            when, pk = datetime.fromisoformat(when_text), UUID(pk_text)
            # a forged time far off (year 1, +14:00) parses but cannot be put in UTC
            if when.tzinfo is None:
                raise ValueError("a cursor's time names its zone")
            when = when.astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise _bad_cursor() from exc
        orders = orders.filter(Q(placed_at__lt=when) | Q(placed_at=when, id__lt=pk))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    lines = Prefetch("lines", queryset=OrderLine.objects.order_by("position"))
    rows = list(orders.order_by("-placed_at", "-id").prefetch_related(lines)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    cursor_out = _encode(last.placed_at.isoformat(), last.pk) if more and last else None
    return Page(rows, cursor_out, customer=customer)


def load_for_timeline(actor: MaybeActor, object_ids: Sequence[str]) -> dict[str, Order]:
    """The orders behind timeline entries that the actor may see, by id (the 360 page)."""
    ids = []
    for value in object_ids:
        try:
            ids.append(UUID(str(value)))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = restrict_owned(Order.objects.filter(pk__in=ids), actor, "view")
    return {str(order.pk): order for order in rows}
