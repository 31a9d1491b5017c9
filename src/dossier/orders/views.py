"""Order pages: a customer's orders (a partial for the 360 page), one order, the catalogue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.core.errors import ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.customers.access import may
from dossier.orders import selectors, services
from dossier.orders.checks import STATUSES, TRANSITIONS
from dossier.orders.models import Refund
from dossier.orders.services.changes import REFUNDABLE
from dossier.orders.services.common import CHANGE, REFUND

_shows_errors = shows_errors("customers/error.html", nav="customers")


@require_GET
@_shows_errors
def customer_orders(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """A customer's orders, newest first; htmx asks for the list alone (the 360 page)."""
    cursor = query_text(request, "cursor") or None
    try:
        page = selectors.customer_orders(actor=request.user, customer_id=customer_id, cursor=cursor)
    except ValidationFailed:  # a cursor edited by hand: start again from the newest
        page = selectors.customer_orders(actor=request.user, customer_id=customer_id)
    context = {"nav": "customers", "page": page, "customer": page.customer}
    partial = request.headers.get("HX-Request") == "true"
    name = "orders/_customer_orders.html" if partial else "orders/customer_orders.html"
    return render(request, name, context)


def _detail(
    request: AuthenticatedRequest, order_id: Any, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    order = selectors.get_order(actor=request.user, order_id=order_id)
    may_change = may(request.user, CHANGE)
    next_statuses = [s for s in STATUSES if s in TRANSITIONS[order.status]] if may_change else []
    if not may(request.user, REFUND):
        next_statuses = [s for s in next_statuses if s not in ("returned", "refunded")]
    context = {
        "nav": "customers",
        "order": order,
        "lines": selectors.lines_of(order),
        "refunds": selectors.refunds_of(order),
        "next_statuses": next_statuses,
        "may_refund": may(request.user, REFUND) and order.status in REFUNDABLE,
        "reasons": [(v, label) for v, label in Refund.Reason.choices if v != "order_refunded"],
        "errors": errors or [],
        "form": request.POST if errors else {},
    }
    return render(request, "orders/detail.html", context, status=status)


@require_GET
@_shows_errors
def order_detail(request: AuthenticatedRequest, order_id: Any) -> HttpResponse:
    """One order: its lines, refunds and, for those who may, its next steps."""
    return _detail(request, order_id)


def _messages(error: ValidationFailed) -> list[str]:
    language = get_language() or "zh-hans"
    return [err.message(language) for err in error.errors] or [str(error.message)]


@require_POST
@_shows_errors
def change_status(request: AuthenticatedRequest, order_id: Any) -> HttpResponse:
    try:
        services.change_status(
            actor=request.user, order_id=order_id, status=request.POST.get("status", "")
        )
    except ValidationFailed as error:
        return _detail(request, order_id, _messages(error), status=422)
    messages.success(request, _("The order's status was changed."))
    return redirect("orders:detail", order_id=order_id)


@require_POST
@_shows_errors
def refund(request: AuthenticatedRequest, order_id: Any) -> HttpResponse:
    try:
        services.refund_order(
            actor=request.user,
            order_id=order_id,
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            line_id=request.POST.get("line_id") or None,
        )
    except ValidationFailed as error:
        return _detail(request, order_id, _messages(error), status=422)
    messages.success(request, _("The refund was recorded."))
    return redirect("orders:detail", order_id=order_id)


@require_GET
@_shows_errors
def products(request: AuthenticatedRequest) -> HttpResponse:
    """The catalogue, searchable by SKU, name or brand."""
    q = query_text(request, "q")
    category = query_text(request, "category", limit=50)
    page = selectors.product_list(
        actor=request.user, q=q, category=category, cursor=query_text(request, "cursor") or None
    )
    context = {
        "nav": "products",
        "page": page,
        "q": q,
        "category": category,
        "categories": selectors.categories(),
    }
    return render(request, "orders/products.html", context)
