"""Grades by province, city, industry and value band; whole small groups hidden from analysts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.accounts.models import Team
from dossier.core import roles
from dossier.customers.ids import uuid7
from dossier.customers.models import Customer
from dossier.insights import grade_groups
from dossier.insights.models import CustomerScore
from dossier.insights.reports import ReportFilters, reports
from dossier.templates.models import Template

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": make_user("gg.admin", roles.ADMIN),
        "manager": make_user("gg.manager", roles.MANAGER, team="east"),
        "analyst": make_user("gg.analyst", roles.ANALYST),
        "west": make_user("gg.west", roles.SALES, team="west"),
    }


def _graded(template: Template, grade: str, spend: int, team: Team | None = None, **facts: Any):
    customer = Customer.objects.create(
        id=uuid7(), display_name="x", template=template,
        template_version=template.current_version, team=team, **facts,
    )  # fmt: skip
    CustomerScore.objects.create(
        customer=customer, grade=grade, monetary=Decimal(spend), refreshed_at=NOW
    )
    return customer


@pytest.fixture
def graded(people: dict[str, User]) -> dict[str, Any]:
    """Eleven B2B accounts in 浙江 杭州 (seven IT: 2 A, 5 B; four manufacturing, all C), two
    retail members in 上海 (D), one B2B account in 浙江 宁波 with no industry (A)."""
    b2b = Template.objects.get(key="b2b_account")
    member = Template.objects.get(key="retail_member")
    east = Team.objects.get(name="east")
    place = {"province": "浙江", "city": "杭州"}
    for grade, spend in [("A", 30000)] * 2 + [("B", 6000)] * 5:
        _graded(b2b, grade, spend, east, attributes={"industry": "it"}, **place)
    for _ in range(4):
        _graded(b2b, "C", 1500, attributes={"industry": "manufacturing"}, **place)
    for _ in range(2):
        _graded(member, "D", 50, province="上海", city="上海")
    _graded(b2b, "A", 25000, attributes={"industry": ""}, province="浙江", city="宁波")
    return {"b2b": b2b}


def _rows(actor: User, key: str, language: str = "en", **filters: Any) -> list[list[Any]]:
    return reports(actor=actor, filters=ReportFilters(**filters), language=language, only=key)[
        0
    ].rows


def test_grades_by_industry_count_accounts_that_record_one(
    people: dict[str, User], graded: dict[str, Any]
) -> None:
    assert _rows(people["admin"], "grades_by_industry") == [
        ["Information technology", 2, 5, 0, 0],
        ["Manufacturing", 0, 0, 4, 0],
    ]
    chinese = _rows(people["admin"], "grades_by_industry", "zh-hans")
    assert [row[0] for row in chinese] == ["信息技术", "制造业"]


def test_grades_by_province_city_and_value_band(
    people: dict[str, User], graded: dict[str, Any]
) -> None:
    assert _rows(people["admin"], "grades_by_region") == [
        ["浙江", 3, 5, 4, 0],
        ["上海", 0, 0, 0, 2],
    ]
    assert _rows(people["admin"], "grades_by_city") == [
        ["浙江 杭州", 2, 5, 4, 0],
        ["上海", 0, 0, 0, 2],  # the city that is its province is named once
        ["浙江 宁波", 1, 0, 0, 0],
    ]
    assert _rows(people["admin"], "grades_by_value") == [
        ["0–100", 0, 0, 0, 2],
        ["1,000–5,000", 0, 0, 4, 0],
        ["5,000–20,000", 0, 5, 0, 0],
        ["≥ 20,000", 3, 0, 0, 0],
    ]


def test_the_filters_and_a_managers_reach_narrow_the_groups(
    people: dict[str, User], graded: dict[str, Any]
) -> None:
    assert _rows(people["admin"], "grades_by_region", template="retail_member") == [
        ["上海", 0, 0, 0, 2]
    ]
    # the manager of east sees the seven IT accounts of east only
    assert _rows(people["manager"], "grades_by_industry") == [
        ["Information technology", 2, 5, 0, 0]
    ]


def test_an_analyst_sees_groups_under_five_hidden_whole(
    people: dict[str, User], graded: dict[str, Any]
) -> None:
    assert _rows(people["analyst"], "grades_by_city") == [
        ["浙江 杭州", None, 5, None, 0],  # eleven customers: only the cells under five hidden
        ["上海", None, None, None, None],  # two customers: nothing told about them
        ["浙江 宁波", None, None, None, None],
    ]
    assert _rows(people["analyst"], "grades_by_industry") == [
        ["Information technology", None, 5, 0, 0],
        ["Manufacturing", None, None, None, None],
    ]
    page = Client()
    page.force_login(people["analyst"])
    text = page.get("/insights/reports/").content.decode()
    for key in ("grades_by_city", "grades_by_industry", "grades_by_value"):
        assert f'id="report-{key}"' in text


def test_a_long_tail_of_cities_is_summed_into_one_row(
    people: dict[str, User], graded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grade_groups, "MAX_GROUPS", 2)
    rows = _rows(people["admin"], "grades_by_city")
    assert rows == [["浙江 杭州", 2, 5, 4, 0], ["others (2 groups)", 1, 0, 0, 2]]
