"""One loader for a coupon campaign, carrying its "403 without the permission, else 404" rule."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers.access import may
from dossier.loyalty.models import CouponCampaign


def campaign_for(actor: MaybeActor, campaign_id: Any, permission: str) -> CouponCampaign:
    """The coupon campaign, for an actor holding ``permission`` (403 without; 404 if none)."""
    if not may(actor, permission):
        raise PermissionDenied(_("You may not do this with coupon campaigns."))
    try:
        number = int(campaign_id)
    except (TypeError, ValueError):
        number = 0
    found = CouponCampaign.objects.filter(pk=number).first() if 0 < number < 2**63 else None
    if found is None:
        raise NotFound(_("No such coupon campaign."), code="coupon_campaign_not_found")
    return found
