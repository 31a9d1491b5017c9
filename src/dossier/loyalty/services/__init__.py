"""Every write of the loyalty programme (points, tiers, coupons), each in one transaction."""

from dossier.loyalty.services.coupons import create_coupon_campaign, issue_coupons, redeem_coupon
from dossier.loyalty.services.points import (
    adjust_points,
    earn_for_orders,
    expire_points,
    redeem_points,
    take_back_refunds,
)
from dossier.loyalty.services.programme import recompute_tiers, set_tiers, update_programme

__all__ = [
    "adjust_points",
    "create_coupon_campaign",
    "earn_for_orders",
    "expire_points",
    "issue_coupons",
    "recompute_tiers",
    "redeem_coupon",
    "redeem_points",
    "set_tiers",
    "take_back_refunds",
    "update_programme",
]
