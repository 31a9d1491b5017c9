"""The reports: their figures on hand-built orders, who may see them, small groups hidden."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.core import roles
from dossier.insights.reports import ReportFilters, reports
from dossier.insights.scoring import refresh_scores
from dossier.orders.services import place_order
from dossier.orders.tests.helpers import line, order

PERIOD = ReportFilters(start=datetime(2026, 1, 1).date(), end=datetime(2026, 3, 31).date())


def _client(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "east": make_user("rep.east", roles.SALES, team="east"),
        "west": make_user("rep.west", roles.SALES, team="west"),
        "manager": make_user("rep.manager", roles.MANAGER, team="east"),
        "analyst": make_user("rep.analyst", roles.ANALYST),
    }


@pytest.fixture
def bought(
    people: dict[str, User], admin_user: User, make_customer: Callable[..., Any]
) -> list[Any]:
    """Six customers of east: three bought in January and again in February, three once in
    February; one customer of west bought in February."""
    made = []
    for n in range(7):
        owner = people["west"] if n == 6 else people["east"]
        customer = make_customer(owner)
        made.append(customer)
        months = ["2026-01-10", "2026-02-12"] if n < 3 else ["2026-02-20"]
        for i, day in enumerate(months):
            values = order(customer, f"R-{n}-{i}", placed_at=f"{day}T10:00:00+08:00",
                           lines=[line("X-1", 1, "100.00", name="杯子")])  # fmt: skip
            place_order(actor=admin_user, values=values)
    return made


def _report(actor: User, key: str) -> Any:
    return reports(actor=actor, filters=PERIOD, language="en", only=key)[0]


def test_repurchase_rate_by_month_counts_buyers_who_bought_before(
    people: dict[str, User], bought: list[Any], admin_user: User
) -> None:
    rows = _report(admin_user, "repurchase").rows
    assert rows == [["2026-01", 3, 0, 0.0], ["2026-02", 7, 3, 42.9]]
    cohorts = _report(admin_user, "cohorts").rows
    assert cohorts == [["2026-01", 3, 3, 100.0], ["2026-02", 4, 0, 0.0]]


def test_a_manager_sees_their_team_only(people: dict[str, User], bought: list[Any]) -> None:
    rows = _report(people["manager"], "repurchase").rows
    assert rows == [["2026-01", 3, 0, 0.0], ["2026-02", 6, 3, 50.0]]


def test_an_analyst_sees_groups_under_five_hidden(
    people: dict[str, User], bought: list[Any]
) -> None:
    rows = _report(people["analyst"], "repurchase").rows
    # three buyers in January: hidden, and so is their rate; a zero describes nobody; three
    # of February's seven bought before: hidden, and so is 42.9%, which would tell the three
    assert rows == [["2026-01", None, 0, None], ["2026-02", 7, None, None]]
    refresh_scores(now=datetime(2026, 4, 1, tzinfo=UTC))
    grades = dict(_report(people["analyst"], "grades").rows)
    assert grades == {"A": 0, "B": 0, "C": 0, "D": 7}
    page = _client(people["analyst"]).get("/insights/reports/?start=2026-01-01&end=2026-03-31")
    assert page.status_code == 200
    assert "Groups of fewer than 5 customers are not shown." in page.content.decode()
    sheet = _client(people["analyst"]).get(
        "/insights/reports/repurchase.csv?start=2026-01-01&end=2026-03-31"
    )
    table = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert table[1] == ["2026-01", "< 5", "0", "< 5"]


def test_sales_staff_may_not_see_the_reports(people: dict[str, User]) -> None:
    assert _client(people["east"]).get("/insights/reports/").status_code == 403
    assert _client(people["east"]).get("/insights/reports/value.csv").status_code == 403
    assert _client(people["analyst"]).get("/insights/reports/nothing.csv").status_code == 404


def test_every_report_draws_from_data_in_both_languages(
    people: dict[str, User], bought: list[Any], admin_user: User
) -> None:
    refresh_scores(now=datetime(2026, 4, 1, tzinfo=UTC))
    browser = _client(admin_user)
    page = browser.get("/insights/reports/?start=2026-01-01&end=2026-03-31").content.decode()
    for key in ("value", "rfm", "rfm_segments", "grades", "grades_by_region", "grades_by_city",
                "grades_by_industry", "grades_by_value", "churn", "churn_trend", "clv",
                "repurchase", "cohorts", "satisfaction", "pattern", "segments"):  # fmt: skip
        assert f'id="report-{key}"' in page, key
    assert 'id="report-charts"' in page and "echarts.min.js" in page
    chinese = browser.get("/insights/reports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "按月复购率" in chinese and "报表" in chinese


def test_the_analysts_home_page_leads_to_the_reports(people: dict[str, User]) -> None:
    response = _client(people["analyst"]).get("/home/")
    assert response.status_code == 200 and 'href="/insights/reports/"' in response.content.decode()
