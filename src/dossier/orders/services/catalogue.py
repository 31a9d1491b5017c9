"""The product catalogue: admins and managers add and change products; everyone reads it."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import Conflict, NotFound, ValidationFailed
from dossier.orders import errors as e
from dossier.orders.checks import Errors, money, text
from dossier.orders.errors import OrderError
from dossier.orders.models import Product
from dossier.orders.services.common import require

UNSET: Any = object()


def _clean(
    errs: Errors, *, sku: Any, name: Any, category: Any, brand: Any, price: Any, active: Any
) -> dict[str, Any]:
    """The given fields, checked (``UNSET`` ones left out)."""
    out: dict[str, Any] = {}
    if sku is not UNSET:
        out["sku"] = text(sku, e.SKU, errs, limit=64, required=True)
    if name is not UNSET:
        out["name"] = text(name, e.NAME, errs, limit=200, required=True)
    if category is not UNSET:
        out["category"] = text(category, e.CATEGORY, errs, limit=50)
    if brand is not UNSET:
        out["brand"] = text(brand, e.BRAND, errs, limit=50)
    if price is not UNSET:
        out["price"] = money(price, e.PRICE, errs)
    if active is not UNSET:
        if not isinstance(active, bool):
            errs.add("invalid_boolean", e.ACTIVE)
        out["active"] = active
    return out


def _store(product: Product, *, actor: MaybeActor, action: str, changes: dict[str, Any]) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise Conflict(
            _("The product was not saved."),
            code="sku_taken",
            errors=[OrderError("sku_taken", spec=e.SKU)],
        ) from None
    record_audit(
        actor=actor,
        action=action,
        object_type="product",
        object_id=product.pk,
        changes={k: str(v) for k, v in changes.items()},
    )


def create_product(
    *,
    actor: MaybeActor,
    sku: str,
    name: str,
    price: Any,
    category: str = "",
    brand: str = "",
    active: bool = True,
) -> Product:
    """Add a product to the catalogue (its sku must be new)."""
    require(actor, "orders.add_product", _("You may not add products."))
    errs = Errors()
    values = _clean(
        errs, sku=sku, name=name, category=category, brand=brand, price=price, active=active
    )
    if errs:
        raise ValidationFailed(_("The product was not saved."), errors=errs)
    with transaction.atomic():
        product = Product(**values)
        _store(product, actor=actor, action="create", changes=values)
    return product


def update_product(
    *,
    actor: MaybeActor,
    product_id: Any,
    sku: Any = UNSET,
    name: Any = UNSET,
    category: Any = UNSET,
    brand: Any = UNSET,
    price: Any = UNSET,
    active: Any = UNSET,
) -> Product:
    """Change some fields of a product; orders keep the sku and name they were placed with."""
    require(actor, "orders.change_product", _("You may not change products."))
    errs = Errors()
    values = _clean(
        errs, sku=sku, name=name, category=category, brand=brand, price=price, active=active
    )
    if errs:
        raise ValidationFailed(_("The product was not saved."), errors=errs)
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            raise NotFound(_("No such product."), code="product_not_found")
        changes = {k: v for k, v in values.items() if getattr(product, k) != v}
        for key, value in changes.items():
            setattr(product, key, value)
        if changes:
            _store(product, actor=actor, action="update", changes=changes)
    return product
