"""Requests and the audit log take a customer by search, and name customers in their lists."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.audit.services import record_audit
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.privacy.models import SubjectRequest
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("east.boss", roles.MANAGER, team="east")


@pytest.fixture
def east(sales_user: User, member_template: Template) -> Customer:
    return create_customer(
        actor=sales_user,
        template=member_template,
        values={"display_name": "张三丰", "phone": "13912345678"},
    )


@pytest.fixture
def west(make_user: Callable[..., User], member_template: Template) -> Customer:
    return create_customer(
        actor=make_user("west.sales", roles.SALES, team="west"),
        template=member_template,
        values={"display_name": "张三丰", "phone": "13987654321"},
    )


def _browser(user: User, language: str = "en") -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    browser.force_login(user)
    return browser


def test_picker_offers_only_customers_the_user_may_see(
    manager: User, east: Customer, west: Customer, make_user: Callable[..., User]
) -> None:
    browser = _browser(manager)
    by_name = browser.get("/customers/pick/", {"name": "customer_id", "customer_q": "张三丰"})
    html = by_name.content.decode()
    assert by_name.status_code == 200
    assert f'name="customer_id" value="{east.pk}"' in html and str(west.pk) not in html
    by_phone = browser.get("/customers/pick/", {"customer_q": "13912345678"}).content.decode()
    assert str(east.pk) in by_phone
    other_team = browser.get("/customers/pick/", {"customer_q": "13987654321"}).content.decode()
    assert str(west.pk) not in other_team and "No customer you may see matches." in other_team
    pasted_id = browser.get("/customers/pick/", {"customer_q": str(west.pk)}).content.decode()
    assert str(west.pk) not in pasted_id
    # a made-up field name is not echoed into the form
    odd = browser.get("/customers/pick/", {"name": 'x"><script>', "customer_q": "张三丰"})
    assert "<script>" not in odd.content.decode() and 'name="customer_id"' in odd.content.decode()
    analyst = _browser(make_user("analyst", roles.ANALYST))
    assert (
        "张三丰" not in analyst.get("/customers/pick/", {"customer_q": "张三丰"}).content.decode()
    )


def test_request_form_takes_the_picked_customer_and_lists_it_by_name(
    manager: User, east: Customer
) -> None:
    browser = _browser(manager, "zh-hans")
    page = browser.get("/privacy/requests/").content.decode()
    assert 'hx-get="/customers/pick/?name=customer_id"' in page
    assert 'name="customer_q"' in page and 'id="id_customer_id"' not in page
    posted = browser.post(
        "/privacy/requests/",
        {
            "customer_id": str(east.pk),
            "customer_q": "张三",
            "kind": "access",
            "received_via": "phone",
        },
    )
    assert posted.status_code == 302
    assert SubjectRequest.objects.get().customer_id == east.pk
    listed = browser.get("/privacy/requests/").content.decode()
    assert "张三丰" in listed


def test_request_form_without_a_pick_shows_the_matches_instead_of_saving(
    manager: User, east: Customer, west: Customer
) -> None:
    browser = _browser(manager, "zh-hans")
    posted = browser.post(
        "/privacy/requests/",
        {"customer_id": "", "customer_q": "张三丰", "kind": "access", "received_via": "phone"},
    )
    html = posted.content.decode()
    assert posted.status_code == 422
    assert "请选择客户" in html
    assert f'value="{east.pk}"' in html and str(west.pk) not in html
    assert not SubjectRequest.objects.exists()


def test_audit_page_filters_by_a_searched_customer_with_names_and_words(
    manager: User, east: Customer, west: Customer
) -> None:
    record_audit(
        actor=None,
        action="view_sensitive",
        object_type="self_service",
        object_id=east.pk,
        customer_id=east.pk,
        reason="self-service",
    )
    browser = _browser(manager, "zh-hans")
    page = browser.get("/audit/", {"customer_q": "张三丰"})  # as typed, without JavaScript
    html = page.content.decode()
    assert {e.customer_id for e in page.context["page"].items} == {east.pk}
    assert "张三丰" in html and str(west.pk) not in html
    assert "查看敏感信息" in html and "创建" in html  # actions by name, not code
    assert "客户本人通过自助链接操作" in html and ">self-service<" not in html
    assert "自助页面" in html  # the record's kind, not "self_service"
    english = _browser(manager).get("/audit/", {"customer": str(east.pk)}).content.decode()
    assert "by the customer, through a self-service link" in english
    assert "view sensitive data" in english
    assert f'value="{east.pk}" checked' in english  # the chosen customer stays chosen
