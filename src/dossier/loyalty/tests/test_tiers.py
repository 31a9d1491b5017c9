"""Tiers: the highest reached by points earned on orders in the last twelve months."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.loyalty.models import CustomerTier, Tier
from dossier.loyalty.selectors import points_summary
from dossier.loyalty.services import (
    earn_for_orders,
    recompute_tiers,
    redeem_points,
    set_tiers,
    take_back_refunds,
)
from dossier.orders.services import refund_order

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)
TIERS = [
    {"name": "普通", "min_points": 0},
    {"name": "银卡", "min_points": 500},
    {"name": "金卡", "min_points": 2000},
]


def test_tiers_follow_points_earned_in_twelve_months_not_the_balance(
    admin_user: Any, owner: Any, programme: Any, customer: Any, make_customer: Any, buy: Any
) -> None:
    set_tiers(actor=admin_user, tiers=TIERS)
    gold, silver, none = customer, make_customer(owner), make_customer(owner)
    buy(gold, "1500.00", days_ago=20)
    buy(gold, "600.00", days_ago=5)
    buy(silver, "800.00", days_ago=3)
    order = buy(silver, "3000.00", days_ago=3)
    earn_for_orders()
    # spending points does not lower the tier; a refund takes its points out of the count
    redeem_points(actor=owner, customer_id=gold.pk, points=2000)
    refund_order(actor=admin_user, order_id=order.pk, amount="3000.00", reason="damaged")
    take_back_refunds()
    assert recompute_tiers() == 2
    kept = {row.customer_id: (row.tier.name, row.points) for row in CustomerTier.objects.all()}
    assert kept == {gold.pk: ("金卡", 2100), silver.pk: ("银卡", 800)}
    assert none.pk not in kept
    summary = points_summary(actor=owner, customer_id=gold.pk)
    assert (summary.tier.name, summary.earned_12_months, summary.balance) == ("金卡", 2100, 100)


def test_points_earned_over_a_year_ago_no_longer_count(
    admin_user: Any, customer: Any, programme: Any, buy: Any
) -> None:
    set_tiers(actor=admin_user, tiers=TIERS)
    buy(customer, "900.00", days_ago=2)
    earn_for_orders()
    assert recompute_tiers() == 1
    assert CustomerTier.objects.get().tier.name == "银卡"
    recompute_tiers(now=timezone.now() + 366 * DAY)
    assert not CustomerTier.objects.exists()


@pytest.mark.parametrize(
    "tiers",
    [
        [{"name": "A", "min_points": 0}, {"name": "A", "min_points": 5}],
        [{"name": "A", "min_points": 5}, {"name": "B", "min_points": 5}],
        [{"name": "", "min_points": 5}],
        [{"name": "A", "min_points": -1}],
        [{"name": "A", "min_points": "5"}],
    ],
)
def test_bad_tiers_are_refused(admin_user: Any, tiers: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationFailed):
        set_tiers(actor=admin_user, tiers=tiers)
    assert not Tier.objects.exists()


def test_only_administrators_set_tiers(manager: Any) -> None:
    with pytest.raises(PermissionDenied):
        set_tiers(actor=manager, tiers=TIERS)
