"""API shapes of the 360 view: a customer's timeline and key figures. Explicit fields only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class TimelineKindOut(Schema):
    key: str
    label: str


class TimelineEntryOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(..., description="The kind's name; its key when no app registers it.")
    object_id: str
    occurred_at: datetime
    summary: dict[str, Any] = Field(..., description="Non-personal facts (status, amount …).")


class TimelinePageOut(Schema):
    items: list[TimelineEntryOut]
    next_cursor: str | None
    kinds: list[TimelineKindOut] = Field(
        ..., description="The kinds this customer's timeline shows (its template's scenario)."
    )


class FiguresOut(Schema):
    customer_id: str
    currency: str
    order_count: int
    total_spend: str
    average_order_value: str | None
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None
    return_count: int
    refund_total: str
    complaint_count: int
    open_tickets: int
    last_interaction_at: datetime | None
    average_csat: str | None
    csat_count: int
    last_nps: int | None
    last_nps_at: datetime | None
