"""The customer list with its tools: saved views as tabs (and a default view), the column
chooser kept per user, and the bulk bar acting on ticked rows or on all matching."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dossier.activity.models import CustomerFigures
from dossier.bulk.models import BulkAction
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.tests.page_helpers import client_for, text_of
from dossier.savedviews.models import SavedView

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


@pytest.fixture
def seller(make_user: Callable[..., User], make_customer: Callable[..., Any]) -> User:
    user = make_user("tools-seller", roles.SALES, team="east")
    for number, name in enumerate(["张三", "Alice", "王芳"]):
        customer = make_customer(user, display_name=name, lifecycle="lead" if number else "")
        CustomerFigures.objects.create(customer=customer, total_spend=Decimal(100 * number))
    return user


def _names(response: Any) -> set[str]:
    html = response.content.decode()
    return {n for n in ("张三", "Alice", "王芳") if f">{n}</a>" in html}


def test_a_saved_view_is_a_tab_that_brings_its_filters_back(seller: User) -> None:
    client = client_for(seller)
    form = {
        "list": "customers",
        "name": "Big leads",
        "next": LIST,
        "param:status": "lead",
        "param:spend_min": "150",
        "param:sort": "-spend",
    }
    response = client.post("/saved-views/", form)
    view = SavedView.objects.get()
    assert response["Location"] == f"{LIST}?view={view.pk}"
    page = client.get(LIST, {"view": view.pk})
    assert _names(page) == {"王芳"}
    assert "Big leads" in text_of(page) and 'aria-current="page"' in page.content.decode()
    # the filters shown are the view's, so changing one starts from them
    assert page.context["filters"].spend_min == "150"
    # a filter sent with the view replaces the view's
    assert _names(client.get(LIST, {"view": view.pk, "spend_min": "50"})) == {"Alice", "王芳"}


def test_the_default_view_opens_the_plain_list(seller: User) -> None:
    client = client_for(seller)
    form = {"list": "customers", "name": "Leads", "next": LIST, "param:status": "lead"}
    client.post("/saved-views/", {**form, "default": "1"})
    assert _names(client.get(LIST)) == {"Alice", "王芳"}
    assert _names(client.get(LIST, {"view": "all"})) == {"张三", "Alice", "王芳"}


def test_a_teammates_personal_view_is_neither_a_tab_nor_applied(
    seller: User, make_user: Callable[..., User]
) -> None:
    colleague = make_user("tools-colleague", roles.SALES, team="east")
    client_for(colleague).post(
        "/saved-views/", {"list": "customers", "name": "Mine", "next": LIST, "param:q": "zz"}
    )
    view = SavedView.objects.get()
    page = client_for(seller).get(LIST, {"view": view.pk})
    assert "Mine" not in text_of(page)
    assert _names(page) == {"张三", "Alice", "王芳"}  # ignored, not applied


def test_chosen_columns_are_kept_for_the_user(seller: User) -> None:
    client = client_for(seller)
    response = client.post(
        "/list-preferences/customers/",
        {"columns": ["email", "spend"], "page_size": "25", "next": LIST},
    )
    assert response.status_code == 302
    page = client.get(LIST)
    headers = page.content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "Total spend" in headers and "Phone" not in headers
    assert page.context["size"] == 25


def test_tick_rows_and_tag_them(seller: User) -> None:
    from dossier.customers.services import create_tag

    tag = create_tag(actor=seller, name="跟进") if seller.has_perm("customers.add_tag") else None
    page = client_for(seller).get(LIST)
    html = page.content.decode()
    assert 'id="bulk-form"' in html and html.count('form="bulk-form"') == 3
    if tag is None:
        from dossier.customers.models import Tag

        tag = Tag.objects.create(name="跟进")
    ids = [str(c.pk) for c in Customer.objects.filter(owner=seller)][:2]
    response = client_for(seller).post(
        "/bulk/", {"action": "add_tag", "bulk_tag": str(tag.pk), "ids": ids}
    )
    assert response.status_code == 302
    tagged = Customer.objects.filter(tags=tag)
    assert {str(c.pk) for c in tagged} == set(ids)


def test_all_matching_takes_every_list_filter(seller: User) -> None:
    response = client_for(seller).post(
        "/bulk/",
        {
            "action": "change_lifecycle",
            "bulk_lifecycle": "active",
            "all_matching": "1",
            "spend_min": "50",
            "tag_mode": "",
        },
    )
    assert response.status_code == 302
    bulk = BulkAction.objects.get()
    assert bulk.filters["spend_min"] == "50"
    changed = set(
        Customer.objects.filter(lifecycle="active").values_list("display_name", flat=True)
    )
    assert changed == {"Alice", "王芳"}


def test_all_matching_with_a_bad_filter_changes_nothing(seller: User) -> None:
    response = client_for(seller).post(
        "/bulk/",
        {"action": "change_lifecycle", "bulk_lifecycle": "active", "all_matching": "1",
         "created_from": "2024-02-31"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "created_from" in text_of(response)
    assert not Customer.objects.filter(lifecycle="active").exists()


def test_the_results_partial_redraws_the_tabs_and_the_bars_filters(seller: User) -> None:
    page = client_for(seller).get(LIST, {"spend_min": "50"}, headers={"HX-Request": "true"})
    html = page.content.decode()
    assert 'id="savedviews-tabs-customers"' in html and 'hx-swap-oob="true"' in html
    bar = html.split('id="bulk-filters"', 1)[1].split("</div>", 1)[0]
    assert 'name="spend_min" value="50"' in bar
