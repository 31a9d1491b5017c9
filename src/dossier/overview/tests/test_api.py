"""The 360 view's API: the timeline by cursor and kind, the key figures, one error shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.activity.models import CustomerFigures
from dossier.core import roles
from dossier.overview.tests.conftest import FakeKinds, add_entries

pytestmark = pytest.mark.django_db


def path(customer: Any, what: str = "timeline") -> str:
    return f"/customers/{customer.pk}/{what}"


def test_timeline_pages_by_cursor_newest_first(
    owner: User, customer: Any, api_as: Callable[..., Any], fake_kinds: FakeKinds
) -> None:
    add_entries(customer, 25, ["visit", "parcel", "gift"])
    api = api_as(owner)
    seen: list[int] = []
    cursor = ""
    while True:
        response = api.get(f"{path(customer)}?limit=10&cursor={cursor}")
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [item["summary"]["n"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(24, -1, -1))
    first = api.get(f"{path(customer)}?limit=3").json()
    assert [item["kind_label"] for item in first["items"]] == ["Visit", "gift", "Parcel"]
    # the kinds a retail member's timeline shows (the accounts-only kind is not among them)
    assert [kind["key"] for kind in first["kinds"]] == ["visit", "parcel"]


def test_timeline_filters_by_kinds(
    owner: User, customer: Any, api_as: Callable[..., Any], fake_kinds: FakeKinds
) -> None:
    add_entries(customer, 9, ["visit", "parcel", "gift"])
    body = api_as(owner).get(f"{path(customer)}?kinds=parcel,%20visit").json()
    assert [item["summary"]["n"] for item in body["items"]] == [7, 6, 4, 3, 1, 0]
    assert {item["kind"] for item in body["items"]} == {"visit", "parcel"}


def test_timeline_refuses_a_kind_it_does_not_show_a_forged_cursor_and_a_large_limit(
    owner: User, customer: Any, api_as: Callable[..., Any], fake_kinds: FakeKinds
) -> None:
    api = api_as(owner)
    for query, field in (
        ("kinds=contract", "kinds"),  # registered, but for B2B accounts only
        ("kinds=visit,nonsense", "kinds"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
    ):
        response = api.get(f"{path(customer)}?{query}")
        assert response.status_code == 422, query
        body = response.json()
        assert body["code"] == "validation_failed", query
        assert [error["field"] for error in body["errors"]] == [field], query


def test_figures_are_the_kept_ones_with_zeros_and_nulls_before_anything_happened(
    owner: User, customer: Any, api_as: Callable[..., Any]
) -> None:
    api = api_as(owner)
    empty = api.get(path(customer, "figures")).json()
    assert empty["order_count"] == 0 and empty["total_spend"] == "0.00"
    assert empty["average_order_value"] is None and empty["last_purchase_at"] is None
    assert empty["average_csat"] is None and empty["last_nps"] is None
    CustomerFigures.objects.create(
        customer=customer,
        order_count=3,
        total_spend=Decimal("100.00"),
        last_purchase_at=datetime(2026, 2, 3, tzinfo=UTC),
        csat_total=7,
        csat_count=2,
        open_tickets=1,
    )
    body = api.get(path(customer, "figures")).json()
    assert body["average_order_value"] == "33.33" and body["average_csat"] == "3.5"
    assert body["open_tickets"] == 1 and body["currency"] == "CNY"
    assert body["last_purchase_at"].startswith("2026-02-03T00:00:00")


def test_someone_who_may_not_see_the_customer_gets_not_found(
    customer: Any, make_user: Callable[..., User], api_as: Callable[..., Any]
) -> None:
    add_entries(customer, 1, ["gift"])
    for user in (make_user("zhao", roles.SALES, team="west"), make_user("an", roles.ANALYST)):
        for what in ("timeline", "figures"):
            response = api_as(user).get(path(customer, what))
            assert response.status_code == 404, (user, what)
            assert response.json()["code"] == "customer_not_found"
    assert api_as(None).get(path(customer)).status_code == 401
