"""API shapes of interactions. Explicit fields only; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator

from dossier.core.schemas import TEXT, IsoDateTime, OneOf, documented, not_a_boolean
from dossier.interactions.models import Channel, Direction, Outcome
from dossier.interactions.services import MAX_DURATION, MAX_NEXT_STEP, MAX_NOTES, MAX_SUBJECT

ChannelName = Annotated[str, OneOf(Channel.values)]
DirectionName = Annotated[str, OneOf(Direction.values)]
OutcomeName = Annotated[str, OneOf(("", *Outcome.values))]
Seconds = Annotated[
    int,
    BeforeValidator(not_a_boolean),
    Field(json_schema_extra=documented(minimum=0, maximum=MAX_DURATION)),
]
SUBJECT = documented(maxLength=MAX_SUBJECT, pattern=TEXT)
NOTES = documented(maxLength=MAX_NOTES, pattern=TEXT)
NEXT_STEP = documented(maxLength=MAX_NEXT_STEP, pattern=TEXT)
WHEN = "When it happened (default: now); up to ten years back, not in the future."


class InteractionIn(Schema):
    customer_id: UUID
    channel: ChannelName = Field(..., description="`note` is an internal note.")
    direction: DirectionName = Field(..., description="`internal` for notes among staff.")
    occurred_at: IsoDateTime | None = Field(None, description=WHEN)
    duration_seconds: Seconds | None = None
    subject: str = Field("", json_schema_extra=SUBJECT)
    notes: str = Field("", json_schema_extra=NOTES, description="Encrypted at rest.")
    outcome: OutcomeName = ""
    next_step: str = Field("", json_schema_extra=NEXT_STEP)


class InteractionPatch(Schema):
    """Only the fields sent (not null) change."""

    channel: ChannelName | None = None
    direction: DirectionName | None = None
    occurred_at: IsoDateTime | None = Field(None, description=WHEN)
    duration_seconds: Seconds | None = None
    subject: str | None = Field(None, json_schema_extra=SUBJECT)
    notes: str | None = Field(None, json_schema_extra=NOTES)
    outcome: OutcomeName | None = None
    next_step: str | None = Field(None, json_schema_extra=NEXT_STEP)


class InteractionOut(Schema):
    id: int
    customer_id: str
    channel: str
    direction: str
    occurred_at: datetime
    duration_seconds: int | None
    subject: str
    notes: str
    outcome: str
    next_step: str
    staff: str | None = Field(..., description="User name of who logged it.")
    created_at: datetime
    updated_at: datetime


class InteractionPageOut(Schema):
    items: list[InteractionOut]
    next_cursor: str | None
