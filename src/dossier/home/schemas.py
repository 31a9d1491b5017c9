"""API shapes of the global search. Explicit fields only; no rules here."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class CustomerFound(Schema):
    id: UUID
    name: str = Field(..., description="The name as you may see it (masked otherwise).")
    company: str
    template: str
    found_by_lookup: bool = Field(
        ..., description="Found by an exact identifier beyond your own customers (audited)."
    )


class OrderFound(Schema):
    id: UUID
    source: str
    number: str = Field(..., description="The order's number in its source system.")
    status: str
    placed_at: datetime
    customer_id: UUID
    customer: str = Field(..., description="The customer's name as you may see it.")


class TicketFound(Schema):
    id: int
    status: str
    due_at: datetime
    customer_id: UUID
    customer: str = Field(..., description="The customer's name as you may see it.")


class SearchOut(Schema):
    q: str = Field(..., description="The query as searched (trimmed, control characters out).")
    customers: list[CustomerFound]
    orders: list[OrderFound]
    tickets: list[TicketFound]
