"""Loyalty data in the generic processes: the customer's copy, erasure, retention, merge."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from dossier.core.actors import system_actor
from dossier.loyalty import ledger
from dossier.loyalty.models import Coupon, CustomerTier, PointsEntry
from dossier.loyalty.services import (
    adjust_points,
    issue_coupons,
    redeem_coupon,
    set_tiers,
)
from dossier.loyalty.tests.test_coupons import campaign_for_now
from dossier.matching.services.merging import merge_customers
from dossier.privacy.data_export import export_customer_data
from dossier.privacy.erasure import delete_customers, erase_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(admin_user: Any, manager: Any, owner: Any, customer: Any) -> dict[str, Any]:
    """60 points, one used coupon and one unused, a kept tier."""
    adjust_points(actor=manager, customer_id=customer.pk, points=60, reason="migration")
    used = campaign_for_now(admin_user, name="开业券")
    unused = campaign_for_now(admin_user, name="生日券")
    for made in (used, unused):
        issue_coupons(actor=admin_user, campaign_id=made.pk, customer_ids=[customer.pk])
    code = Coupon.objects.get(campaign=used).code
    redeem_coupon(actor=owner, customer_id=customer.pk, code=code)
    set_tiers(actor=admin_user, tiers=[{"name": "银卡", "min_points": 0}])
    return {"used": used, "unused": unused}


def test_the_customers_copy_holds_points_balance_and_coupons(
    admin_user: Any, customer: Any, history: dict[str, Any]
) -> None:
    copy = export_customer_data(actor=admin_user, customer_id=customer.pk)
    section = copy["loyalty"]
    assert section["points_balance"] == 60
    assert [(p["kind"], p["points"], p["reason"]) for p in section["points"]] == [
        ("adjust", 60, "migration")
    ]
    coupons = {c["campaign"]: c for c in section["coupons"]}
    assert set(coupons) == {"开业券", "生日券"}
    assert coupons["开业券"]["redeemed_at"] is not None
    assert coupons["生日券"]["redeemed_at"] is None


def test_erasure_keeps_the_ledger_drops_unused_coupons_and_the_kept_tier(
    admin_user: Any, customer: Any, history: dict[str, Any]
) -> None:
    erase_customer(actor=admin_user, customer_id=customer.pk)
    assert PointsEntry.objects.filter(customer_id=customer.pk).count() == 1
    left = Coupon.objects.filter(customer_id=customer.pk)
    assert [c.campaign_id for c in left] == [history["used"].pk]
    assert not CustomerTier.objects.filter(customer_id=customer.pk).exists()


def test_retention_anonymises_a_customer_with_points_rather_than_deleting(
    owner: Any, manager: Any, customer: Any, make_customer: Any
) -> None:
    adjust_points(actor=manager, customer_id=customer.pk, points=5, reason="goodwill")
    bare = make_customer(owner)
    deleted, blocked = delete_customers(
        [customer, bare], actor=system_actor("retention"), reason="retention"
    )
    assert [t.customer_id for t in deleted] == [bare.pk]
    assert [c.pk for c in blocked] == [customer.pk]
    assert PointsEntry.objects.filter(customer_id=customer.pk).count() == 1


def test_a_merge_moves_points_and_coupons_to_the_survivor(
    admin_user: Any, owner: Any, manager: Any, customer: Any, make_customer: Any, history: Any
) -> None:
    survivor = make_customer(owner)
    adjust_points(actor=manager, customer_id=survivor.pk, points=15, reason="goodwill")
    # the survivor already holds a coupon of the unused campaign: that one stays behind
    issue_coupons(actor=admin_user, campaign_id=history["unused"].pk, customer_ids=[survivor.pk])
    merge_customers(
        actor=admin_user, customer_ids=[customer.pk, survivor.pk], survivor_id=survivor.pk
    )
    assert ledger.balance(survivor.pk, timezone.now()) == 75
    assert not PointsEntry.objects.filter(customer_id=customer.pk).exists()
    survivors = Coupon.objects.filter(customer_id=survivor.pk)
    assert sorted(c.campaign_id for c in survivors) == sorted(
        [history["used"].pk, history["unused"].pk]
    )
    assert Coupon.objects.filter(customer_id=customer.pk).count() == 1
