"""The loyalty programme's page: who sees and changes what, and bad input named."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossier.core import roles
from dossier.loyalty.models import CouponCampaign, Programme, Tier

pytestmark = pytest.mark.django_db
PAGE = reverse("loyalty:programme")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_switches_the_programme_on(make_user: Callable[..., User]) -> None:
    admin = make_user("loyal-admin", roles.ADMIN)
    form = {
        "active": "1",
        "points_per_unit": "1.5",
        "validity_months": "24",
        "earn_from": "2026-01-01",
    }
    response = _client(admin).post(reverse("loyalty:programme_update"), form, follow=True)
    programme = Programme.objects.get()
    assert (programme.active, str(programme.points_per_unit), programme.validity_months) == (
        True,
        "1.5000",
        24,
    )
    assert (
        programme.earn_from is not None and "The programme is saved." in response.content.decode()
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("points_per_unit", "lots"), ("points_per_unit", "-1"), ("validity_months", "0"),
     ("validity_months", "ten"), ("earn_from", "2026-02-30")],
)  # fmt: skip
def test_a_bad_setting_is_named_and_nothing_changes(
    make_user: Callable[..., User], field: str, value: str
) -> None:
    admin = make_user("loyal-admin", roles.ADMIN)
    form = {"points_per_unit": "1", "validity_months": "12", field: value}
    response = _client(admin).post(reverse("loyalty:programme_update"), form, follow=True)
    page = response.content.decode()
    assert 'class="error"' in page or "messages" in page
    assert not Programme.objects.filter(active=True).exists()
    assert Programme.objects.get_or_create(pk=1)[0].validity_months == 12


def test_tiers_are_replaced_by_the_rows_filled(make_user: Callable[..., User]) -> None:
    admin = make_user("loyal-admin", roles.ADMIN)
    form = {"tier-0-name": "银卡", "tier-0-min_points": "0", "tier-1-name": "金卡",
            "tier-1-min_points": "3000", "tier-2-name": "", "tier-2-min_points": ""}  # fmt: skip
    _client(admin).post(reverse("loyalty:tiers_update"), form)
    assert list(Tier.objects.order_by("min_points").values_list("name", flat=True)) == [
        "银卡",
        "金卡",
    ]
    # two tiers from the same points: refused, the tiers as they were
    _client(admin).post(
        reverse("loyalty:tiers_update"),
        {
            "tier-0-name": "A",
            "tier-0-min_points": "5",
            "tier-1-name": "B",
            "tier-1-min_points": "5",
        },
    )
    assert Tier.objects.count() == 2


def test_marketing_creates_a_coupon_campaign_sales_may_not(
    make_user: Callable[..., User],
) -> None:
    starts = timezone.localtime()
    form = {
        "name": "双十一满减",
        "kind": "amount",
        "value": "20",
        "min_spend": "199",
        "valid_from": starts.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (starts + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
    }
    marketer = make_user("loyal-promo", roles.MARKETING, team="east")
    _client(marketer).post(reverse("loyalty:campaign_create"), form)
    assert CouponCampaign.objects.filter(name="双十一满减").exists()
    seller = make_user("loyal-sales", roles.SALES, team="east")
    response = _client(seller).post(reverse("loyalty:campaign_create"), {**form, "name": "x"})
    assert response.status_code == 403 and not CouponCampaign.objects.filter(name="x").exists()
    page = _client(seller).get(PAGE).content.decode()
    assert "双十一满减" in page and "campaign_create" not in page and 'name="kind"' not in page


def test_a_campaign_ending_before_it_starts_is_refused(make_user: Callable[..., User]) -> None:
    marketer = make_user("loyal-promo", roles.MARKETING, team="east")
    starts = timezone.localtime()
    form = {
        "name": "倒着的",
        "kind": "percent",
        "value": "150",
        "valid_from": starts.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (starts - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    response = _client(marketer).post(reverse("loyalty:campaign_create"), form, follow=True)
    assert not CouponCampaign.objects.exists()
    text = response.content.decode()
    assert "Valid until" in text and "Value" in text  # both fields named


def test_analysts_see_the_programme_not_its_forms(make_user: Callable[..., User]) -> None:
    analyst = make_user("loyal-numbers", roles.ANALYST)
    page = _client(analyst).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "programme_update" not in html and 'name="points_per_unit"' not in html
    assert _client(analyst).post(reverse("loyalty:tiers_update"), {}).status_code == 403


def test_chinese_page(make_user: Callable[..., User]) -> None:
    admin = make_user("loyal-admin", roles.ADMIN)
    client = _client(admin)
    client.cookies["django_language"] = "zh-hans"
    assert "会员计划" in client.get(PAGE, headers={"accept-language": "zh-hans"}).content.decode()
