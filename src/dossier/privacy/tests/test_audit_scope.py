"""The audit log shows a reader only what ``customers.access.restrict`` lets them see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.audit.services import record_audit
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.privacy.audit_log import AuditFilters, audit_events
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db


@pytest.fixture
def east_manager(make_user: Callable[..., User]) -> User:
    return make_user("east.boss", roles.MANAGER, team="east")


@pytest.fixture
def west_customer(make_user: Callable[..., User], member_template: Template) -> Customer:
    west_sales = make_user("west.sales", roles.SALES, team="west")
    return create_customer(
        actor=west_sales,
        template=member_template,
        values={"display_name": "西区客户", "phone": "13911112222", "points": 3},
    )


def test_manager_gets_nothing_about_another_teams_customer_from_the_api(
    east_manager: User, west_customer: Customer, api_as: Callable[..., Any]
) -> None:
    api = api_as(east_manager)
    assert api.get(f"/customers/{west_customer.pk}").status_code == 404
    answer = api.get(f"/audit?customer={west_customer.pk}")
    assert answer.status_code == 200
    assert answer.json()["items"] == []
    unfiltered = api.get("/audit?limit=200").json()["items"]
    assert str(west_customer.pk) not in str(unfiltered)


def test_manager_gets_nothing_about_another_teams_customer_on_the_page(
    east_manager: User, west_customer: Customer
) -> None:
    browser = Client()
    browser.force_login(east_manager)
    page = browser.get(f"/audit/?customer={west_customer.pk}")
    assert page.status_code == 200
    assert list(page.context["page"].items) == []
    assert str(west_customer.pk) not in browser.get("/audit/").content.decode()


def test_manager_reads_own_teams_customers_and_team_members_events(
    east_manager: User,
    west_customer: Customer,
    sales_user: User,
    make_user: Callable[..., User],
    member_template: Template,
) -> None:
    east = create_customer(
        actor=sales_user,
        template=member_template,
        values={"display_name": "东区客户", "phone": "13922223333"},
    )
    record_audit(actor=sales_user, action="login")  # li.na is in the east team
    record_audit(actor=make_user("west.other", roles.SALES, team="west"), action="login")
    record_audit(actor=None, action="template_publish", object_type="template", object_id="x")
    seen = audit_events(actor=east_manager, limit=200).items
    assert {(e.action, e.actor_name, e.customer_id) for e in seen} == {
        ("create", "li.na", east.pk),
        ("login", "li.na", None),
    }


def test_admin_reads_every_event(
    admin_user: User, east_manager: User, west_customer: Customer
) -> None:
    record_audit(actor=None, action="template_publish", object_type="template", object_id="x")
    page = audit_events(actor=admin_user, filters=AuditFilters(customer=str(west_customer.pk)))
    assert [e.action for e in page.items] == ["create"]
    assert len(audit_events(actor=admin_user, limit=200).items) >= 3
