"""The loyalty programme's rows of the role matrix (collected by site/tests/test_role_matrix.py).

Columns (ACTORS): admin, manager, sales, service, marketing, analyst, outsider. Whoever may
see a customer sees their points and coupons (analysts and the outsider: 404, the customer
is not theirs to know of); sales, service and managers redeem points and coupons; only
managers (and administrators) adjust points; marketing and managers run coupon campaigns;
every role sees the campaigns' counts, the tiers and the programme's settings, which only
administrators change.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from dossier.loyalty.models import Coupon, CouponCampaign
from dossier.loyalty.services import adjust_points, create_coupon_campaign, issue_coupons
from dossier.site.tests.matrix_fixtures import World

OK, DENIED, UNSEEN = "2xx", "403", "404"
ALL_OK = (OK,) * 7
SEE = (OK, OK, OK, OK, OK, UNSEEN, UNSEEN)
REDEEM = (OK, OK, OK, OK, DENIED, DENIED, UNSEEN)
RUN_CAMPAIGNS = (OK, OK, DENIED, DENIED, OK, DENIED, DENIED)
ADMIN_ONLY = (OK, *(DENIED,) * 6)
_serial = count(1)

API: dict[str, tuple[str, ...]] = {
    "GET /loyalty/customers/{customer_id}/points":               SEE,
    "GET /loyalty/customers/{customer_id}/points/entries":       SEE,
    "POST /loyalty/customers/{customer_id}/points/redemptions":  REDEEM,
    "POST /loyalty/customers/{customer_id}/points/adjustments":  (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET /loyalty/customers/{customer_id}/coupons":              SEE,
    "GET /loyalty/coupon-campaigns":                             ALL_OK,
    "POST /loyalty/coupon-campaigns":                            RUN_CAMPAIGNS,
    "GET /loyalty/coupon-campaigns/{campaign_id}":               ALL_OK,
    "POST /loyalty/coupon-campaigns/{campaign_id}/coupons":      RUN_CAMPAIGNS,
    "POST /loyalty/coupons/redemptions":                         REDEEM,
    "GET /loyalty/programme":                                    ALL_OK,
    "PATCH /loyalty/programme":                                  ADMIN_ONLY,
    "GET /loyalty/tiers":                                        ALL_OK,
    "PUT /loyalty/tiers":                                        ADMIN_ONLY,
}  # fmt: skip


def _campaign(world: World) -> CouponCampaign:
    now = timezone.now()
    return create_coupon_campaign(
        actor=world.users["admin"],
        name=f"矩阵券 {next(_serial)}",
        kind="amount",
        value="10.00",
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
    )


def _campaign_id(world: World) -> int:
    if "coupon_campaign" not in world.made:
        world.made["coupon_campaign"] = _campaign(world)
    return int(world.made["coupon_campaign"].pk)


def _with_points(world: World, actor: str) -> str:
    """The actor's target customer, given a point to redeem."""
    customer = world.target(actor)
    adjust_points(actor=world.users["admin"], customer_id=customer.pk, points=1, reason="other")
    return f"/loyalty/customers/{customer.pk}/points/redemptions"


def _coupon_code(world: World, actor: str) -> dict[str, Any]:
    customer = world.target(actor)
    made = _campaign(world)
    issue_coupons(actor=world.users["admin"], campaign_id=made.pk, customer_ids=[customer.pk])
    code = Coupon.objects.get(campaign=made).code
    return {"customer_id": str(customer.pk), "code": code}


def _customer(world: World, actor: str, tail: str) -> str:
    return f"/loyalty/customers/{world.target(actor).pk}{tail}"


API_CALLS: dict[str, Any] = {
    "GET /loyalty/customers/{customer_id}/points": lambda w, a: (_customer(w, a, "/points"), None),
    "GET /loyalty/customers/{customer_id}/points/entries": lambda w, a: (
        _customer(w, a, "/points/entries"),
        None,
    ),
    "POST /loyalty/customers/{customer_id}/points/redemptions": lambda w, a: (
        _with_points(w, a),
        {"points": 1, "reason": "gift"},
    ),
    "POST /loyalty/customers/{customer_id}/points/adjustments": lambda w, a: (
        _customer(w, a, "/points/adjustments"),
        {"points": 5, "reason": "goodwill", "note": f"矩阵 {a}"},
    ),
    "GET /loyalty/customers/{customer_id}/coupons": lambda w, a: (
        _customer(w, a, "/coupons"),
        None,
    ),
    "GET /loyalty/coupon-campaigns": lambda w, a: ("/loyalty/coupon-campaigns", None),
    "POST /loyalty/coupon-campaigns": lambda w, a: (
        "/loyalty/coupon-campaigns",
        {
            "name": f"双十一满减 {a}",
            "kind": "percent",
            "value": "15",
            "min_spend": "200",
            "valid_from": "2026-11-01T00:00:00+08:00",
            "valid_until": "2026-11-12T00:00:00+08:00",
        },
    ),
    "GET /loyalty/coupon-campaigns/{campaign_id}": lambda w, a: (
        f"/loyalty/coupon-campaigns/{_campaign_id(w)}",
        None,
    ),
    "POST /loyalty/coupon-campaigns/{campaign_id}/coupons": lambda w, a: (
        f"/loyalty/coupon-campaigns/{_campaign_id(w)}/coupons",
        {"customer_ids": [str(w.target(a).pk)]},
    ),
    "POST /loyalty/coupons/redemptions": lambda w, a: (
        "/loyalty/coupons/redemptions",
        _coupon_code(w, a),
    ),
    "GET /loyalty/programme": lambda w, a: ("/loyalty/programme", None),
    "PATCH /loyalty/programme": lambda w, a: (
        "/loyalty/programme",
        {"active": True, "points_per_unit": "1.5", "validity_months": 24},
    ),
    "GET /loyalty/tiers": lambda w, a: ("/loyalty/tiers", None),
    "PUT /loyalty/tiers": lambda w, a: (
        "/loyalty/tiers",
        {"tiers": [{"name": "银卡", "min_points": 0}, {"name": "金卡", "min_points": 3000}]},
    ),
}


# -- pages -----------------------------------------------------------------------------------

PAGE_NAMESPACES = ("loyalty",)
LOGIN, REDIRECT, PAGE = "login", "302", "200"

# anonymous, then admin, manager, sales, service, marketing, analyst, outsider: every role sees
# the programme's page; its settings and tiers are the administrators', coupon campaigns
# are created by administrators, managers and marketing
PAGES: dict[str, tuple[str, ...]] = {
    "GET loyalty:programme":          (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "POST loyalty:programme_update":  (LOGIN, REDIRECT, *(DENIED,) * 6),
    "POST loyalty:tiers_update":      (LOGIN, REDIRECT, *(DENIED,) * 6),
    "POST loyalty:campaign_create":   (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT, DENIED, DENIED),  # noqa: E501
}  # fmt: skip


def _programme_page(world: World, actor: str) -> Any:
    from django.urls import reverse

    from dossier.loyalty.models import Programme
    from dossier.site.tests.matrix_fixtures import PageCall

    months = 7 + next(_serial) % 50
    form = {"active": "1", "points_per_unit": "1", "validity_months": str(months)}
    saved = lambda: Programme.objects.filter(validity_months=months).exists()  # noqa: E731
    return PageCall(reverse("loyalty:programme_update"), form, saved)


def _tiers_page(world: World, actor: str) -> Any:
    from django.urls import reverse

    from dossier.loyalty.models import Tier
    from dossier.site.tests.matrix_fixtures import PageCall

    name = f"tier {next(_serial)}"
    form = {"tier-0-name": name, "tier-0-min_points": "0"}
    return PageCall(
        reverse("loyalty:tiers_update"), form, lambda: Tier.objects.filter(name=name).exists()
    )


def _campaign_page(world: World, actor: str) -> Any:
    from django.urls import reverse

    from dossier.site.tests.matrix_fixtures import PageCall

    name = f"page campaign {next(_serial)}"
    starts = timezone.localtime()
    form = {
        "name": name,
        "kind": "amount",
        "value": "10",
        "valid_from": starts.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (starts + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
    }
    return PageCall(
        reverse("loyalty:campaign_create"),
        form,
        lambda: CouponCampaign.objects.filter(name=name).exists(),
    )


def _page(world: World, actor: str) -> Any:
    from django.urls import reverse

    from dossier.site.tests.matrix_fixtures import PageCall

    return PageCall(reverse("loyalty:programme"))


PAGE_CALLS: dict[str, Any] = {
    "GET loyalty:programme": _page,
    "POST loyalty:programme_update": _programme_page,
    "POST loyalty:tiers_update": _tiers_page,
    "POST loyalty:campaign_create": _campaign_page,
}
