"""A new customer that likely duplicates one on file: block, warn or allow, API and page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.customers.models import Customer
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db


def _body(name: str = "張偉", phone: str = "+86 139 1234 0000", **extra: Any) -> dict[str, Any]:
    return {
        "template": "member",
        "values": {"display_name": name, "phone": phone},
        **extra,
    }


@pytest.fixture
def on_file(sales: User, make_customer: Callable[..., Any]) -> Customer:
    customer: Customer = make_customer(sales, display_name="张伟", phone="13912340000")
    return customer


def _policy(template: Template, policy: str) -> None:
    template.duplicate_policy = policy
    template.save(update_fields=["duplicate_policy"])


def test_warn_answers_409_with_explained_candidates_then_saves_when_allowed(
    api_as: Any, sales: User, on_file: Customer
) -> None:
    answer = api_as(sales).post("/customers", _body())
    assert answer.status_code == 409, answer.content
    body = answer.json()
    assert body["code"] == "likely_duplicate"
    assert [c["id"] for c in body["candidates"]] == [str(on_file.pk)]
    reasons = body["candidates"][0]["reasons"]
    assert "phone equal" in reasons
    assert any("张伟" in r and "≈" in r for r in reasons)
    # the phone number itself is not in the explanation
    assert not any("1391234" in r for r in reasons)
    assert Customer.objects.count() == 1
    saved = api_as(sales).post("/customers", _body(allow_duplicate=True))
    assert saved.status_code == 201
    assert Customer.objects.count() == 2


def test_block_refuses_even_with_allow_duplicate(
    api_as: Any, sales: User, on_file: Customer, member_template: Template
) -> None:
    _policy(member_template, "block")
    answer = api_as(sales).post("/customers", _body(allow_duplicate=True))
    assert answer.status_code == 409
    assert answer.json()["policy"] == "block"
    assert Customer.objects.count() == 1


def test_allow_does_not_check(
    api_as: Any, sales: User, on_file: Customer, member_template: Template
) -> None:
    _policy(member_template, "allow")
    assert api_as(sales).post("/customers", _body()).status_code == 201


def test_another_teams_customer_is_never_named(
    api_as: Any, outsider: User, on_file: Customer, member_template: Template
) -> None:
    # warn: nothing the outsider may see, so nothing to warn about
    assert api_as(outsider).post("/customers", _body()).status_code == 201
    _policy(member_template, "block")
    refused = api_as(outsider).post("/customers", _body(name="Zhang Wei"))
    assert refused.status_code == 409
    named = [c["id"] for c in refused.json()["candidates"]]
    assert str(on_file.pk) not in named  # only their own 張偉 is named
    assert refused.json()["hidden_matches"] is True
    assert "张伟" not in refused.content.decode()


def test_a_household_member_is_not_a_duplicate(api_as: Any, sales: User, on_file: Customer) -> None:
    answer = api_as(sales).post("/customers", _body(name="张敏", phone="13912340000"))
    assert answer.status_code == 201


def test_the_page_warns_with_links_and_saves_when_confirmed(
    client: Client, sales: User, on_file: Customer
) -> None:
    client.force_login(sales)
    form = {"display_name": "Zhang Wei", "phone": "13912340000", "kind": "person"}
    warned = client.post("/customers/new/member/", form)
    assert warned.status_code == 409
    page = warned.content.decode()
    assert 'id="duplicate-warning"' in page
    assert f"/customers/{on_file.pk}/" in page
    assert 'name="allow_duplicate"' in page
    assert Customer.objects.count() == 1
    saved = client.post("/customers/new/member/", {**form, "allow_duplicate": "1"})
    assert saved.status_code == 302
    assert Customer.objects.count() == 2
