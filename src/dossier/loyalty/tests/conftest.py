"""Fixtures of the loyalty tests: a team's users, a customer, the programme switched on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.loyalty.models import PointsEntry, Programme
from dossier.orders.models import Order
from dossier.orders.services import place_order

_serial = iter(range(1, 1_000_000))


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("li.owner", roles.SALES, team="east")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("zhou.manager", roles.MANAGER, team="east")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """A sales user of another team: sees none of east's customers."""
    return make_user("wang.west", roles.SALES, team="west")


@pytest.fixture
def marketer(make_user: Callable[..., User]) -> User:
    return make_user("chen.marketing", roles.MARKETING, team="east")


@pytest.fixture
def customer(owner: User, make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner)


@pytest.fixture
def programme(db: Any) -> Programme:
    """Switched on: one point per ¥1, valid twelve months."""
    return Programme.objects.update_or_create(
        pk=1,
        defaults={"active": True, "points_per_unit": Decimal("1"), "validity_months": 12},
    )[0]


@pytest.fixture
def buy(admin_user: User) -> Callable[..., Order]:
    """An order of ``total`` by the customer, placed ``days_ago`` (paid unless told)."""

    def make(customer: Any, total: str, *, days_ago: int = 1, status: str = "paid") -> Order:
        placed = timezone.now() - timedelta(days=days_ago)
        return place_order(
            actor=admin_user,
            values={
                "customer_id": str(customer.pk),
                "source": "pos",
                "external_id": f"L-{next(_serial)}",
                "channel": "store",
                "placed_at": placed.isoformat(),
                "status": status,
                "lines": [{"name": "会员商品", "qty": 1, "unit_price": total}],
            },
        )

    return make


@pytest.fixture
def lot() -> Callable[..., PointsEntry]:
    """A ledger entry written straight (a past the services cannot make: old redemptions)."""

    def make(
        customer: Any,
        kind: str,
        points: int,
        *,
        at: datetime,
        expires_at: datetime | None = None,
    ) -> PointsEntry:
        reason = {"earn": "order", "redeem": "discount", "expire": "expired"}.get(kind, "other")
        return PointsEntry.objects.create(
            customer_id=customer.pk,
            kind=kind,
            points=points,
            reason=reason,
            created_at=at,
            expires_at=expires_at,
        )

    return make


SYSTEM = system_actor("tests")
