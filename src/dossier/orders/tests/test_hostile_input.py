"""Forged cursors, bodies nested thousands deep and ids of thousands of digits: 4xx, never 500."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from dossier.orders.models import Refund
from dossier.orders.services import place_order
from dossier.orders.tests.helpers import order

pytestmark = pytest.mark.django_db

DEEP = '{"orders": ' + "[" * 50000 + "]" * 50000 + "}"


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        "0001-01-01T00:00:00+14:00|00000000-0000-0000-0000-000000000000",  # not in UTC's range
        "2024-01-01T00:00:00|00000000-0000-0000-0000-000000000000",  # no zone
        "2024-01-01T00:00:00+00:00|not-a-uuid",
    ],
)
def test_a_forged_orders_cursor_is_422(api_as: Any, owner: Any, customer: Any, raw: str) -> None:
    got = api_as(owner).get(f"/orders/customers/{customer.pk}?cursor={b64(raw)}")
    assert got.status_code == 422, got.content[:200]


@pytest.mark.parametrize("path", ["/orders", "/orders/bulk"])
def test_a_body_nested_thousands_deep_is_400(api_as: Any, owner: Any, path: str) -> None:
    client = api_as(owner)
    client.client.raise_request_exception = False
    got = client.post(path, raw=DEEP)
    assert got.status_code == 400, got.status_code


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "1.00", "reason": "damaged", "line_id": "9" * 5000},
        {"amount": "1.00", "reason": "damaged", "line_id": "9" * 19},
        {"amount": "NaN", "reason": "damaged"},
        {"amount": "Infinity", "reason": "damaged"},
        {"amount": "1e999999999", "reason": "damaged"},
        {"amount": "-0", "reason": "damaged"},
    ],
)
def test_hostile_refunds_on_the_page_are_422_and_nothing_is_refunded(
    manager: Any, owner: Any, customer: Any, catalogue: Any, body: dict[str, str]
) -> None:
    placed = place_order(actor=owner, values=order(customer))
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    got = client.post(f"/orders/{placed.pk}/refund/", body)
    assert got.status_code == 422, got.status_code
    assert not Refund.objects.exists()
