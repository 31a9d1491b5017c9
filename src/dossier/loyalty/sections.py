"""The loyalty section of a customer's page: balance, tier, points lapsing soon, coupons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from dossier.customers.access import may
from dossier.customers.models import Customer
from dossier.customers.sections import Section, register_section
from dossier.loyalty import arithmetic, selectors


def _loyalty(request: HttpRequest, customer: Customer) -> Mapping[str, Any] | None:
    if not may(request.user, "loyalty.view_pointsentry"):
        return None
    summary = selectors.points_summary(actor=request.user, customer_id=customer.pk)
    coupons = []
    if may(request.user, "loyalty.view_coupon"):
        now = timezone.now()
        for coupon in selectors.customer_coupons(actor=request.user, customer_id=customer.pk):
            usable = coupon.redeemed_at is None and now < coupon.campaign.valid_until
            coupons.append(
                {
                    "code": arithmetic.display_code(coupon.code),
                    "campaign": coupon.campaign,
                    "redeemed_at": coupon.redeemed_at,
                    "usable": usable,
                }
            )
    return {"summary": summary, "coupons": coupons[:10]}


def register_loyalty_section() -> None:
    register_section(
        Section(
            key="loyalty",
            template="loyalty/_section.html",
            context=_loyalty,
            region="side",
            order=50,
        )
    )
