"""API shapes of campaigns. Explicit fields only; the services decide the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema

from dossier.campaigns.models import CHANNEL_CHOICES, Campaign, CampaignMember
from dossier.core.schemas import FILLED, TEXT, IsoDateTime, OneOf, RecordId

Channel = Annotated[str, OneOf([value for value, _label in CHANNEL_CHOICES], checked=True)]
CampaignStatus = Annotated[str, OneOf(Campaign.Status.values, checked=True)]
MemberStatus = Annotated[str, OneOf(CampaignMember.Status.values, checked=True)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=FILLED)]
Description = Annotated[str, Field(max_length=2000, pattern=TEXT)]
PurposeKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")]


class Counts(Schema):
    invited: int
    responded: int
    converted: int
    total: int


class CampaignIn(Schema):
    name: Name
    channel: Channel
    purpose: PurposeKey = Field(
        "marketing", description="A consent purpose recorded per channel (see /consent/purposes)."
    )
    description: Description = ""
    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime | None = Field(None, description="Not before `starts_at`.")


class CampaignPatch(Schema):
    name: Name | None = None
    description: Description | None = None
    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime | None = None
    status: CampaignStatus | None = Field(
        None, description="draft → running → finished (or draft → finished)."
    )


class CampaignOut(Schema):
    id: int
    name: str
    description: str
    channel: str
    purpose: str
    status: str
    starts_at: datetime | None
    ends_at: datetime | None
    owner: str | None
    created_at: datetime
    counts: Counts


class CampaignDetailOut(CampaignOut):
    reachable: int = Field(
        ..., description="Members the campaign may still contact (consent on record, no objection)."
    )


class CampaignPageOut(Schema):
    items: list[CampaignOut]
    next_cursor: int | None


class MembersIn(Schema):
    tag_id: RecordId | None = Field(None, description="Add the tag's customers you may see.")
    customer_ids: list[UUID] | None = Field(None, max_length=1000)


class SkippedOut(Schema):
    customer_id: str
    reason: str = Field(..., description="`not_found`, `erased`, `restricted` or `no_consent`.")


class AddReportOut(Schema):
    added: int
    already_members: int
    skipped: dict[str, int] = Field(..., description="How many were left out, per reason.")
    left_out: list[SkippedOut] = Field(..., description="Who was left out (the first 1,000).")


class MemberPatch(Schema):
    status: MemberStatus
    order_ref: Annotated[str, Field(max_length=64, pattern=TEXT)] = Field(
        "", description="The order a conversion led to (its number in the shop or orders app)."
    )


class MemberOut(Schema):
    id: int
    customer_id: str
    customer_name: str
    status: str
    invited_at: datetime
    responded_at: datetime | None
    converted_at: datetime | None
    order_ref: str
    contactable: bool = Field(
        ..., description="Whether the campaign may still contact them (consent still given)."
    )


class MemberPageOut(Schema):
    items: list[MemberOut]
    next_cursor: int | None
