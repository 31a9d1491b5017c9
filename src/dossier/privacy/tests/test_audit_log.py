"""The audit log page and API: who may read it, filters, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_customer, update_customer
from dossier.privacy.audit_log import AuditFilters, audit_events
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("chief", roles.MANAGER, team="east")


@pytest.fixture
def customer(sales_user: User, member_template: Template) -> Customer:
    made = create_customer(
        actor=sales_user,
        template=member_template,
        values={"display_name": "张三", "phone": "13800138000", "points": 5},
    )
    update_customer(actor=sales_user, customer_id=made.pk, values={"points": 6}, expected_version=1)
    return made


def test_manager_reads_events_about_a_customer(manager: User, customer: Customer) -> None:
    page = audit_events(actor=manager, filters=AuditFilters(customer=str(customer.pk)))
    assert [e.action for e in page.items] == ["update", "create"]
    assert page.items[0].changes["points"] == {"before": 6 - 1, "after": 6}


def test_filters_by_person_and_action_and_pages(manager: User, customer: Customer) -> None:
    only_updates = audit_events(actor=manager, filters=AuditFilters(actor="li.na", action="update"))
    assert [e.action for e in only_updates.items] == ["update"]
    first = audit_events(actor=manager, filters=AuditFilters(actor="li.na"), limit=1)
    second = audit_events(
        actor=manager, filters=AuditFilters(actor="li.na"), cursor=first.next_cursor
    )
    assert first.next_cursor and {e.pk for e in first.items}.isdisjoint(e.pk for e in second.items)


def test_sales_may_not_read_the_audit_log(sales_user: User, api_as: Callable[..., Any]) -> None:
    assert api_as(sales_user).get("/audit").status_code == 403
    client = Client()
    client.force_login(sales_user)
    assert client.get("/audit/").status_code == 403


def test_audit_api_and_page(manager: User, customer: Customer, api_as: Callable[..., Any]) -> None:
    body = api_as(manager).get(f"/audit?customer={customer.pk}").json()
    assert [item["action"] for item in body["items"]] == ["update", "create"]
    assert api_as(manager).get("/audit?action=nonsense").status_code == 422
    client = Client()
    client.force_login(manager)
    html = client.get("/audit/", {"customer": str(customer.pk)}).content.decode()
    assert "li.na" in html and "points" in html
    assert "13800138000" not in html


def test_an_erased_customer_cannot_be_filled_in_again(
    manager: User, customer: Customer, sales_user: User
) -> None:
    from dossier.core.errors import Conflict
    from dossier.privacy.erasure import erase_customer

    erase_customer(actor=manager, customer_id=customer.pk)
    current = Customer.objects.get(pk=customer.pk)
    with pytest.raises(Conflict) as refused:
        update_customer(
            actor=manager,
            customer_id=customer.pk,
            values={"phone": "13800138000"},
            expected_version=current.version,
        )
    assert refused.value.code == "customer_erased"
    assert Customer.objects.get(pk=customer.pk).phone == ""


def test_identifying_general_values_are_named_not_kept_in_the_audit_log(
    sales_user: User, manager: User, member_template: Template
) -> None:
    made = create_customer(
        actor=sales_user,
        template=member_template,
        values={"display_name": "李四", "phone": "13800138001", "member_no": "M123456"},
    )
    update_customer(
        actor=sales_user, customer_id=made.pk, values={"member_no": "M654321"}, expected_version=1
    )
    events = audit_events(actor=manager, filters=AuditFilters(customer=str(made.pk))).items
    assert events[0].changes["member_no"] == {"changed": True}
    assert "M123456" not in str([e.changes for e in events])
