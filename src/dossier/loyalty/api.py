"""REST endpoints of the loyalty programme (/api/v1/loyalty). Thin: parse, call, shape."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, RecordId
from dossier.loyalty import arithmetic, selectors, services
from dossier.loyalty.models import Coupon, CouponCampaign, PointsEntry
from dossier.loyalty.schemas import (
    AdjustIn,
    BalanceOut,
    CampaignIn,
    CampaignOut,
    CouponOut,
    EntryOut,
    IssueIn,
    IssueOut,
    ProgrammeOut,
    ProgrammePatch,
    RedeemCouponIn,
    RedeemIn,
    TierOut,
    TiersIn,
)

router = Router(tags=["loyalty"])


def _entry(entry: PointsEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "points": entry.points,
        "reason": entry.reason,
        "order_id": str(entry.order_id) if entry.order_id else None,
        "expires_at": entry.expires_at,
        "created_at": entry.created_at,
        "created_by": entry.created_by.get_username() if entry.created_by else None,
    }


def _campaign(campaign: CouponCampaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "kind": campaign.kind,
        "value": campaign.value,
        "min_spend": campaign.min_spend,
        "valid_from": campaign.valid_from,
        "valid_until": campaign.valid_until,
        "issued": getattr(campaign, "issued", 0),
        "redeemed": getattr(campaign, "redeemed", 0),
    }


def _coupon(coupon: Coupon) -> dict[str, Any]:
    campaign = coupon.campaign
    return {
        "id": coupon.pk,
        "code": arithmetic.display_code(coupon.code),
        "campaign_id": campaign.pk,
        "campaign": campaign.name,
        "kind": campaign.kind,
        "value": campaign.value,
        "min_spend": campaign.min_spend,
        "valid_from": campaign.valid_from,
        "valid_until": campaign.valid_until,
        "issued_at": coupon.issued_at,
        "redeemed_at": coupon.redeemed_at,
        "order_id": str(coupon.order_id) if coupon.order_id else None,
    }


@router.get("/customers/{customer_id}/points", response={200: BalanceOut, **ERRORS})
def points(request: ApiRequest, customer_id: UUID) -> Any:
    """A customer's points balance, points lapsing soon, and tier."""
    found = selectors.points_summary(actor=request.user, customer_id=customer_id)
    tier = found.tier
    return {
        "customer_id": str(found.customer_id),
        "balance": found.balance,
        "expiring_soon": found.expiring_soon,
        "earned_12_months": found.earned_12_months,
        "tier": {"name": tier.name, "min_points": tier.min_points} if tier else None,
    }


@router.get("/customers/{customer_id}/points/entries", response={200: list[EntryOut], **ERRORS})
def entries(
    request: ApiRequest,
    customer_id: UUID,
    before: RecordId | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """A customer's points ledger, newest first; `before`: entries older than that id."""
    found = selectors.points_entries(
        actor=request.user, customer_id=customer_id, before=before, limit=limit
    )
    return [_entry(entry) for entry in found]


@router.post("/customers/{customer_id}/points/redemptions", response={201: EntryOut, **ERRORS})
def redeem(request: ApiRequest, customer_id: UUID, payload: RedeemIn) -> Any:
    """Spend a customer's points, oldest first; more than the balance answers 409."""
    entry = services.redeem_points(actor=request.user, customer_id=customer_id, **payload.dict())
    return Status(201, _entry(entry))


@router.post("/customers/{customer_id}/points/adjustments", response={201: EntryOut, **ERRORS})
def adjust(request: ApiRequest, customer_id: UUID, payload: AdjustIn) -> Any:
    """Add or take away points by hand, with a reason (managers and administrators)."""
    entry = services.adjust_points(actor=request.user, customer_id=customer_id, **payload.dict())
    return Status(201, _entry(entry))


@router.get("/customers/{customer_id}/coupons", response={200: list[CouponOut], **ERRORS})
def coupons(request: ApiRequest, customer_id: UUID) -> Any:
    """A customer's coupons, newest first."""
    found = selectors.customer_coupons(actor=request.user, customer_id=customer_id)
    return [_coupon(coupon) for coupon in found]


@router.get("/coupon-campaigns", response={200: list[CampaignOut], **ERRORS})
def campaigns(request: ApiRequest) -> Any:
    """Every coupon campaign, with coupons issued and redeemed (counts only)."""
    return [_campaign(c) for c in selectors.coupon_campaigns(actor=request.user)]


@router.post("/coupon-campaigns", response={201: CampaignOut, **ERRORS})
def create_campaign(request: ApiRequest, payload: CampaignIn) -> Any:
    """A new coupon campaign (marketing, managers, administrators)."""
    made = services.create_coupon_campaign(actor=request.user, **payload.dict())
    return Status(201, _campaign(made))


@router.get("/coupon-campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS})
def campaign(request: ApiRequest, campaign_id: RecordId) -> Any:
    """One coupon campaign with its counts."""
    return _campaign(selectors.coupon_campaign(actor=request.user, campaign_id=campaign_id))


@router.post("/coupon-campaigns/{campaign_id}/coupons", response={200: IssueOut, **ERRORS})
def issue(request: ApiRequest, campaign_id: RecordId, payload: IssueIn) -> Any:
    """Issue one coupon to each customer (those already holding one are counted, not given
    another; those out of reach or not to be marketed to are skipped)."""
    return services.issue_coupons(
        actor=request.user, campaign_id=campaign_id, customer_ids=payload.customer_ids
    )


@router.post("/coupons/redemptions", response={200: CouponOut, **ERRORS})
def redeem_coupon(request: ApiRequest, payload: RedeemCouponIn) -> Any:
    """Use a customer's coupon by its code: once, while valid, only by that customer."""
    coupon = services.redeem_coupon(actor=request.user, **payload.dict())
    return _coupon(coupon)


def _programme(found: Any) -> dict[str, Any]:
    return {
        "active": found.active,
        "points_per_unit": found.points_per_unit,
        "validity_months": found.validity_months,
        "earn_from": found.earn_from,
    }


@router.get("/programme", response={200: ProgrammeOut, **ERRORS})
def programme(request: ApiRequest) -> Any:
    """How orders earn points: the rate, how long points last, from when orders earn."""
    return _programme(selectors.programme_settings(actor=request.user))


@router.patch("/programme", response={200: ProgrammeOut, **ERRORS})
def update_programme(request: ApiRequest, payload: ProgrammePatch) -> Any:
    """Change how orders earn points (administrators); null leaves a setting as it is."""
    changes = {key: value for key, value in payload.dict().items() if value is not None}
    return _programme(services.update_programme(actor=request.user, changes=changes))


@router.get("/tiers", response={200: list[TierOut], **ERRORS})
def tiers(request: ApiRequest) -> Any:
    """The tiers, lowest first: reached by points earned on orders in the last 12 months."""
    return [
        {"name": t.name, "min_points": t.min_points} for t in selectors.tiers(actor=request.user)
    ]


@router.put("/tiers", response={200: list[TierOut], **ERRORS})
def set_tiers(request: ApiRequest, payload: TiersIn) -> Any:
    """Replace the tiers (administrators); every customer's tier is recomputed."""
    made = services.set_tiers(actor=request.user, tiers=[t.dict() for t in payload.tiers])
    return [{"name": t.name, "min_points": t.min_points} for t in made]
