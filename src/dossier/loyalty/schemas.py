"""API shapes of the loyalty programme. Explicit fields only; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema

from dossier.core.schemas import FILLED, TEXT, IsoDateTime, OneOf, documented, not_a_boolean
from dossier.loyalty.errors import MAX_POINTS
from dossier.loyalty.models import STAFF_REASONS, CouponCampaign
from dossier.loyalty.services.coupons import MAX_ISSUE
from dossier.orders.schemas import Amount

Points = Annotated[int, BeforeValidator(not_a_boolean)]
#: points per unit spent: 0 to 1000, at most four decimals
Rate = Annotated[
    str | int | float,
    BeforeValidator(not_a_boolean),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^(1000(\.0{1,4})?|\d{1,3}(\.\d{1,4})?)$"},
                {"type": "number", "minimum": 0, "maximum": 1000, "multipleOf": 0.0001},
            ]
        }
    ),
]
Note = Annotated[str, Field("", json_schema_extra=documented(maxLength=500, pattern=TEXT))]


class RedeemIn(Schema):
    points: Points = Field(
        ...,
        description="Points to spend: a whole number above zero.",
        json_schema_extra=documented(minimum=1, maximum=MAX_POINTS),
    )
    reason: Annotated[str, OneOf(STAFF_REASONS["redeem"])] = "discount"
    note: Note = ""
    order_id: UUID | None = Field(None, description="The customer's order they were spent on.")


class AdjustIn(Schema):
    points: Points = Field(
        ...,
        description="Points to add (above zero) or take away (below).",
        json_schema_extra=documented(
            minimum=-MAX_POINTS, maximum=MAX_POINTS, **{"not": {"const": 0}}
        ),
    )
    reason: Annotated[str, OneOf(STAFF_REASONS["adjust"])]
    note: Note = ""


class EntryOut(Schema):
    id: int
    kind: str
    points: int
    reason: str
    order_id: str | None
    expires_at: datetime | None
    created_at: datetime
    created_by: str | None


class TierOut(Schema):
    name: str
    min_points: int


class BalanceOut(Schema):
    customer_id: str
    balance: int
    expiring_soon: int = Field(..., description="Points that lapse within 30 days unless spent.")
    earned_12_months: int
    tier: TierOut | None


class CampaignIn(Schema):
    name: str = Field(..., json_schema_extra=documented(maxLength=200, pattern=FILLED))
    kind: Annotated[str, OneOf(CouponCampaign.Kind.values)]
    value: Amount = Field(..., description="Amount off, or percent off (at most 100); above 0.")
    min_spend: Amount = "0"
    valid_from: IsoDateTime
    valid_until: IsoDateTime = Field(..., description="After `valid_from`.")


class CampaignOut(Schema):
    id: int
    name: str
    kind: str
    value: Decimal
    min_spend: Decimal
    valid_from: datetime
    valid_until: datetime
    issued: int
    redeemed: int


class IssueIn(Schema):
    customer_ids: list[UUID] = Field(..., max_length=MAX_ISSUE)


class IssueOut(Schema):
    issued: int
    already: int = Field(..., description="Customers who held a coupon of this campaign.")
    skipped: int = Field(..., description="Unknown, out of reach, or not to be marketed to.")


class CouponOut(Schema):
    id: int
    code: str
    campaign_id: int
    campaign: str
    kind: str
    value: Decimal
    min_spend: Decimal
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    redeemed_at: datetime | None
    order_id: str | None


class RedeemCouponIn(Schema):
    customer_id: UUID
    code: str = Field(..., json_schema_extra=documented(maxLength=32))
    order_id: UUID | None = None


class ProgrammeOut(Schema):
    active: bool
    points_per_unit: Decimal
    validity_months: int
    earn_from: datetime | None


class ProgrammePatch(Schema):
    active: bool | None = None
    points_per_unit: Rate | None = Field(None, description="Points per unit spent (0 to 1000).")
    validity_months: int | None = Field(None, json_schema_extra=documented(minimum=1, maximum=120))
    earn_from: IsoDateTime | None = Field(None, description="Orders placed before do not earn.")


class TierIn(Schema):
    name: str = Field(..., json_schema_extra=documented(maxLength=50, pattern=FILLED))
    min_points: int = Field(..., json_schema_extra=documented(minimum=0, maximum=MAX_POINTS))


class TiersIn(Schema):
    tiers: list[TierIn] = Field(..., max_length=50, description="Names and thresholds unique.")
