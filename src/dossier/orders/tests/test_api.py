"""The orders and products API: shapes, statuses and what each refusal names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dossier.core import roles
from dossier.orders.models import Order, Product
from dossier.orders.schemas import BulkOut
from dossier.orders.tests.helpers import line, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as: Any, owner: Any) -> Any:
    return api_as(owner)


def test_create_get_and_list_a_customers_orders(api: Any, customer: Any, catalogue: Any) -> None:
    made = api.post("/orders", order(customer, discount="4.00"))
    assert made.status_code == 201, made.content
    data = made.json()
    assert (data["total"], data["item_count"], data["status"]) == ("4020.00", 3, "paid")
    assert [li["sku"] for li in data["lines"]] == ["MI-14", "MENGNIU-1L"]
    assert api.get(f"/orders/{data['id']}").json() == data
    for n in range(4):
        placed = f"2026-03-0{n + 2}T10:00:00+08:00"
        assert (
            api.post("/orders", order(customer, f"T-{n + 2}", placed_at=placed)).status_code == 201
        )
    seen, cursor = [], ""
    while True:
        page = api.get(f"/orders/customers/{customer.pk}?limit=2&cursor={cursor}").json()
        seen += [item["external_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["T-5", "T-4", "T-3", "T-2", "T-1"]


def test_a_bad_order_is_refused_naming_each_field(api: Any, customer: Any, catalogue: Any) -> None:
    response = api.post("/orders", order(customer, total="1.00", lines=[line(qty=-1)]))
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"lines[0].qty"}
    response = api.post("/orders", order(customer, total="1.00"))
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("total", "total_mismatch")
    ]
    wrong_type = api.post("/orders", order(customer, lines=[line(qty="abc")]))
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["field"] == "lines.0.qty"
    assert api.post("/orders", raw="[1, 2]").status_code == 422
    assert api.post("/orders", raw="{not json").status_code == 400
    assert not Order.objects.exists()


def test_a_customer_out_of_reach_is_404_and_nothing_is_written(
    api_as: Any, make_user: Any, customer: Any, catalogue: Any
) -> None:
    west = api_as(make_user("zhao.west", roles.SALES, team="west"))
    response = west.post("/orders", order(customer))
    assert (response.status_code, response.json()["code"]) == (404, "customer_not_found")
    assert west.get(f"/orders/customers/{customer.pk}").status_code == 404
    assert not Order.objects.exists()


def test_the_same_order_twice_is_a_conflict(api: Any, customer: Any, catalogue: Any) -> None:
    assert api.post("/orders", order(customer)).status_code == 201
    again = api.post("/orders", order(customer))
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "external_id")
    assert Order.objects.count() == 1


def test_a_read_only_token_may_read_orders_but_not_write(
    api_as: Any, owner: Any, customer: Any, catalogue: Any
) -> None:
    reader = api_as(owner, scope="read")
    for path, body in (
        ("/orders", order(customer)),
        ("/orders/bulk", {"orders": [order(customer)]}),
        ("/products", {"sku": "X", "name": "X", "price": "1"}),
    ):
        response = reader.post(path, body)
        assert (response.status_code, response.json()["code"]) == (403, "token_read_only"), path
    assert reader.get(f"/orders/customers/{customer.pk}").status_code == 200
    assert not Order.objects.exists()


def test_status_refunds_and_returns_through_the_api(
    api: Any, api_as: Any, manager: Any, customer: Any, catalogue: Any
) -> None:
    pk = api.post("/orders", order(customer)).json()["id"]
    illegal = api.post(f"/orders/{pk}/status", {"status": "pending"})
    assert (illegal.status_code, illegal.json()["errors"][0]["code"]) == (422, "illegal_transition")
    assert api.post(f"/orders/{pk}/status", {"status": "shipped"}).json()["status"] == "shipped"
    assert api.post(f"/orders/{pk}/refunds", {"amount": "1", "reason": "late"}).status_code == 403
    boss = api_as(manager)
    too_much = boss.post(f"/orders/{pk}/refunds", {"amount": "5000.00", "reason": "damaged"})
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "amount"
    assert "4024.00" in too_much.json()["errors"][0]["message"]
    made = boss.post(f"/orders/{pk}/refunds", {"amount": 24, "reason": "damaged"})
    assert made.status_code == 201 and made.json()["amount"] == "24.00"
    milk = next(li for li in boss.get(f"/orders/{pk}").json()["lines"] if li["qty"] == 2)
    returned = boss.post(f"/orders/{pk}/returns", {"lines": [{"line_id": milk["id"], "qty": 1}]})
    assert returned.status_code == 200
    assert [li["returned_qty"] for li in returned.json()["lines"]] == [0, 1]
    whole = boss.post(f"/orders/{pk}/returns", {})
    assert whole.json()["status"] == "returned"
    assert len(boss.get(f"/orders/{pk}").json()["refunds"]) == 1


def test_bulk_sync_answers_a_result_per_order(api: Any, customer: Any, catalogue: Any) -> None:
    body = {"orders": [order(customer, "B-1"), order(customer, "B-2", total="9.99")]}
    response = api.post("/orders/bulk", body)
    assert response.status_code == 200
    data = response.json()
    BulkOut.model_validate(data)  # the ready JSON has the documented shape
    assert (data["created"], data["failed"]) == (1, 1)
    assert [r["result"] for r in data["results"]] == ["created", "error"]
    assert data["results"][1]["errors"][0]["field"] == "total"
    assert data["results"][1]["external_id"] == "B-2"
    again = api.post("/orders/bulk", body).json()
    assert [r["result"] for r in again["results"]] == ["unchanged", "error"]
    assert again["results"][0]["id"] == data["results"][0]["id"]
    zh = api.post("/orders/bulk", body, headers={"Accept-Language": "zh-hans"}).json()
    assert "各行合计" in zh["results"][1]["errors"][0]["message"]


def test_a_bulk_call_not_shaped_as_documented_is_refused_whole(
    api: Any, customer: Any, catalogue: Any
) -> None:
    wrong = {"orders": [order(customer, "W-1"), order(customer, "W-2", lines=[line(qty="x")])]}
    response = api.post("/orders/bulk", wrong)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "orders.1.lines.0.qty"
    too_many = {"orders": [order(customer, f"M-{n}") for n in range(1001)]}
    assert api.post("/orders/bulk", too_many).status_code == 422
    assert api.post("/orders/bulk", {"orders": "all"}).status_code == 422
    listed = api.post("/orders/bulk", raw=json.dumps([order(customer, "L-1")]))
    assert (listed.status_code, listed.json()["errors"][0]["field"]) == (422, "body")
    assert api.post("/orders/bulk", raw='{"orders": [').status_code == 400
    assert not Order.objects.exists()


def test_products_are_read_by_everyone_and_edited_by_managers(
    api_as: Any, make_user: Any, manager: Any, catalogue: Any
) -> None:
    analyst = api_as(make_user("sun.analyst", roles.ANALYST))
    listed = analyst.get("/products?q=小米")
    assert [p["sku"] for p in listed.json()["items"]] == ["MI-14"]
    page = analyst.get("/products?limit=2").json()
    rest = analyst.get(f"/products?limit=2&cursor={page['next_cursor']}").json()
    assert [p["sku"] for p in page["items"] + rest["items"]] == sorted(catalogue)
    sales = api_as(make_user("li.sales", roles.SALES, team="east"))
    body = {"sku": "GREE-1", "name": "格力空调", "price": "3199.00", "brand": "格力"}
    assert sales.post("/products", body).status_code == 403
    boss = api_as(manager)
    made = boss.post("/products", body)
    assert made.status_code == 201 and made.json()["price"] == "3199.00"
    assert boss.post("/products", body).status_code == 409
    changed = boss.patch(f"/products/{made.json()['id']}", {"active": False, "price": 2999})
    assert (changed.json()["active"], changed.json()["price"]) == (False, "2999.00")
    bad = boss.patch(f"/products/{made.json()['id']}", {"price": "-1"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "price")
    assert boss.patch("/products/999999", {"active": True}).status_code == 404
    assert Product.objects.get(sku="GREE-1").price == 2999


def test_attaching_an_external_id(api: Any, api_as: Any, make_user: Any, customer: Any) -> None:
    path = f"/orders/customers/{customer.pk}/external-ids"
    made = api.post(path, {"source": "tmall", "external_id": "VIP-7"})
    assert made.status_code == 201 and made.json()["external_id"] == "VIP-7"
    assert api.post(path, {"source": "tmall", "external_id": "VIP-7"}).status_code == 201
    west = api_as(make_user("zhao.west", roles.SALES, team="west"))
    assert west.post(path, {"source": "tmall", "external_id": "X"}).status_code == 404
    blank = api.post(path, {"source": " ", "external_id": "X"})
    assert (blank.status_code, blank.json()["errors"][0]["field"]) == (422, "source")


def test_orders_appear_in_the_openapi_document(api: Any) -> None:
    document = json.loads(api.client.get("/api/v1/openapi.json").content)
    bulk = document["paths"]["/api/v1/orders/bulk"]["post"]
    assert "stored even" in bulk["description"]
    schema = bulk["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["orders"]["maxItems"] == 1000
    assert "$ref" not in json.dumps(schema)
