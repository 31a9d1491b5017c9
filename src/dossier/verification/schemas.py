"""API shapes of contact verification. Explicit fields only; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from dossier.core.schemas import MAX_ITEMS, OneOf


class FieldStateOut(Schema):
    field: str
    verified: bool
    verified_at: datetime | None
    method: str | None = Field(
        ..., description="`code`, `self_service`, `staff_call` or `import`; null if not verified."
    )
    has_value: bool = Field(..., description="Whether the customer has a value to verify.")


class StateOut(Schema):
    customer_id: str
    fields: list[FieldStateOut]
    required: list[str] = Field(
        ..., description="Fields the template requires verified before the customer is active."
    )
    active_ready: bool


class CodeSentOut(Schema):
    field: str
    via: str = Field(..., description="`sms` or `email`: where the code went.")
    expires_at: datetime


class ConfirmIn(Schema):
    code: str = Field(..., max_length=32, description="The code the customer read back.")


class RecordIn(Schema):
    method: Annotated[str, OneOf(("staff_call", "import"))] = Field(
        "staff_call", description="`staff_call` (the default) or `import`."
    )
    note: str = Field("", max_length=500, description="How it was verified (audited).")


class VerifiedOut(Schema):
    field: str
    verified_at: datetime
    method: str


class RequiredIn(Schema):
    fields: list[str] = Field(..., max_length=MAX_ITEMS)


class RequiredOut(Schema):
    template: str
    fields: list[str]


class UnverifiedOut(Schema):
    customer_id: str
    display_name: str
    template: str
    missing: list[str]
