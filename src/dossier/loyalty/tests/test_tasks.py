"""The nightly task runs every step, in order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dossier.loyalty.models import CustomerTier, PointsEntry
from dossier.loyalty.services import set_tiers
from dossier.loyalty.tasks import earn_points, nightly_loyalty
from dossier.orders.services import refund_order

pytestmark = pytest.mark.django_db


def test_the_nightly_task_earns_takes_back_expires_and_recomputes_tiers(
    admin_user: Any, programme: Any, customer: Any, buy: Any, lot: Any
) -> None:
    set_tiers(actor=admin_user, tiers=[{"name": "银卡", "min_points": 100}])
    now = timezone.now()
    lot(customer, "earn", 40, at=now - timedelta(days=400), expires_at=now - timedelta(days=2))
    order = buy(customer, "250.00")
    refund_order(actor=admin_user, order_id=order.pk, amount="100.00", reason="late")
    result = nightly_loyalty.enqueue().return_value
    # earned on what is still paid (150); the refund came before the points: nothing to take
    assert result == {"earned": 150, "taken_back": 0, "expired": 40, "tiers": 1}
    assert CustomerTier.objects.get(customer_id=customer.pk).tier.name == "银卡"
    assert earn_points.enqueue().return_value == {"earned": 0, "taken_back": 0}
    assert PointsEntry.objects.filter(kind="earn", order=order).count() == 1
