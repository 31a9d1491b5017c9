"""API shapes of products and orders. Explicit fields only; the rules live in the services.

An order's fields are declared by their JSON type only and their rules are written in the
descriptions: a bulk sync checks every order on its own and reports each order's errors
in its result (the call still succeeds), so a rule stated as JSON Schema would promise a
refusal of the whole call that never comes. A value of the wrong JSON type (text for a
number) is a malformed call and is refused whole (422).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, WithJsonSchema
from typing_extensions import TypedDict

from dossier.core.schemas import FILLED, TEXT, OneOf, documented, not_a_boolean
from dossier.orders.checks import CHANNELS, MAX_LINES, PAYMENTS, STATUSES
from dossier.orders.models import Refund
from dossier.orders.services import MAX_ORDERS

#: an amount: JSON text ("99.50") or a number; at least 0, at most two decimals
Money = Annotated[
    str | int | float,
    BeforeValidator(not_a_boolean),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}]}),
]
#: an amount where the whole call is refused for a wrong one: at least 0, at most two decimals
Amount = Annotated[
    str | int | float,
    BeforeValidator(not_a_boolean),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$"},
                {"type": "number", "minimum": 0, "maximum": 999999999999.99, "multipleOf": 0.01},
            ]
        }
    ),
]
Count = Annotated[int, BeforeValidator(not_a_boolean)]
REASONS = tuple(r for r in Refund.Reason.values if r != Refund.Reason.ORDER_REFUNDED)


class LineBody(TypedDict, total=False):
    """One line of an order as sent."""

    sku: Annotated[
        str | None,
        Field(
            description="The product's SKU. A SKU the catalogue does not know is kept as "
            "written (a free-text line) and then needs a `name`."
        ),
    ]
    name: Annotated[
        str | None,
        Field(description="At most 200 characters; default: the catalogue's name of the SKU."),
    ]
    qty: Annotated[Count | None, Field(description="Required: a whole number from 1.")]
    unit_price: Annotated[
        Money | None, Field(description="Required: at least 0, at most two decimals.")
    ]
    discount: Annotated[Money | None, Field(description="Taken off this line (default 0).")]
    line_total: Annotated[
        Money | None,
        Field(
            description="Optional: qty × unit_price − discount. When sent it must agree, or "
            "the order is refused naming `lines[i].line_total`."
        ),
    ]


class OrderBody(TypedDict, total=False):
    """One order as sent (to POST /orders, or as an item of POST /orders/bulk)."""

    source: Annotated[
        str | None,
        Field(description="Required: the system the order comes from (`pos`, `tmall` …)."),
    ]
    external_id: Annotated[
        str | None,
        Field(
            description="Required: the order's id in that system. (source, external_id) is "
            "unique: sending it again never stores a second order."
        ),
    ]
    customer_id: Annotated[str | None, Field(description="The customer's id in Dossier.")]
    customer_external_id: Annotated[
        str | None,
        Field(
            description="Or: the customer's id in another system (recorded with POST "
            "/orders/customers/{customer_id}/external-ids)."
        ),
    ]
    customer_source: Annotated[
        str | None,
        Field(description="The system `customer_external_id` belongs to (default: `source`)."),
    ]
    phone: Annotated[
        str | None,
        Field(
            description="Or: the customer's phone, matched exactly through the blind index "
            "(for those who may see personal data)."
        ),
    ]
    email: Annotated[str | None, Field(description="Or: the customer's e-mail, likewise.")]
    channel: Annotated[str | None, Field(description=f"Required: one of {', '.join(CHANNELS)}.")]
    store: Annotated[str | None, Field(description="The store's name (at most 100).")]
    placed_at: Annotated[
        str | None,
        Field(
            description="Required: ISO 8601 date and time; without an offset it is read in "
            "the server's time zone. Not in the future."
        ),
    ]
    status: Annotated[str | None, Field(description=f"Required: one of {', '.join(STATUSES)}.")]
    currency: Annotated[str | None, Field(description="Three capital letters (default CNY).")]
    payment_method: Annotated[
        str | None, Field(description=f"Optional: one of {', '.join(PAYMENTS)}.")
    ]
    campaign: Annotated[str | None, Field(description="The campaign's code (at most 50).")]
    discount: Annotated[Money | None, Field(description="Taken off the whole order (default 0).")]
    total: Annotated[
        Money | None,
        Field(
            description="Optional: the lines' totals less `discount`. When sent it must "
            "agree, or the order is refused naming `total`."
        ),
    ]
    lines: Annotated[
        list[LineBody] | None, Field(description=f"Required: from 1 to {MAX_LINES} lines.")
    ]


class BulkBody(TypedDict):
    orders: Annotated[list[OrderBody], Field(max_length=MAX_ORDERS)]


class OutcomeErrorOut(Schema):
    field: str
    code: str
    message: str


class OutcomeOut(Schema):
    index: int = Field(..., description="The order's place in the call, from 0.")
    source: str
    external_id: str
    result: str = Field(..., description="`created`, `updated`, `unchanged` or `error`.")
    id: str | None = Field(None, description="The stored order's id.")
    status: str = ""
    errors: list[OutcomeErrorOut]


class BulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    failed: int
    results: list[OutcomeOut]


class LineOut(Schema):
    id: int
    position: int
    sku: str
    name: str
    product_id: int | None
    qty: int
    unit_price: Decimal
    discount: Decimal
    line_total: Decimal
    returned_qty: int
    refunded: Decimal


class RefundOut(Schema):
    id: int
    order_id: str
    line_id: int | None
    amount: Decimal
    reason: str
    created_at: datetime
    created_by: str | None


class OrderOut(Schema):
    id: str
    customer_id: str
    source: str
    external_id: str
    channel: str
    store: str
    placed_at: datetime
    status: str
    discount: Decimal
    total: Decimal
    refunded: Decimal
    item_count: int
    currency: str
    payment_method: str
    campaign: str
    lines: list[LineOut]
    refunds: list[RefundOut]


class OrderPageOut(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class StatusIn(Schema):
    status: Annotated[str, OneOf(STATUSES)] = Field(
        ...,
        description="Forward through pending → paid → shipped → completed; returned after "
        "shipping; refunded once paid; cancelled while pending.",
    )


class RefundIn(Schema):
    amount: Amount = Field(..., description="More than 0; at most what is left to refund.")
    reason: Annotated[str, OneOf(REASONS)]
    line_id: int | None = Field(None, description="Refund one line (its id) instead.")


class ReturnLineIn(Schema):
    line_id: int
    qty: Count | None = Field(
        None,
        description="Default: every item of the line not yet returned.",
        json_schema_extra=documented(minimum=1),
    )


class ReturnIn(Schema):
    lines: list[ReturnLineIn] | None = Field(
        None, description="The lines to take back; none: the whole order.", max_length=MAX_LINES
    )


class ExternalIdIn(Schema):
    source: str = Field(..., max_length=50, json_schema_extra=documented(pattern=FILLED))
    external_id: str = Field(..., max_length=64, json_schema_extra=documented(pattern=FILLED))


class ExternalIdOut(Schema):
    customer_id: str
    source: str
    external_id: str


_FILLED = documented(pattern=FILLED)
_TEXT = documented(pattern=TEXT)


class ProductIn(Schema):
    sku: str = Field(..., max_length=64, json_schema_extra=_FILLED)
    name: str = Field(..., max_length=200, json_schema_extra=_FILLED)
    category: str = Field("", max_length=50, json_schema_extra=_TEXT)
    brand: str = Field("", max_length=50, json_schema_extra=_TEXT)
    price: Amount
    active: StrictBool = True


class ProductPatch(Schema):
    sku: str | None = Field(None, max_length=64, json_schema_extra=_FILLED)
    name: str | None = Field(None, max_length=200, json_schema_extra=_FILLED)
    category: str | None = Field(None, max_length=50, json_schema_extra=_TEXT)
    brand: str | None = Field(None, max_length=50, json_schema_extra=_TEXT)
    price: Amount | None = None
    active: StrictBool | None = None


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str
    brand: str
    price: Decimal
    active: bool


class ProductPageOut(Schema):
    items: list[ProductOut]
    next_cursor: str | None
