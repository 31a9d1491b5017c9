"""Churn risk and satisfaction by month: counts kept by the refresh, read on a frozen clock."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dossier.activity.models import CustomerFigures
from dossier.core import roles
from dossier.feedback.models import Feedback
from dossier.insights.models import ChurnMonth, CustomerScore, ScoreRefresh
from dossier.insights.nightly import run_nightly
from dossier.insights.reports import ReportFilters, reports
from dossier.insights.scoring import refresh_scores
from dossier.insights.trends import HIGH_RISK, keep_churn_month

JAN = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
FEB = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
MAR = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
PERIOD = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 31))


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": make_user("tr.admin", roles.ADMIN),
        "east": make_user("tr.east", roles.SALES, team="east"),
        "west": make_user("tr.west", roles.SALES, team="west"),
        "manager": make_user("tr.manager", roles.MANAGER, team="east"),
        "analyst": make_user("tr.analyst", roles.ANALYST),
    }


@pytest.fixture
def buyers(people: dict[str, User], make_customer: Callable[..., Any]) -> list[Any]:
    """Eight buyers of east and two of west, with figures the refresh scores."""
    made = []
    for n in range(10):
        customer = make_customer(people["west"] if n >= 8 else people["east"])
        CustomerFigures.objects.create(
            customer=customer, first_purchase_at=JAN - timedelta(days=400 + n),
            last_purchase_at=JAN - timedelta(days=5 + 40 * n), order_count=1 + n % 3,
            total_spend=Decimal(100 * (n + 1)),
        )  # fmt: skip
        made.append(customer)
    return made


def _risks(values: list[int], customers: list[Any]) -> None:
    for customer, risk in zip(customers, values, strict=True):
        CustomerScore.objects.filter(customer=customer).update(churn_risk=risk)


def _rows(actor: User, key: str = "churn_trend") -> list[list[Any]]:
    return reports(actor=actor, filters=PERIOD, language="en", only=key)[0].rows


def test_each_refresh_keeps_its_months_counts_and_replaces_them_within_the_month(
    buyers: list[Any],
) -> None:
    refresh_scores(now=JAN)
    high = CustomerScore.objects.filter(churn_risk__gte=HIGH_RISK).count()
    kept = ChurnMonth.objects.filter(month=date(2026, 1, 1))
    assert sum(r.scored for r in kept) == 10 and sum(r.at_risk for r in kept) == high
    refresh_scores(now=JAN + timedelta(days=3))  # the same month: replaced, not added
    assert sum(r.scored for r in ChurnMonth.objects.filter(month=date(2026, 1, 1))) == 10
    refresh_scores(now=FEB)
    assert set(ChurnMonth.objects.values_list("month", flat=True)) == {
        date(2026, 1, 1),
        date(2026, 2, 1),
    }
    # counts by template, team and owner; nothing that names a customer
    names = {f.name for f in ChurnMonth._meta.get_fields()}
    assert not {"customer", "customer_id"} & names


def test_the_nightly_job_on_a_frozen_clock_keeps_that_month(
    buyers: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the last day of March in UTC is already April in Shanghai, the business's time zone
    frozen = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    assert run_nightly() is not None
    assert ScoreRefresh.objects.get().started_at == frozen
    assert set(ChurnMonth.objects.values_list("month", flat=True)) == {date(2026, 4, 1)}


def test_churn_trend_by_month_within_each_viewers_reach(
    people: dict[str, User], buyers: list[Any]
) -> None:
    refresh_scores(now=JAN)
    _risks([80, 90, 75, 10, 20, 30, 40, 50, 95, 5], buyers)
    keep_churn_month(now=JAN)
    refresh_scores(now=FEB)
    _risks([80, 90, 75, 85, 70, 30, 40, 50, 10, 5], buyers)
    keep_churn_month(now=FEB)
    assert _rows(people["admin"]) == [
        ["2026-01", 10, 4, 40.0, 49.5],
        ["2026-02", 10, 5, 50.0, 53.5],
    ]
    # the manager of east: the eight buyers of east
    assert _rows(people["manager"]) == [
        ["2026-01", 8, 3, 37.5, 49.4],
        ["2026-02", 8, 5, 62.5, 65.0],
    ]
    # the analyst: four at risk in January is a small group, and so is its share
    assert _rows(people["analyst"]) == [
        ["2026-01", 10, None, None, 49.5],
        ["2026-02", 10, 5, 50.0, 53.5],
    ]
    team = reports(
        actor=people["admin"],
        filters=ReportFilters(start=PERIOD.start, end=PERIOD.end, team_id=people["west"].pk),
        language="en",
        only="churn_trend",
    )
    assert team[0].rows == []  # no team has that id: nothing, not everything


def test_churn_trend_on_the_page_with_its_table_and_csv(
    people: dict[str, User], buyers: list[Any]
) -> None:
    refresh_scores(now=JAN)
    _risks([80, 90, 75, 85, 70, 30, 40, 50, 95, 5], buyers)
    keep_churn_month(now=JAN)
    browser = Client()
    browser.force_login(people["analyst"])
    query = "start=2026-01-01&end=2026-03-31"
    page = browser.get(f"/insights/reports/?{query}").content.decode()
    assert 'id="report-churn_trend"' in page and "Churn risk by month" in page
    assert "high risk is 70 or more" in page
    sheet = browser.get(f"/insights/reports/churn_trend.csv?{query}")
    table = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert table == [
        ["Month", "Buyers scored", "At high risk", "High risk %", "Mean risk"],
        ["2026-01", "10", "6", "60.0", "62.0"],
    ]
    chinese = browser.get(f"/insights/reports/?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "按月流失风险" in chinese.content.decode()


def test_csat_and_nps_by_month(people: dict[str, User], buyers: list[Any]) -> None:
    answers = [  # (received, CSAT, NPS)
        ("2026-01-03", 5, 10), ("2026-01-09", 4, 9), ("2026-01-15", 2, 3),
        ("2026-01-21", 3, 7), ("2026-01-30", 5, 10), ("2026-02-02", 1, 0),
        ("2026-04-01", 5, 10),  # after the period
    ]  # fmt: skip
    for n, (day, csat, nps) in enumerate(answers):
        Feedback.objects.create(
            customer=buyers[n], kind="praise", csat=csat, nps=nps,
            received_at=datetime.fromisoformat(f"{day}T12:00:00+08:00"),
        )  # fmt: skip
    assert _rows(people["admin"], "satisfaction") == [
        ["2026-01", 3.8, 5, 40, 5],  # promoters 3, detractors 1 of 5
        ["2026-02", 1.0, 1, -100, 1],
    ]
    assert _rows(people["analyst"], "satisfaction") == [
        ["2026-01", 3.8, 5, 40, 5],
        ["2026-02", None, None, None, None],
    ]
