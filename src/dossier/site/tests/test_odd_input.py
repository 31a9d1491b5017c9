"""Odd input answers a clear 4xx, never a 500 (issue 11, item 12).

Run on SQLite and on PostgreSQL: a NUL character only breaks the latter.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse

from dossier.consent import services as consent_services
from dossier.core import roles
from dossier.core.errors import Conflict, ValidationFailed
from dossier.core.pages import query_date, query_number, query_text
from dossier.customers import services as customer_services
from dossier.customers.models import Customer, CustomerTag
from dossier.privacy.erasure import erase_customer
from dossier.privacy.models import CustomerTombstone, SelfServiceLink
from dossier.privacy.selfservice import issue_self_service_link
from dossier.templates.selectors import get_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("odd-admin", roles.ADMIN)


@pytest.fixture
def customer(admin: User) -> Customer:
    return customer_services.create_customer(
        actor=admin,
        template=get_template(key="retail_member"),
        values={"display_name": "张三", "phone": "13800138000"},
    )


def _page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _fields(response: Any) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "code"),
    [
        ("points_balance", "1e1000000", "too_large"),
        ("total_spent", "1e1000000", "too_large"),
        ("shoe_size", "-1e999999", "too_small"),
        ("points_balance", "9" * 10_000, "invalid_integer"),
    ],
)
def test_api_refuses_absurd_numbers_with_a_field_error(
    admin: User, api_as: Callable[..., Any], field: str, raw: str, code: str
) -> None:
    response = api_as(admin).post(
        "/customers",
        {
            "template": "retail_member",
            "values": {"display_name": "李四", "phone": "13900139000", field: raw},
        },
    )
    assert response.status_code == 422
    assert _fields(response) == {(field, code)}
    assert not Customer.objects.exists()


def test_form_refuses_an_absurd_number_on_the_field(admin: User) -> None:
    response = _page(admin).post(
        reverse("customers:create", args=["retail_member"]),
        {
            "kind": "person",
            "display_name": "李四",
            "phone": "13900139000",
            "total_spent": "1e1000000",
        },
    )
    assert response.status_code in (200, 422)
    assert "999999999999999" in response.content.decode()
    assert not Customer.objects.exists()


# --- dates at the ends of the calendar ---------------------------------------------------


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01"])
def test_audit_filters_accept_the_first_and_last_days(
    admin: User, api_as: Callable[..., Any], customer: Customer, query: str
) -> None:
    api = api_as(admin).get(f"/audit?{query}")
    assert api.status_code == 200 and api.json()["items"]
    assert _page(admin).get(f"/audit/?{query}").status_code == 200


@pytest.mark.parametrize("query", ["until=0", "since=1700000000", "until=2024-1-1"])
def test_audit_api_refuses_dates_not_written_as_dates(
    admin: User, api_as: Callable[..., Any], query: str
) -> None:
    response = api_as(admin).get(f"/audit?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


# --- NUL characters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/audit/?actor=%00",
        "/audit/?customer=%00&action=%00&since=%00",
        "/privacy/requests/?status=%00",
        "/customers/?q=%00&tag=%00&owner=%00&template=%00&status=%00&cursor=%00",
        "/consent/confirm/?code=%00",
    ],
)
def test_page_filters_with_a_nul_character_answer_the_page(
    admin: User, customer: Customer, path: str
) -> None:
    assert _page(admin).get(path).status_code == 200


def test_page_filters_drop_control_characters_and_read_numbers_and_dates() -> None:
    request = RequestFactory().get(
        "/", {"a": " x\x00y\x07 ", "d": "2024-05-01", "bad": "0", "n": "42", "m": "¹"}
    )
    assert query_text(request, "a") == "xy"
    assert query_text(request, "missing", "open") == "open"
    assert query_date(request, "d") is not None and query_date(request, "bad") is None
    assert query_number(request, "n") == 42 and query_number(request, "m") is None


@pytest.mark.parametrize(
    "query", ["actor=%00", "q=%00", "status=%00"], ids=["audit", "customers", "requests"]
)
def test_api_filters_with_a_nul_character_answer_no_server_error(
    admin: User, api_as: Callable[..., Any], customer: Customer, query: str
) -> None:
    path = {"actor": "/audit", "q": "/customers", "status": "/privacy/requests"}
    response = api_as(admin).get(f"{path[query.split('=')[0]]}?{query}")
    assert response.status_code in (200, 422)


# --- sizes -------------------------------------------------------------------------------


def test_a_huge_tag_list_is_refused_quickly_with_one_error(
    admin: User, api_as: Callable[..., Any], customer: Customer
) -> None:
    started = time.perf_counter()
    response = api_as(admin).put(
        f"/customers/{customer.pk}/tags", {"tag_ids": list(range(1, 100_001))}
    )
    assert time.perf_counter() - started < 3
    assert response.status_code == 422
    assert _fields(response) == {("tags", "too_many_items")}
    assert len(response.content) < 2000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/customers",
            {"template": "retail_member", "values": {f"k{i}": 1 for i in range(100_000)}},
        ),
        (
            "/customers/{id}/reveal",
            {"fields": [f"k{i}" for i in range(100_000)], "reason": "audit"},
        ),
        (
            "/templates",
            {
                "key": "huge",
                "name_zh": "大",
                "scenario": "other",
                "fields": [{"key": f"f{i}", "type": "text"} for i in range(201)],
            },
        ),
    ],
    ids=["values", "reveal-fields", "template-fields"],
)
def test_oversized_lists_and_maps_are_refused_with_a_short_answer(
    admin: User, api_as: Callable[..., Any], customer: Customer, path: str, body: Any
) -> None:
    response = api_as(admin).post(path.replace("{id}", str(customer.pk)), body)
    assert response.status_code == 422
    assert len(response.content) < 2000


def test_services_refuse_more_than_a_hundred_tags(admin: User, customer: Customer) -> None:
    tags = [
        customer_services.create_tag(actor=admin, name=f"tag {i}", colour="#aa0000")
        for i in range(101)
    ]
    with pytest.raises(ValidationFailed) as caught:
        customer_services.set_customer_tags(
            actor=admin, customer_id=customer.pk, tag_ids=[t.pk for t in tags]
        )
    assert [e.code for e in caught.value.errors] == ["too_many_items"]
    assert "100" in caught.value.errors[0].message("en")
    with pytest.raises(ValidationFailed):
        customer_services.create_customer(
            actor=admin,
            template=get_template(key="retail_member"),
            values={"display_name": "李四", "phone": "13900139000"},
            tags=[t.pk for t in tags],
        )
    # a hundred is fine
    customer_services.set_customer_tags(
        actor=admin, customer_id=customer.pk, tag_ids=[t.pk for t in tags[:100]]
    )
    assert CustomerTag.objects.filter(customer=customer).count() == 100


def test_a_body_over_the_upload_limit_answers_json_413(
    admin: User, api_as: Callable[..., Any], settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"name": "x" * (10 * 1024 * 1024)})
    response = api_as(admin)._send("post", "/tags", raw=body)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "body_too_large"


# --- a body of the wrong JSON type -------------------------------------------------------


@pytest.mark.parametrize("body", ["[null, null]", '"text"', "42", "null"])
def test_a_body_that_is_not_a_json_object_is_422(
    admin: User, api_as: Callable[..., Any], customer: Customer, body: str
) -> None:
    tag = customer_services.create_tag(actor=admin, name="VIP", colour="#aa0000")
    client = api_as(admin)
    for method, path in [
        ("patch", f"/tags/{tag.pk}"),
        ("post", f"/customers/{customer.pk}/reveal"),
        ("post", f"/privacy/customers/{customer.pk}/erase"),
        ("post", f"/privacy/customers/{customer.pk}/restrict"),
        ("post", f"/consent/customers/{customer.pk}/grant"),
    ]:
        response = client._send(method, path, raw=body)
        assert response.status_code == 422, (method, path, response.content)
        assert response.json()["errors"][0]["field"] == "body"
    assert not CustomerTombstone.objects.exists()


# --- erased and deleted customers --------------------------------------------------------


def test_an_erased_customer_takes_no_consent_grant_nor_tags(
    admin: User, customer: Customer
) -> None:
    tag = customer_services.create_tag(actor=admin, name="VIP", colour="#aa0000")
    erase_customer(actor=admin, customer_id=customer.pk)
    with pytest.raises(Conflict) as caught:
        consent_services.grant_consent(
            actor=admin,
            customer_id=customer.pk,
            purpose="marketing",
            channel="sms",
            source="staff",
            notice_version="2024-05",
        )
    assert caught.value.code == "customer_erased"
    with pytest.raises(Conflict):
        customer_services.set_customer_tags(actor=admin, customer_id=customer.pk, tag_ids=[tag.pk])
    assert not CustomerTag.objects.filter(customer=customer).exists()


def test_no_self_service_link_for_a_deleted_customer(admin: User, customer: Customer) -> None:
    customer_services.delete_customer(actor=admin, customer_id=customer.pk)
    with pytest.raises(Conflict) as caught:
        issue_self_service_link(actor=admin, customer_id=customer.pk)
    assert caught.value.code == "customer_deleted"
    assert not SelfServiceLink.objects.exists()


def test_ids_beyond_64_bits_are_422_not_an_overflow(
    admin: User, api_as: Callable[..., Any], customer: Customer
) -> None:
    client = api_as(admin)
    huge = 2**70
    assert client.put(f"/customers/{customer.pk}/tags", {"tag_ids": [huge]}).status_code == 422
    assert client.patch(f"/tags/{huge}", {"name": "x"}).status_code == 422
    assert client.post(f"/privacy/requests/{huge}/refuse", {"reason": "no"}).status_code == 422
