"""The loyalty section of the customer's page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from dossier.accounts.services import bump_access_generation
from dossier.loyalty.models import Coupon
from dossier.loyalty.services import adjust_points, issue_coupons, set_tiers
from dossier.loyalty.tests.test_coupons import campaign_for_now

pytestmark = pytest.mark.django_db


def _page(user: Any, customer: Any, language: str = "en") -> str:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_customer_page_shows_balance_tier_and_coupons(
    admin_user: Any, manager: Any, owner: Any, customer: Any
) -> None:
    set_tiers(actor=admin_user, tiers=[{"name": "普通会员", "min_points": 0}])
    adjust_points(actor=manager, customer_id=customer.pk, points=60, reason="migration")
    made = campaign_for_now(admin_user, name="周年庆券")
    issue_coupons(actor=admin_user, campaign_id=made.pk, customer_ids=[customer.pk])
    code = Coupon.objects.get().code
    html = _page(owner, customer)
    assert 'id="loyalty-balance">60<' in html
    assert 'id="loyalty-tier">普通会员<' in html
    assert "周年庆券" in html and f"{code[:4]}-{code[4:8]}-{code[8:]}" in html
    assert "会员积分" in _page(owner, customer, "zh-hans")


def test_the_section_is_left_out_without_the_permission(owner: Any, customer: Any) -> None:
    owner.groups.first().permissions.remove(
        Permission.objects.get(codename="view_pointsentry", content_type__app_label="loyalty")
    )
    bump_access_generation()
    owner = type(owner).objects.get(pk=owner.pk)
    assert 'id="loyalty"' not in _page(owner, customer)
