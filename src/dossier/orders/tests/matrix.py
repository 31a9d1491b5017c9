"""The orders app's rows of the role matrix (collected by site/tests/test_role_matrix.py).

Columns (ACTORS): admin, manager, sales, service, marketing, analyst, outsider; pages put
anonymous first. Orders are read by whoever may see the customer and recorded by those who
may change it (not marketing nor analysts); refunds and returns by admins, managers and
service; the catalogue is read by every signed-in user and edited by admins and managers.
A bulk sync answers 200 with a per-order result even when an order's customer is out of the
caller's reach (the outsider's call reports that order as an error).
"""

from __future__ import annotations

from itertools import count
from typing import Any

from django.urls import reverse

from dossier.orders.models import Order, Product
from dossier.orders.services import change_status, create_product, place_order
from dossier.site.tests.matrix_fixtures import PageBuilder, PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
ALL_OK = (OK,) * 7
LOGIN, REDIRECT, PAGE = "login", "302", "200"

API: dict[str, tuple[str, ...]] = {
    "GET /products":                              ALL_OK,
    "POST /products":                             (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),
    "PATCH /products/{product_id}":               (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST /orders":                               (OK, OK, OK, OK, DENIED, DENIED, UNSEEN),
    "POST /orders/bulk":                          (OK, OK, OK, OK, DENIED, DENIED, OK),
    "GET /orders/{order_id}":                     (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "GET /orders/customers/{customer_id}":        (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "POST /orders/customers/{customer_id}/external-ids": (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "POST /orders/{order_id}/status":             (OK, OK, OK, OK, DENIED, DENIED, UNSEEN),
    "POST /orders/{order_id}/refunds":            (OK, OK, DENIED, OK, DENIED, DENIED, DENIED),
    "POST /orders/{order_id}/returns":            (OK, OK, DENIED, OK, DENIED, DENIED, DENIED),
}  # fmt: skip

PAGES: dict[str, tuple[str, ...]] = {
    "GET orders:customer":  (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
    "GET orders:detail":    (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
    "GET orders:products":  (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "POST orders:status":   (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, UNSEEN),
    "POST orders:refund":   (LOGIN, REDIRECT, REDIRECT, DENIED, REDIRECT, DENIED, DENIED, DENIED),
}  # fmt: skip
PAGE_NAMESPACES = ("orders",)

_serial = count(1)
LINE = {"name": "矩阵测试商品", "qty": 1, "unit_price": "100.00"}


def _values(world: World, actor: str, status: str = "paid") -> dict[str, Any]:
    return {
        "customer_id": str(world.target(actor).pk),
        "source": "matrix",
        "external_id": f"M-{next(_serial)}",
        "channel": "store",
        "store": "北京朝阳大悦城店",
        "placed_at": "2026-03-01T10:00:00+08:00",
        "status": status,
        "lines": [LINE],
    }


def fresh_order(world: World, actor: str, status: str = "paid") -> Order:
    """An order of the actor's target customer, made by the admin."""
    order = place_order(actor=world.users["admin"], values=_values(world, actor))
    if status != "paid":
        change_status(actor=world.users["admin"], order_id=order.pk, status=status)
    return order


def standing_order(world: World, actor: str) -> Order:
    """One order per target customer, kept for the reads."""
    key = f"order:{world.target(actor).pk}"
    if key not in world.made:
        world.made[key] = fresh_order(world, actor)
    order: Order = world.made[key]
    return order


def _product(world: World) -> Product:
    if "product" not in world.made:
        world.made["product"] = create_product(
            actor=world.users["admin"], sku="MATRIX-1", name="矩阵商品", price="9.90"
        )
    product: Product = world.made["product"]
    return product


def _pending(world: World, actor: str) -> Order:
    order = place_order(actor=world.users["admin"], values=_values(world, actor, "pending"))
    return order


API_CALLS: dict[str, Any] = {
    "GET /products": lambda w, a: ("/products?q=矩阵", None),
    "POST /products": lambda w, a: (
        "/products",
        {"sku": f"MX-{next(_serial)}", "name": "矩阵新商品", "price": "19.90"},
    ),
    "PATCH /products/{product_id}": lambda w, a: (
        f"/products/{_product(w).pk}",
        {"price": "12.00"},
    ),
    "POST /orders": lambda w, a: ("/orders", _values(w, a)),
    "POST /orders/bulk": lambda w, a: ("/orders/bulk", {"orders": [_values(w, a)]}),
    "GET /orders/{order_id}": lambda w, a: (f"/orders/{standing_order(w, a).pk}", None),
    "GET /orders/customers/{customer_id}": lambda w, a: (
        f"/orders/customers/{w.target(a).pk}",
        None,
    ),
    "POST /orders/customers/{customer_id}/external-ids": lambda w, a: (
        f"/orders/customers/{w.target(a).pk}/external-ids",
        {"source": "matrix", "external_id": f"VIP-{next(_serial)}"},
    ),
    "POST /orders/{order_id}/status": lambda w, a: (
        f"/orders/{_pending(w, a).pk}/status",
        {"status": "paid"},
    ),
    "POST /orders/{order_id}/refunds": lambda w, a: (
        f"/orders/{fresh_order(w, a).pk}/refunds",
        {"amount": "10.00", "reason": "damaged"},
    ),
    "POST /orders/{order_id}/returns": lambda w, a: (
        f"/orders/{fresh_order(w, a, 'shipped').pk}/returns",
        {},
    ),
}


def _status_page(world: World, actor: str) -> PageCall:
    order = _pending(world, actor)
    url = reverse("orders:status", args=[order.pk])
    return PageCall(
        url, {"status": "paid"}, lambda: Order.objects.get(pk=order.pk).status == "paid"
    )


def _refund_page(world: World, actor: str) -> PageCall:
    order = fresh_order(world, actor)
    url = reverse("orders:refund", args=[order.pk])
    done = lambda: Order.objects.get(pk=order.pk).refunded > 0  # noqa: E731
    return PageCall(url, {"amount": "10.00", "reason": "damaged"}, done)


PAGE_CALLS: dict[str, PageBuilder] = {
    "GET orders:customer": lambda w, a: PageCall(reverse("orders:customer", args=[w.target(a).pk])),
    "GET orders:detail": lambda w, a: PageCall(
        reverse("orders:detail", args=[standing_order(w, a).pk])
    ),
    "GET orders:products": lambda w, a: PageCall(reverse("orders:products")),
    "POST orders:status": _status_page,
    "POST orders:refund": _refund_page,
}
