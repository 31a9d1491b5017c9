"""What the order services share: permissions, the catalogue by sku, the clock, one order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers.access import may, restrict_owned
from dossier.orders.models import Order, Product

ADD = "orders.add_order"
CHANGE = "orders.change_order"
REFUND = "orders.refund_order"
EDIT_CATALOGUE = ("orders.add_product", "orders.change_product")


def require(actor: MaybeActor | None, permission: str, message: str) -> None:
    """PermissionDenied unless the actor holds ``permission``."""
    if not may(actor, permission):
        raise PermissionDenied(message)


def products_by_sku(skus: Iterable[str]) -> dict[str, tuple[int, str]]:
    """(id, name) of the catalogue's products with these skus, in one query."""
    wanted = set(skus)
    if not wanted:
        return {}
    rows = Product.objects.filter(sku__in=wanted).values_list("sku", "id", "name")
    return {sku: (pk, name) for sku, pk, name in rows}


def clock() -> tuple[tzinfo, datetime]:
    """The zone an order's time without an offset is read in, and now."""
    return timezone.get_default_timezone(), timezone.now()


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def order_for(actor: MaybeActor, order_id: Any, action: str = "view", *, lock: bool = False) -> Order:
    """One order whose customer the actor may ``action``: 404 if unseen, 403 if seen only."""
    if not _is_uuid(order_id):
        raise NotFound(_("No such order."), code="order_not_found")
    orders: QuerySet[Order] = Order.objects.all()
    if lock:
        orders = orders.select_for_update()
    found = restrict_owned(orders, actor, action).filter(pk=order_id).first()
    if found is not None:
        return found
    if action != "view" and restrict_owned(Order.objects.all(), actor).filter(pk=order_id).exists():
        raise PermissionDenied(_("You may not change this customer's orders."))
    raise NotFound(_("No such order."), code="order_not_found")
