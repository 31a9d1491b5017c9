"""API shapes of the consent ledger. Explicit fields only; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class PurposeOut(Schema):
    key: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    sensitive_data: bool = Field(
        ..., description="Separate consent for sensitive personal information (PIPL art. 29)."
    )
    requires_double_opt_in: bool = Field(
        ..., description="Grants from a web form or the API must be confirmed with a code."
    )
    per_channel: bool = Field(..., description="Recorded per channel; otherwise on `any`.")
    channels: list[str]


class StateOut(Schema):
    purpose: str
    purpose_name: str
    channel: str
    status: str = Field(..., description="`granted`, `withdrawn` or `none` (nothing recorded).")
    since: datetime | None
    source: str
    notice_version: str
    pending: bool = Field(..., description="A double opt-in code is out, unused and unexpired.")


class EventOut(Schema):
    id: int
    purpose: str
    purpose_name: str
    channel: str
    action: str = Field(..., description="`requested`, `granted` or `withdrawn`.")
    source: str
    notice_version: str
    evidence: dict[str, Any]
    actor: str | None
    created_at: datetime


class CustomerConsentOut(Schema):
    customer_id: str
    status: list[StateOut]
    history: list[EventOut]


class EvidenceIn(Schema):
    ip: str | None = Field(None, max_length=64, description="The customer's IP address.")
    user_agent: str | None = Field(None, max_length=1000)
    reference: str | None = Field(
        None, max_length=1000, description="Your reference: form submission, signed paper …"
    )


class GrantIn(Schema):
    purpose: str = Field(..., max_length=64, description="A purpose key (GET /consent/purposes).")
    channel: str = Field(
        "",
        max_length=32,
        description="email, sms, phone, wechat or post; `any` (or empty) for purposes that "
        "are not per channel.",
    )
    source: str = Field(
        "api", max_length=32, description="form, import, api, self_service or staff."
    )
    notice_version: str = Field(
        ..., max_length=200, description="The privacy notice the customer was shown."
    )
    evidence: EvidenceIn | None = None


class WithdrawIn(GrantIn):
    notice_version: str = Field("", max_length=200)


class DoubleOptInIn(Schema):
    purpose: str = Field(..., max_length=64)
    channel: str = Field("", max_length=32)
    notice_version: str = Field(..., max_length=200)
    deliver_via: str = Field(
        "", max_length=16, description="`sms` or `email`; by default the channel itself."
    )
    evidence: EvidenceIn | None = None


class ConsentRequestOut(Schema):
    confirmation_id: int
    event_id: int
    deliver_via: str
    expires_at: datetime


class ConfirmIn(Schema):
    code: str = Field(..., max_length=64, description="The code the customer received.")
    evidence: EvidenceIn | None = None
