"""Fixtures of the orders tests: an owner with a customer, a manager, a small catalogue."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.orders.models import Product
from dossier.orders.services import create_product


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("li.owner", roles.SALES, team="east")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("zhou.manager", roles.MANAGER, team="east")


@pytest.fixture
def customer(owner: User, make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner)


@pytest.fixture
def catalogue(admin_user: User) -> dict[str, Product]:
    """Three products, by sku."""
    made = [
        ("MI-14", "小米手机 14", "手机", "小米", "3999.00"),
        ("MIDEA-AC", "美的空调 1.5匹", "家电", "美的", "2899.00"),
        ("MENGNIU-1L", "蒙牛纯牛奶 1L", "食品", "蒙牛", "12.50"),
    ]
    return {
        sku: create_product(
            actor=admin_user, sku=sku, name=name, category=cat, brand=brand, price=Decimal(price)
        )
        for sku, name, cat, brand, price in made
    }
