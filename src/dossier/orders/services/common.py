"""What the order services share: permissions, the catalogue by sku, the clock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from django.utils import timezone

from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied
from dossier.customers.access import may
from dossier.orders.models import Product

ADD = "orders.add_order"
CHANGE = "orders.change_order"
REFUND = "orders.refund_order"


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
