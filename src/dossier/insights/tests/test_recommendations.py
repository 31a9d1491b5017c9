"""Recommendations: co-purchase partners with their reasons, the category's best sellers
after them, nothing already bought or inactive, and only for customers the viewer may see."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.insights.models import ProductAffinity
from dossier.insights.recommendations import recommendations_for, refresh_affinities
from dossier.orders.services import create_product, place_order, update_product
from dossier.orders.tests.helpers import line, order

SKUS = {"TEA": "龙井茶", "CUP": "茶杯", "POT": "茶壶", "MUG": "马克杯", "HONEY": "蜂蜜"}


@pytest.fixture
def shop(
    admin_user: User, make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> dict[str, Any]:
    for sku, name in SKUS.items():
        category = "食品" if sku in ("TEA", "HONEY") else "茶具"
        create_product(
            actor=admin_user, sku=sku, name=name, category=category, brand="", price=Decimal(10)
        )
    owner = make_user("rec.owner", roles.SALES, team="east")
    baskets = (
        [["TEA", "CUP"]] * 5 + [["TEA", "POT"]] * 2 + [["TEA", "MUG", "CUP"]] + [["HONEY"]] * 3
    )
    for n, basket in enumerate(baskets):
        customer = make_customer(owner)
        place_order(
            actor=admin_user,
            values=order(customer, f"B-{n}", lines=[line(s, 1, "10.00") for s in basket]),
        )
    target = make_customer(owner)
    place_order(actor=admin_user, values=order(target, "T-1", lines=[line("TEA", 1, "10.00")]))
    refresh_affinities()
    return {"owner": owner, "target": target}


def test_partners_of_what_was_bought_come_first_with_their_share(shop: dict[str, Any]) -> None:
    found = recommendations_for(actor=shop["owner"], customer_id=shop["target"].pk)
    assert [r.sku for r in found][:2] == ["CUP", "POT"]
    # 6 of the 9 tea buyers (the target among them) also bought cups
    assert found[0].reason == "bought 龙井茶; 67% of its buyers also bought 茶杯"
    assert "TEA" not in {r.sku for r in found}
    assert ProductAffinity.objects.filter(product__sku="TEA", other__sku="MUG").exists() is False


def test_an_inactive_product_is_not_offered(shop: dict[str, Any], admin_user: User) -> None:
    cup = next(p for p in ProductAffinity.objects.filter(other__sku="CUP")).other
    update_product(actor=admin_user, product_id=cup.pk, active=False)
    assert "CUP" not in {
        r.sku for r in recommendations_for(actor=shop["owner"], customer_id=shop["target"].pk)
    }


def test_the_category_bought_most_tops_up_the_list(
    shop: dict[str, Any], admin_user: User, make_customer: Callable[..., Any]
) -> None:
    loner = make_customer(shop["owner"])
    place_order(actor=admin_user, values=order(loner, "L-1", lines=[line("POT", 1, "10.00")]))
    found = recommendations_for(actor=shop["owner"], customer_id=loner.pk)
    by_sku = {r.sku: r for r in found}
    assert "CUP" in by_sku and "茶具" in by_sku["CUP"].reason


def test_another_teams_customer_is_not_found(
    shop: dict[str, Any], make_user: Callable[..., User], api_as: Callable[..., Any]
) -> None:
    outsider = make_user("rec.west", roles.SALES, team="west")
    url = f"/insights/customers/{shop['target'].pk}/recommendations"
    assert api_as(outsider).get(url).status_code == 404
    mine = api_as(shop["owner"]).get(url)
    assert mine.status_code == 200 and mine.json()[0]["sku"] == "CUP"
