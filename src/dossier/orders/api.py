"""REST endpoints for products and orders (thin: parse, call a service or selector, return)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpResponse
from django.utils.translation import get_language
from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, RecordId
from dossier.orders import selectors, services
from dossier.orders.bodies import BULK, ORDER, read_body, request_body
from dossier.orders.models import Order, Refund
from dossier.orders.responses import CONTENT_TYPE, bulk_json
from dossier.orders.schemas import (
    BulkOut,
    ExternalIdIn,
    ExternalIdOut,
    OrderOut,
    OrderPageOut,
    ProductIn,
    ProductOut,
    ProductPageOut,
    ProductPatch,
    RefundIn,
    RefundOut,
    ReturnIn,
    StatusIn,
)

router = Router(tags=["orders"])
products_router = Router(tags=["products"])


def _refund_out(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.pk,
        "order_id": str(refund.order_id),
        "line_id": refund.line_id,
        "amount": refund.amount,
        "reason": refund.reason,
        "created_at": refund.created_at,
        "created_by": refund.created_by.get_username() if refund.created_by else None,
    }


def _order_out(order: Order) -> dict[str, Any]:
    lines = selectors.lines_of(order)
    return {
        "id": str(order.pk),
        "customer_id": str(order.customer_id),
        "source": order.source,
        "external_id": order.external_id,
        "channel": order.channel,
        "store": order.store,
        "placed_at": order.placed_at,
        "status": order.status,
        "discount": order.discount,
        "total": order.total,
        "refunded": order.refunded,
        "item_count": order.item_count,
        "currency": order.currency,
        "payment_method": order.payment_method,
        "campaign": order.campaign,
        "lines": [
            {
                "id": line.pk,
                "position": line.position,
                "sku": line.sku,
                "name": line.name,
                "product_id": line.product_id,
                "qty": line.qty,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "line_total": line.line_total,
                "returned_qty": line.returned_qty,
                "refunded": line.refunded,
            }
            for line in lines
        ],
        "refunds": [_refund_out(r) for r in getattr(order, "_refunds", None) or []],
    }


def _full(request: ApiRequest, order: Order) -> dict[str, Any]:
    return _order_out(selectors.get_order(actor=request.user, order_id=order.pk))


# ---- products ---------------------------------------------------------------------------------


@products_router.get("", response={200: ProductPageOut, **ERRORS})
def list_products(
    request: ApiRequest,
    q: str = "",
    category: str = "",
    active: bool | None = None,
    cursor: str = "",
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """The catalogue by SKU; `q` finds part of a SKU, name or brand. Every signed-in user."""
    page = selectors.product_list(
        actor=request.user, q=q, category=category, active=active, cursor=cursor, limit=limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@products_router.post("", response={201: ProductOut, **ERRORS})
def create_product(request: ApiRequest, payload: ProductIn) -> Any:
    """Add a product (admins and managers); a SKU already used answers 409."""
    return Status(201, services.create_product(actor=request.user, **payload.dict()))


@products_router.patch("/{product_id}", response={200: ProductOut, **ERRORS})
def update_product(request: ApiRequest, product_id: RecordId, payload: ProductPatch) -> Any:
    """Change some fields of a product (null: leave as is); orders keep the SKU and name they
    were placed with."""
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.update_product(actor=request.user, product_id=product_id, **changes)


# ---- orders -----------------------------------------------------------------------------------


@router.post(
    "",
    response={201: OrderOut, **ERRORS},
    openapi_extra=request_body(ORDER, "One order with its lines."),
)
def create_order(request: ApiRequest) -> Any:
    """Record one order with its lines. Totals are worked out from the lines; a `total` or
    `line_total` sent that disagrees is refused (422 naming it). An order whose (source,
    external_id) is stored already answers 409; a customer you cannot reach, 404."""
    values = read_body(request, ORDER)
    order = services.place_order(actor=request.user, values=values)
    return Status(201, _full(request, order))


@router.post(
    "/bulk",
    response={200: BulkOut, **ERRORS},
    openapi_extra=request_body(BULK, "Up to 1,000 orders, lines included."),
)
def sync_orders(request: ApiRequest) -> Any:
    """Sync up to 1,000 orders (lines included) in one call, idempotent by (source, external_id).

    Each order is checked on its own and gets a result at its index: `created`; `unchanged`
    when it is stored already with the same status; `updated` when it is stored and its
    status moved along a legal transition (its lines and amounts stay as first stored); or
    `error` with the errors naming the field and the reason. **Valid orders are stored even
    when others in the call fail**, so a retry of the whole call is always safe. The call
    itself is refused only when it is not shaped as documented (a value of the wrong JSON
    type, more than 1,000 orders) or you may not record orders.
    """
    body = read_body(request, BULK)
    result = services.sync_orders(actor=request.user, orders=body["orders"])
    return HttpResponse(bulk_json(result, get_language()), content_type=CONTENT_TYPE)


@router.get("/customers/{customer_id}", response={200: OrderPageOut, **ERRORS})
def customer_orders(
    request: ApiRequest,
    customer_id: UUID,
    cursor: str = "",
    limit: int = Query(20, ge=1, le=200),
) -> Any:
    """A customer's orders, newest first, with their lines; `next_cursor` pages on."""
    page = selectors.customer_orders(
        actor=request.user, customer_id=customer_id, cursor=cursor or None, limit=limit
    )
    return {"items": [_order_out(o) for o in page.items], "next_cursor": page.next_cursor}


@router.post("/customers/{customer_id}/external-ids", response={201: ExternalIdOut, **ERRORS})
def attach_external_id(request: ApiRequest, customer_id: UUID, payload: ExternalIdIn) -> Any:
    """Record the customer's id in another system, so orders can name them by it."""
    row = services.attach_external_id(
        actor=request.user,
        customer_id=customer_id,
        source=payload.source,
        external_id=payload.external_id,
    )
    return Status(
        201,
        {"customer_id": str(row.customer_id), "source": row.source, "external_id": row.external_id},
    )


@router.get("/{order_id}", response={200: OrderOut, **ERRORS})
def get_order(request: ApiRequest, order_id: UUID) -> Any:
    """One order with its lines and refunds."""
    return _order_out(selectors.get_order(actor=request.user, order_id=order_id))


@router.post("/{order_id}/status", response={200: OrderOut, **ERRORS})
def change_status(request: ApiRequest, order_id: UUID, payload: StatusIn) -> Any:
    """Move an order along its lifecycle; an illegal move is 422 naming both statuses."""
    order = services.change_status(actor=request.user, order_id=order_id, status=payload.status)
    return _full(request, order)


@router.post("/{order_id}/refunds", response={201: RefundOut, **ERRORS})
def refund(request: ApiRequest, order_id: UUID, payload: RefundIn) -> Any:
    """Pay money back on the order or one line; more than is left to refund is 422, naming
    the amount paid, refunded before and still refundable."""
    made = services.refund_order(
        actor=request.user,
        order_id=order_id,
        amount=payload.amount,
        reason=payload.reason,
        line_id=payload.line_id,
    )
    return Status(201, _refund_out(made))


@router.post("/{order_id}/returns", response={200: OrderOut, **ERRORS})
def take_return(request: ApiRequest, order_id: UUID, payload: ReturnIn) -> Any:
    """Take items back (some lines, or the whole order). Money goes back by a refund."""
    lines = None if payload.lines is None else [line.dict() for line in payload.lines]
    order = services.return_items(actor=request.user, order_id=order_id, lines=lines)
    return _full(request, order)
