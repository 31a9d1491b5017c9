"""The customer list page: search, filters, the htmx partial, paging; layout and languages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dossier.core import roles
from dossier.customers.services import create_customer, create_customers, create_tag
from dossier.customers.tests.page_helpers import VALID_PHONE, add_customer, client_for, text_of
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db


# --- list -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in(db: Any) -> None:
    response = Client().get(reverse("customers:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_site_root_is_the_customer_list(sales_user: User, member_template: Template) -> None:
    add_customer(sales_user, member_template)
    response = client_for(sales_user).get("/")
    assert response.status_code == 200
    assert "张三" in text_of(response)
    assert response.context["nav"] == "customers"


def test_list_search_by_pinyin_finds_own_customers_only(
    sales_user: User, make_user: Callable[..., User], member_template: Template
) -> None:
    mine = add_customer(sales_user, member_template)
    add_customer(sales_user, member_template, display_name="李四", phone="13900139000")
    colleague = make_user("zhou.qi", roles.SALES, team="east")
    add_customer(colleague, member_template, display_name="张三丰", phone="13700137000")

    response = client_for(sales_user).get(reverse("customers:list"), {"q": "zhangsan"})

    html = text_of(response)
    assert [item["id"] for item in response.context["items"]] == [str(mine.pk)]
    assert reverse("customers:detail", args=[mine.pk]) in html
    assert "李四" not in html and "张三丰" not in html


def test_list_filters_by_tag_lifecycle_and_template(
    admin_user: User, member_template: Template
) -> None:
    vip = create_tag(actor=admin_user, name="VIP", colour="#aa0000")
    tagged = create_customer(
        actor=admin_user,
        template=member_template,
        values={"display_name": "王五", "phone": VALID_PHONE, "lifecycle": "active"},
        tags=[vip.pk],
    )
    add_customer(admin_user, member_template, display_name="赵六", phone="13900139000")
    client = client_for(admin_user)

    by_tag = client.get(reverse("customers:list"), {"tag": str(vip.pk)})
    by_status = client.get(reverse("customers:list"), {"status": "active"})
    by_template = client.get(reverse("customers:list"), {"template": "retail_member"})

    assert [i["id"] for i in by_tag.context["items"]] == [str(tagged.pk)]
    assert [i["id"] for i in by_status.context["items"]] == [str(tagged.pk)]
    assert by_template.context["items"] == []
    # the row shows the tag in its colour and the lifecycle's label, not its code
    row = text_of(by_tag)
    assert 'style="background: #aa0000; color: #ffffff">VIP</span>' in row
    assert ">Active<" in row


def test_list_owner_me_hides_customers_of_others(
    admin_user: User, sales_user: User, member_template: Template
) -> None:
    add_customer(sales_user, member_template)
    own = add_customer(admin_user, member_template, display_name="王五", phone="13900139000")
    response = client_for(admin_user).get(reverse("customers:list"), {"owner": "me"})
    assert [i["id"] for i in response.context["items"]] == [str(own.pk)]


def test_htmx_request_returns_only_the_results_partial(
    sales_user: User, member_template: Template
) -> None:
    add_customer(sales_user, member_template)
    client = client_for(sales_user)

    partial = client.get(reverse("customers:list"), {"q": "zs"}, headers={"HX-Request": "true"})
    full = client.get(reverse("customers:list"), {"q": "zs"})

    assert "<html" not in text_of(partial) and 'id="id_q"' not in text_of(partial)
    assert "<table" in text_of(partial) and "张三" in text_of(partial)
    assert "<html" in text_of(full) and 'hx-trigger="input changed delay:300ms, search"' in text_of(
        full
    )
    assert "HX-Request" in partial["Vary"]


def test_list_masks_phone_for_users_without_personal_access(
    admin_user: User, make_user: Callable[..., User], member_template: Template
) -> None:
    customer = add_customer(admin_user, member_template)
    marketer = make_user("ma.li", roles.MARKETING)
    from dossier.customers.services import share_customer

    share_customer(actor=admin_user, customer_id=customer.pk, user=marketer)
    html = text_of(client_for(marketer).get(reverse("customers:list")))
    assert '<span class="masked">138****8000</span>' in html
    assert VALID_PHONE not in html


def test_list_pages_with_a_cursor(admin_user: User, member_template: Template) -> None:
    rows = [{"display_name": f"客户{n}", "phone": VALID_PHONE} for n in range(51)]
    assert (
        len(create_customers(actor=admin_user, template=member_template, rows=rows).created) == 51
    )
    client = client_for(admin_user)

    first = client.get(reverse("customers:list"))
    cursor = first.context["next_cursor"]
    second = client.get(reverse("customers:list"), {"cursor": cursor})

    assert len(first.context["items"]) == 50 and cursor
    assert f"cursor={cursor}" in text_of(first) and "Next page" in text_of(first)
    assert len(second.context["items"]) == 1
    assert second.context["items"][0]["id"] not in {i["id"] for i in first.context["items"]}
    assert "First page" in text_of(second) and second.context["next_cursor"] is None
    # a mangled cursor falls back to the first page rather than failing
    assert len(client.get(reverse("customers:list"), {"cursor": "nope"}).context["items"]) == 50


# --- languages and layout -------------------------------------------------------------------


def test_pages_speak_english_and_chinese(sales_user: User) -> None:
    client = client_for(sales_user)
    english = text_of(client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="en"))
    chinese = text_of(client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "<h1>Customers</h1>" in english
    assert "<h1>客户</h1>" in chinese and "生命周期" in chinese

    form = text_of(
        client.get(
            reverse("customers:create", args=["retail_member"]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    )
    assert '<label for="id_phone" class="required">手机号</label>' in form
    assert "会员凭手机号识别和登录" in form and "联系方式" in form


def test_pages_carry_the_viewport_meta_tag(sales_user: User, member_template: Template) -> None:
    customer = add_customer(sales_user, member_template)
    client = client_for(sales_user)
    for url in (
        reverse("customers:list"),
        reverse("customers:new"),
        reverse("customers:create", args=["retail_member"]),
        reverse("customers:detail", args=[customer.pk]),
        reverse("customers:edit", args=[customer.pk]),
        reverse("customers:tags"),
    ):
        html = text_of(client.get(url))
        assert re.search(
            r'<meta name="viewport" content="width=device-width, initial-scale=1">', html
        ), url
