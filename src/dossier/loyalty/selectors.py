"""Reading the programme: a customer's points, ledger, tier and coupons; coupon campaigns.

Every read of a customer's loyalty data loads the customer through ``customer_for`` (404 if
the actor may not see them) and needs the loyalty permission to view it (403 without).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied
from dossier.customers.access import customer_for, may
from dossier.customers.models import Customer
from dossier.loyalty import ledger
from dossier.loyalty.access import campaign_for
from dossier.loyalty.ledger import TIER_WINDOW
from dossier.loyalty.models import Coupon, CouponCampaign, PointsEntry, Programme, Tier

#: how far ahead a customer is told of points about to lapse
WARN_AHEAD = timedelta(days=30)


@dataclass(frozen=True)
class PointsSummary:
    customer_id: Any
    balance: int
    expiring_soon: int
    earned_12_months: int
    tier: Tier | None


def _customer(actor: MaybeActor, customer_id: Any, permission: str) -> Customer:
    customer = customer_for(actor, customer_id)
    if not may(actor, permission):
        raise PermissionDenied(_("You may not see this customer's loyalty data."))
    return customer


def tier_for(points: int) -> Tier | None:
    """The highest tier these points (earned in twelve months) reach."""
    return Tier.objects.filter(min_points__lte=points).order_by("-min_points").first()


def points_summary(
    *, actor: MaybeActor, customer_id: Any, now: datetime | None = None
) -> PointsSummary:
    """A customer's balance, points lapsing within 30 days, and tier (computed now)."""
    customer = _customer(actor, customer_id, "loyalty.view_pointsentry")
    now = now or timezone.now()
    earned = ledger.earned_since(customer.pk, now - TIER_WINDOW)
    return PointsSummary(
        customer_id=customer.pk,
        balance=ledger.balance(customer.pk, now),
        expiring_soon=ledger.expiring_by(customer.pk, now, now + WARN_AHEAD),
        earned_12_months=earned,
        tier=tier_for(earned),
    )


def points_entries(
    *, actor: MaybeActor, customer_id: Any, before: int | None = None, limit: int = 50
) -> list[PointsEntry]:
    """A customer's ledger, newest first; ``before``: entries older than that id (paging)."""
    customer = _customer(actor, customer_id, "loyalty.view_pointsentry")
    entries = PointsEntry.objects.filter(customer_id=customer.pk).select_related("created_by")
    if before is not None:
        entries = entries.filter(id__lt=before)
    return list(entries.order_by("-id")[: max(1, min(limit, 200))])


def customer_coupons(*, actor: MaybeActor, customer_id: Any) -> list[Coupon]:
    """A customer's coupons, newest first, with their campaigns."""
    customer = _customer(actor, customer_id, "loyalty.view_coupon")
    return list(
        Coupon.objects.filter(customer_id=customer.pk)
        .select_related("campaign")
        .order_by("-issued_at", "-id")
    )


def _counted(campaigns: QuerySet[CouponCampaign]) -> QuerySet[CouponCampaign]:
    return campaigns.annotate(
        issued=Count("coupons"),
        redeemed=Count("coupons", filter=Q(coupons__redeemed_at__isnull=False)),
    )


def coupon_campaigns(*, actor: MaybeActor) -> list[CouponCampaign]:
    """Every coupon campaign with how many coupons were issued and redeemed (counts only)."""
    if not may(actor, "loyalty.view_couponcampaign"):
        raise PermissionDenied(_("You may not see coupon campaigns."))
    return list(_counted(CouponCampaign.objects.all()))


def coupon_campaign(*, actor: MaybeActor, campaign_id: Any) -> CouponCampaign:
    """One coupon campaign with its counts."""
    found = campaign_for(actor, campaign_id, "loyalty.view_couponcampaign")
    return _counted(CouponCampaign.objects.filter(pk=found.pk)).get()


def tiers(*, actor: MaybeActor) -> list[Tier]:
    """The programme's tiers, lowest first."""
    if not may(actor, "loyalty.view_tier"):
        raise PermissionDenied(_("You may not see the loyalty tiers."))
    return list(Tier.objects.order_by("min_points"))


def programme_settings(*, actor: MaybeActor) -> Programme:
    """The programme's settings."""
    if not may(actor, "loyalty.view_programme"):
        raise PermissionDenied(_("You may not see the loyalty programme."))
    found, _created = Programme.objects.get_or_create(pk=1)
    return found
