"""Recording one order (staff, or a shop system one at a time)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import Conflict, ValidationFailed
from dossier.customers.access import customer_for
from dossier.orders import errors as e
from dossier.orders.checks import PURCHASED, check_order, skus_of
from dossier.orders.customer_refs import resolve_customers
from dossier.orders.errors import OrderError
from dossier.orders.figures import purchase_made
from dossier.orders.models import Order
from dossier.orders.services.common import ADD, clock, products_by_sku, require
from dossier.orders.services.writing import OrderTaken, audit_created, insert_orders


def _refused(errors: list[Any]) -> ValidationFailed:
    return ValidationFailed(_("The order was not saved."), errors=errors)


def _taken() -> Conflict:
    return Conflict(
        _("An order with this source and external id exists already."),
        code="order_exists",
        errors=[OrderError("order_exists", spec=e.EXTERNAL_ID)],
    )


def place_order(*, actor: MaybeActor, values: Mapping[str, Any]) -> Order:
    """Record one order with its lines; totals are worked out from the lines and checked.

    The order names its customer by ``customer_id`` (404 when the actor cannot reach it,
    403 when they may only see it), ``customer_external_id``, ``phone`` or ``email``.
    Nothing is written unless every value passes.
    """
    require(actor, ADD, _("You may not record orders."))
    if values.get("customer_id"):
        customer_for(actor, values["customer_id"], "change")  # 404/403 before anything else
    zone, now = clock()
    clean, errors = check_order(
        values, products=products_by_sku(skus_of([values])), zone=zone, now=now
    )
    if clean is None:
        raise _refused(errors)
    with transaction.atomic():
        (found,) = resolve_customers(actor, [clean.customer])
        assert found is not None
        if found.error is not None:
            raise _refused([found.error])
        taken = Order.objects.filter(source=clean.source, external_id=clean.external_id)
        if taken.exists():
            raise _taken()
        try:
            (written,) = insert_orders(actor=actor, items=[(clean, found.customer_id)])
        except OrderTaken:
            raise _taken() from None
        if written.status in PURCHASED:
            purchase_made(written, returned=written.status == "returned")
        record_audit(actor=actor, **audit_created(written))
    return Order.objects.get(pk=written.pk)
