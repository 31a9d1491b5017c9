"""API shapes of the pipeline. Explicit fields only; the services decide the rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator

from dossier.core.schemas import FILLED, TEXT, IsoDate, RecordId, not_a_boolean

#: an amount written as digits with at most two decimals ("12800.00"), never negative
AMOUNT = r"^\d{1,12}(\.\d{1,2})?$"
Amount = Annotated[str, Field(pattern=AMOUNT, description="e.g. 12800.00")]
Currency = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$", description="ISO 4217, e.g. CNY")]
# the bounds first: after a validator they would reach the document as "ge"/"le", not read
Percent = Annotated[int, Field(ge=0, le=100), BeforeValidator(not_a_boolean)]
Title = Annotated[str, Field(min_length=1, max_length=200, pattern=FILLED)]
Note = Annotated[str, Field(max_length=2000, pattern=TEXT)]
UserName = Annotated[str, Field(min_length=1, max_length=150, pattern=FILLED)]


class StageOut(Schema):
    id: int
    scenario: str
    key: str
    name_zh: str
    name_en: str
    position: int
    probability: int
    kind: str = Field(..., description="`open`, `won` or `lost`.")


class StagePatch(Schema):
    name_zh: Annotated[str, Field(min_length=1, max_length=50, pattern=FILLED)] | None = None
    name_en: Annotated[str, Field(max_length=50, pattern=TEXT)] | None = None
    position: Annotated[int, Field(ge=0, le=1000), BeforeValidator(not_a_boolean)] | None = None
    probability: Percent | None = None


class OpportunityIn(Schema):
    customer_id: UUID
    title: Title
    amount: Amount = "0"
    currency: Currency = "CNY"
    stage_id: RecordId | None = Field(
        None, description="A stage of the customer's scenario; default: its first open stage."
    )
    probability: Percent | None = Field(None, description="Default: the stage's.")
    expected_close: IsoDate | None = None
    next_step: Note = ""
    owner: UserName | None = Field(None, description="User name; default: you.")
    won_reason: Note = Field("", description="Needed when the stage is a won stage.")
    lost_reason: Note = Field("", description="Needed when the stage is a lost stage.")


class OpportunityPatch(Schema):
    title: Title | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    probability: Percent | None = None
    expected_close: IsoDate | None = None
    next_step: Note | None = None
    owner: UserName | None = None


class MoveIn(Schema):
    stage_id: RecordId
    won_reason: Note = Field("", description="Needed when moving to a won stage.")
    lost_reason: Note = Field("", description="Needed when moving to a lost stage.")
    probability: Percent | None = Field(None, description="Default: the new stage's.")


class OpportunityOut(Schema):
    id: int
    customer_id: str
    customer_name: str
    title: str
    amount: str
    currency: str
    stage: StageOut
    probability: int
    expected_close: date | None
    next_step: str
    owner: str | None
    won_reason: str
    lost_reason: str
    stage_changed_at: datetime
    last_activity_at: datetime
    closed_at: datetime | None
    created_at: datetime


class OpportunityPageOut(Schema):
    items: list[OpportunityOut]
    next_cursor: int | None
