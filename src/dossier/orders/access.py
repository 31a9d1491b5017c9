"""One loader for an order: the rule of ``customers.access.customer_for``, for orders."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers.access import restrict_owned
from dossier.orders.models import Order


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def order_for(
    actor: MaybeActor, order_id: Any, action: str = "view", *, lock: bool = False
) -> Order:
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
