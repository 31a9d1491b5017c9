"""People and records of the home tests: team east (sales, manager, marketing), a west sales
user who must find nothing of east's, an analyst, an admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dossier.core import roles
from dossier.followups.services import create_task
from dossier.orders.services import create_product, place_order
from dossier.tickets.services import open_ticket

PHONE = "13912345678"


@pytest.fixture
def sales(make_user: Callable[..., User]) -> User:
    return make_user("li.na", roles.SALES, team="east")


@pytest.fixture
def colleague(make_user: Callable[..., User]) -> User:
    """Another sales user of the same team: their customers are not ours."""
    return make_user("wang.fang", roles.SALES, team="east")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    return make_user("zhao.west", roles.SALES, team="west")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("zhou.manager", roles.MANAGER, team="east")


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("chen.analyst", roles.ANALYST)


@pytest.fixture
def marketing(make_user: Callable[..., User]) -> User:
    return make_user("sun.marketing", roles.MARKETING, team="east")


@pytest.fixture
def zhang(sales: User, make_customer: Callable[..., Any]) -> Any:
    """East sales' customer 张伟 (pinyin zhangwei, initials zw), phone ending 5678."""
    return make_customer(sales, display_name="张伟", phone=PHONE)


@pytest.fixture
def order(zhang: Any, admin_user: User) -> Any:
    create_product(actor=admin_user, sku="MI-14", name="小米手机 14", price=Decimal("3999.00"))
    return place_order(
        actor=admin_user,
        values={
            "customer_id": str(zhang.pk),
            "source": "tmall",
            "external_id": "TM20260301001",
            "channel": "web",
            "placed_at": "2026-03-01T10:00:00+08:00",
            "status": "paid",
            "lines": [{"sku": "MI-14", "qty": 1, "unit_price": "3999.00"}],
        },
    )


@pytest.fixture
def ticket(zhang: Any, admin_user: User) -> Any:
    return open_ticket(actor=admin_user, customer_id=zhang.pk, subject="空调不制冷")


def overdue_task(admin: User, customer: Any, title: str) -> Any:
    """A task for the customer's owner that was due an hour ago."""
    return create_task(
        actor=admin,
        customer_id=customer.pk,
        title=title,
        due_at=timezone.now() - timedelta(hours=1),
    )


def signed_in(user: User) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client
