"""Revealing masked values: permission, reason, audit; never by default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.customers.models import Customer
from dossier.customers.services import create_customer, reveal_values
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("chief", roles.MANAGER, team="east")


@pytest.fixture
def customer(sales_user: User, member_template: Template) -> Customer:
    return create_customer(
        actor=sales_user,
        template=member_template,
        values={"display_name": "张三", "phone": "13800138000", "id_number": ID_NUMBER},
    )


def test_manager_reveals_an_id_number_with_a_reason_and_it_is_audited(
    manager: User, customer: Customer
) -> None:
    revealed = reveal_values(
        actor=manager, customer_id=customer.pk, fields=["id_number"], reason="签合同核验身份"
    )
    assert revealed == {"id_number": ID_NUMBER}
    event = AuditEvent.objects.get(action="reveal", customer_id=customer.pk)
    assert event.actor == manager and event.reason == "签合同核验身份"
    assert event.changes == {"fields": ["id_number"]}
    assert ID_NUMBER not in str(event.changes)


def test_reveal_needs_the_permission(sales_user: User, customer: Customer) -> None:
    with pytest.raises(PermissionDenied):
        reveal_values(
            actor=sales_user, customer_id=customer.pk, fields=["id_number"], reason="why not"
        )
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_needs_a_reason_and_known_fields(manager: User, customer: Customer) -> None:
    with pytest.raises(ValidationFailed) as refused:
        reveal_values(actor=manager, customer_id=customer.pk, fields=["nope"], reason=" ")
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("fields", "unknown_field"),
        ("reason", "too_short"),
    }
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_through_the_api(
    manager: User, customer: Customer, api_as: Callable[..., Any]
) -> None:
    api = api_as(manager)
    shown = api.get(f"/customers/{customer.pk}").json()
    assert shown["values"]["id_number"] == "110105********002X"
    response = api.post(
        f"/customers/{customer.pk}/reveal", {"fields": ["id_number"], "reason": "客户要求核对"}
    )
    assert response.status_code == 200 and response.json() == {"values": {"id_number": ID_NUMBER}}
    missing_reason = api.post(
        f"/customers/{customer.pk}/reveal", {"fields": ["id_number"], "reason": ""}
    )
    assert missing_reason.status_code == 422
    assert missing_reason.json()["errors"][0]["field"] == "reason"


def test_reveal_on_the_detail_page(manager: User, customer: Customer) -> None:
    client = Client()
    client.force_login(manager)
    page = client.get(f"/customers/{customer.pk}/")
    assert (
        ID_NUMBER not in page.content.decode() and "Reveal masked values" in page.content.decode()
    )
    shown = client.post(
        f"/customers/{customer.pk}/reveal/", {"fields": ["id_number"], "reason": "核验身份"}
    )
    assert shown.status_code == 200 and ID_NUMBER in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    # the next plain view is masked again
    assert ID_NUMBER not in client.get(f"/customers/{customer.pk}/").content.decode()


def test_a_patch_with_an_unknown_tag_changes_nothing(
    sales_user: User, customer: Customer, api_as: Callable[..., Any]
) -> None:
    response = api_as(sales_user).patch(
        f"/customers/{customer.pk}",
        {"version": 1, "values": {"display_name": "张三丰"}, "tags": [999999]},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "tags"
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.display_name, stored.version) == ("张三", 1)
    assert not AuditEvent.objects.filter(action="update", customer_id=customer.pk).exists()
