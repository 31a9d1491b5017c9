"""Order pages: a customer's orders (full page and htmx list), one order, the catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from dossier.activity.models import TimelineEntry
from dossier.core import roles
from dossier.orders.models import Order, Refund
from dossier.orders.services import place_order, refund_order
from dossier.orders.tests.helpers import order

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str = "en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    return client


@pytest.fixture
def placed(owner: Any, manager: Any, customer: Any, catalogue: Any) -> Order:
    made = place_order(actor=owner, values=order(customer, store="北京朝阳大悦城店"))
    refund_order(actor=manager, order_id=made.pk, amount="25.00", reason="damaged")
    return made


def test_a_customers_orders_page_and_its_htmx_list(
    owner: Any, customer: Any, placed: Order
) -> None:
    page = _client(owner).get(f"/orders/customers/{customer.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "<html" in text
    assert "T-1" in text and "4024.00" in text and "小米手机 14 × 1" in text
    partial = _client(owner).get(
        f"/orders/customers/{customer.pk}/", headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.content.decode() and "T-1" in partial.content.decode()
    odd = _client(owner).get(f"/orders/customers/{customer.pk}/?cursor=%%%")
    assert odd.status_code == 200 and "T-1" in odd.content.decode()


def test_the_order_page_shows_lines_refunds_and_allowed_next_steps(
    owner: Any, manager: Any, placed: Order
) -> None:
    text = _client(manager).get(f"/orders/{placed.pk}/").content.decode()
    assert "蒙牛纯牛奶 1L" in text and "25.00" in text and "damaged or faulty" in text
    assert 'value="shipped"' in text and 'name="amount"' in text
    sales = _client(owner).get(f"/orders/{placed.pk}/").content.decode()
    assert 'value="shipped"' in sales and 'value="refunded"' not in sales
    assert 'name="amount"' not in sales  # sales may not refund


def test_a_refund_too_large_on_the_page_is_explained_and_nothing_changes(
    manager: Any, placed: Order
) -> None:
    response = _client(manager).post(
        f"/orders/{placed.pk}/refund/", {"amount": "9999", "reason": "damaged"}
    )
    assert response.status_code == 422
    assert "3999.00" in response.content.decode()  # what is left to refund
    assert Refund.objects.count() == 1
    done = _client(manager).post(f"/orders/{placed.pk}/status/", {"status": "shipped"})
    assert done.status_code == 302 and Order.objects.get(pk=placed.pk).status == "shipped"
    wrong = _client(manager).post(f"/orders/{placed.pk}/status/", {"status": "pending"})
    assert wrong.status_code == 422


def test_pages_of_an_order_out_of_reach_are_not_found(
    make_user: Any, customer: Any, placed: Order
) -> None:
    west = _client(make_user("zhao.west", roles.SALES, team="west"))
    assert west.get(f"/orders/{placed.pk}/").status_code == 404
    assert west.get(f"/orders/customers/{customer.pk}/").status_code == 404
    assert west.post(f"/orders/{placed.pk}/status/", {"status": "shipped"}).status_code == 404


def test_the_catalogue_page_searches_and_speaks_chinese(make_user: Any, catalogue: Any) -> None:
    analyst = make_user("sun.analyst", roles.ANALYST)
    text = _client(analyst).get("/orders/products/?q=美的").content.decode()
    assert "美的空调" in text and "小米手机" not in text
    zh = _client(analyst, "zh-hans").get("/orders/products/").content.decode()
    assert "商品" in zh and "在售" in zh


def test_the_timeline_entry_draws_status_total_and_items(owner: Any, placed: Order) -> None:
    entry = TimelineEntry.objects.get(kind="order", object_id=str(placed.pk))
    with translation.override("zh-hans"):
        drawn = render_to_string("orders/_timeline_entry.html", {"entry": entry, "row": placed})
    assert "已付款" in drawn and "4024.00 CNY" in drawn and "3" in drawn
    assert f"/orders/{placed.pk}/" in drawn
    bare = render_to_string("orders/_timeline_entry.html", {"entry": entry, "row": None})
    assert "/orders/" not in bare and "4024.00" in bare
