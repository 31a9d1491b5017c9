"""The segment pages: list, editor, live count, rows added and re-drawn, saving, errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.activity.figures import add_to_figures
from dossier.core import roles
from dossier.insights.models import Segment
from dossier.insights.services import create_segment

FORM = {"name": "大客户", "visibility": "team", "match": "all",
        "r0-field": "total_spend", "r0-op": "gte", "r0-value": "1,000"}  # fmt: skip


@pytest.fixture
def sales(make_user: Callable[..., User]) -> User:
    return make_user("page.sales", roles.SALES, team="east")


@pytest.fixture
def client(sales: User) -> Client:
    browser = Client()
    browser.force_login(sales)
    return browser


@pytest.fixture
def spenders(sales: User, make_customer: Callable[..., Any]) -> list[Any]:
    made = [make_customer(sales) for _ in range(3)]
    for customer, spend in zip(made, (5000, 1000, 10), strict=True):
        add_to_figures(customer_id=customer.pk, order_count=1, total_spend=Decimal(spend))
    return made


def test_the_live_count_answers_the_form_as_it_stands(client: Client, spenders: list[Any]) -> None:
    response = client.post("/insights/segments/count/", FORM)
    assert response.status_code == 200
    assert 'data-count="2"' in response.content.decode()
    negated = client.post("/insights/segments/count/", {**FORM, "r0-negate": "1"})
    assert 'data-count="1"' in negated.content.decode()


def test_a_bad_condition_is_named_in_the_count_box_and_saving_it_keeps_the_form(
    client: Client, spenders: list[Any]
) -> None:
    bad = {**FORM, "r0-value": "lots"}
    shown = client.post("/insights/segments/count/", bad).content.decode()
    assert "rules.all[0].value" in shown and 'role="alert"' in shown
    saved = client.post("/insights/segments/new/", bad)
    assert saved.status_code == 422
    page = saved.content.decode()
    assert "rules.all[0].value" in page and 'value="lots"' in page and 'value="大客户"' in page
    assert not Segment.objects.exists()


def test_saving_makes_the_segment_and_shows_it_in_the_list(
    client: Client, spenders: list[Any]
) -> None:
    response = client.post("/insights/segments/new/", FORM)
    segment = Segment.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/insights/segments/{segment.pk}/"
    )
    assert segment.rules == {"all": [{"field": "total_spend", "op": "gte", "value": 1000}]}
    listed = client.get("/insights/segments/").content.decode()
    assert "大客户" in listed
    editor = client.get(f"/insights/segments/{segment.pk}/").content.decode()
    assert 'name="r0-field"' in editor and 'value="1000"' in editor


def test_a_new_row_takes_the_next_index_and_a_changed_field_redraws_its_operators(
    client: Client,
) -> None:
    added = client.post("/insights/segments/row/", {**FORM, "r4-field": "city", "r4-op": "eq"})
    assert 'name="r5-field"' in added.content.decode()
    assert added["HX-Trigger-After-Settle"] == "segment-recount"
    redrawn = client.get(
        "/insights/segments/row/", {"index": "3", "r3-field": "consent"}
    ).content.decode()
    assert 'name="r3-purpose"' in redrawn and 'value="granted"' in redrawn
    assert 'value="gte"' not in redrawn


def test_nested_rules_are_edited_as_json(client: Client, sales: User, spenders: list[Any]) -> None:
    rules = {"any": [{"not": {"field": "city", "op": "eq", "value": "上海"}},
                     {"all": [{"field": "order_count", "op": "gte", "value": 1}]}]}  # fmt: skip
    segment = create_segment(actor=sales, name="nested", rules=rules)
    page = client.get(f"/insights/segments/{segment.pk}/").content.decode()
    assert "&quot;any&quot;" in page and "<details open" in page
    count = client.post("/insights/segments/count/", {"rules_json": "{not json"}).content.decode()
    assert 'role="alert"' in count


def test_the_editor_speaks_chinese(client: Client) -> None:
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/insights/segments/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "消费总额" in page and "至少" in page


def test_another_team_cannot_open_or_change_a_team_segment(
    make_user: Callable[..., User], sales: User
) -> None:
    segment = create_segment(actor=sales, name="ours", rules=FORM_RULES)
    other = Client()
    other.force_login(make_user("page.other", roles.SALES, team="west"))
    assert other.get(f"/insights/segments/{segment.pk}/").status_code == 404
    assert other.post(f"/insights/segments/{segment.pk}/", FORM).status_code == 404
    assert other.post(f"/insights/segments/{segment.pk}/delete/").status_code == 404
    assert Segment.objects.get().name == "ours"


FORM_RULES = {"field": "total_spend", "op": "gte", "value": 1000}
