"""API shapes of service tickets. Explicit fields only; no rules here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema

from dossier.core.schemas import FILLED, TEXT, OneOf, documented
from dossier.tickets import sla, transitions

Status = Annotated[str, OneOf(transitions.STATUSES)]
Priority = Annotated[str, OneOf(sla.PRIORITIES)]


class TransitionOut(Schema):
    from_status: str | None
    to_status: str
    by: str | None
    at: datetime
    note: str | None = Field(..., description="null when you may not see personal data.")


class TicketSummaryOut(Schema):
    id: int
    customer_id: UUID
    subject: str | None = Field(..., description="null when you may not see personal data.")
    masked: list[str] = Field(..., description="The fields held back from you.")
    status: str
    priority: str
    due_at: datetime
    overdue: bool = Field(..., description="Still open after its SLA due time.")
    assignee: str | None
    product_ref: str
    order_ref: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    next_states: list[str] = Field(..., description="The states it may move to now.")


class TicketOut(TicketSummaryOut):
    description: str | None = Field(
        ..., description="The customer's account; null when you may not see personal data."
    )
    history: list[TransitionOut]


class TicketPageOut(Schema):
    items: list[TicketSummaryOut]
    next_cursor: str | None


class TicketIn(Schema):
    customer_id: UUID
    subject: str = Field(..., json_schema_extra=documented(maxLength=200, pattern=FILLED))
    description: str = Field("", json_schema_extra=documented(maxLength=5000, pattern=TEXT))
    priority: Priority = sla.NORMAL
    assignee: str | None = Field(None, description="User name of the colleague to work on it.")
    product_ref: str = Field("", json_schema_extra=documented(maxLength=64, pattern=TEXT))
    order_ref: str = Field("", json_schema_extra=documented(maxLength=64, pattern=TEXT))


class TransitionIn(Schema):
    to: Status
    note: str = Field("", json_schema_extra=documented(maxLength=2000, pattern=TEXT))
    from_status: Status | None = Field(
        None, description="The state you saw; 409 if the ticket has moved on since."
    )


class AssignIn(Schema):
    assignee: str = Field(..., description="User name of the colleague to work on it.")
