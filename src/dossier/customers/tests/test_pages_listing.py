"""The customer list page's sorts, count, columns, page size and filter errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dossier.activity.models import CustomerFigures
from dossier.core import roles
from dossier.customers.tests.page_helpers import client_for, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_user: Callable[..., User], make_customer: Callable[..., Any]) -> User:
    user = make_user("page-seller", roles.SALES, team="east")
    for number, name in enumerate(["张三", "Alice", "王芳"]):
        customer = make_customer(user, display_name=name)
        CustomerFigures.objects.create(customer=customer, total_spend=Decimal(10 * number))
    return user


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row.split('class="name">', 1)[1] for row in body.split("<tr>")[1:]]


def _order(response: Any) -> list[str]:
    return [
        name
        for row in _rows(response.content.decode())
        for name in ("张三", "Alice", "王芳")
        if f">{name}<" in row
    ]


def test_sort_by_name_and_spend_and_the_headers_say_so(seller: User) -> None:
    client = client_for(seller)
    response = client.get(reverse("customers:list"), {"sort": "name"})
    assert _order(response) == ["Alice", "王芳", "张三"]
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html
    assert "sort=-name" in html  # clicking again reverses
    response = client.get(reverse("customers:list"), {"sort": "-spend", "columns": "spend"})
    assert _order(response) == ["王芳", "Alice", "张三"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_count_columns_and_page_size(seller: User) -> None:
    client = client_for(seller)
    response = client.get(reverse("customers:list"), {"columns": ["email", "spend"], "size": "10"})
    text = text_of(response)
    assert "3 customers" in text
    headers = response.content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "Total spend" in headers and "E-mail" in headers and "Phone" not in headers
    # unknown columns and sizes fall back to the defaults instead of failing
    response = client.get(reverse("customers:list"), {"columns": "<script>", "size": "7"})
    assert response.status_code == 200 and "<script>" not in response.content.decode()
    assert response.context["size"] == 50


def test_pages_back_and_forth(seller: User) -> None:
    client = client_for(seller)
    first = client.get(reverse("customers:list"), {"sort": "name", "size": "10"})
    assert first.context["next_cursor"] is None  # three fit on a page of ten
    response = client.get(reverse("customers:list"), {"sort": "name", "size": "10", "cursor": "x"})
    assert response.status_code == 200  # a mangled cursor shows the first page
    assert _order(response) == ["Alice", "王芳", "张三"]


def test_a_bad_filter_is_named_on_the_page(seller: User) -> None:
    response = client_for(seller).get(reverse("customers:list"), {"created_from": "2024-02-30"})
    assert response.status_code == 200
    assert "created_from" in text_of(response)
    assert (
        _rows(response.content.decode()) == [] if "<tbody>" in response.content.decode() else True
    )
    response = client_for(seller).get(reverse("customers:list"), {"sort": "password"})
    assert response.status_code == 200
    assert "Unknown sort" in text_of(response) or "sort" in text_of(response)


def test_chinese_count(seller: User) -> None:
    client = client_for(seller)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("customers:list"), headers={"accept-language": "zh-hans"})
    assert "3 位客户" in text_of(response)
