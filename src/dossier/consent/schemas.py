"""API shapes of the consent ledger. Explicit fields only; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import WithJsonSchema

from dossier.consent.models import Channel, Source
from dossier.consent.services.double_opt_in import DELIVERY
from dossier.core.schemas import OneOf, documented

#: "" stands for "any" on purposes that are not recorded per channel
CHANNELS = ("", *Channel.values)
#: the sources a caller may record; "double_opt_in" is the confirmation's own
RECORDABLE_SOURCES = tuple(s for s in Source.values if s != Source.DOUBLE_OPT_IN)
#: a notice version: at most 50 characters, one of them not white space or control
NOTICE = documented(maxLength=50, pattern=r"[^\s\x00-\x1f\x7f-\x9f]")


#: an IP address or nothing (the consent service checks it)
IpAddress = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "ipv4"},
                {"type": "string", "format": "ipv6"},
                {"type": "string", "maxLength": 0},
            ]
        }
    ),
]


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
    ip: IpAddress | None = Field(None, max_length=64, description="The customer's IP address.")
    user_agent: str | None = Field(None, max_length=1000)
    reference: str | None = Field(
        None, max_length=1000, description="Your reference: form submission, signed paper …"
    )


class GrantIn(Schema):
    purpose: str = Field(..., max_length=64, description="A purpose key (GET /consent/purposes).")
    channel: Annotated[str, OneOf(CHANNELS)] = Field(
        "",
        description="email, sms, phone, wechat or post; `any` (or empty) for purposes that "
        "are not per channel.",
    )
    source: Annotated[str, OneOf(RECORDABLE_SOURCES)] = "api"
    notice_version: str = Field(
        ..., json_schema_extra=NOTICE, description="The privacy notice the customer was shown."
    )
    evidence: EvidenceIn | None = None


class WithdrawIn(GrantIn):
    notice_version: str = Field("", json_schema_extra=documented(maxLength=50))


class DoubleOptInIn(Schema):
    purpose: str = Field(..., max_length=64)
    channel: Annotated[str, OneOf(CHANNELS)] = ""
    notice_version: str = Field(..., json_schema_extra=NOTICE)
    deliver_via: Annotated[str, OneOf(("", *DELIVERY))] = Field(
        "", description="`sms` or `email`; by default the channel itself."
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
