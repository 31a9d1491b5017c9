"""The trend by month: one kept row per month, template and team; each manager their team's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dossier.core import roles
from dossier.core.errors import PermissionDenied
from dossier.customers.models import Customer
from dossier.quality import scoring
from dossier.quality.models import QualityMonth
from dossier.quality.months import month_of, record_month
from dossier.quality.refresh import refresh_quality
from dossier.quality.tasks import refresh_if_due
from dossier.quality.trend import months_back, trend
from dossier.verification.services import record_verification

pytestmark = pytest.mark.django_db


def _client(user: User, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def teams(
    make_member: Callable[..., Any], owner: User, outsider: User, admin_user: User
) -> dict[str, list[Any]]:
    """Two of east's customers (one with a verified phone) and one of west's."""
    east = [make_member(owner), make_member(owner)]
    west = [make_member(outsider, wechat_id="wx", member_level="gold")]
    record_verification(actor=admin_user, customer_id=east[0].pk, field="phone")
    return {"east": east, "west": west}


def _month_rows() -> list[tuple[date, str, int, int]]:
    rows = QualityMonth.objects.order_by("month", "team_id").values_list(
        "month", "template__key", "team_id", "customers"
    )
    return list(rows)


def test_months_back_crosses_years() -> None:
    assert months_back(date(2026, 1, 1), 1) == date(2025, 12, 1)
    assert months_back(date(2026, 3, 1), 14) == date(2025, 1, 1)
    assert months_back(date(2026, 3, 1), 0) == date(2026, 3, 1)


def test_the_nightly_refresh_keeps_one_row_per_month_template_and_team(
    teams: dict[str, list[Any]], admin_user: User
) -> None:
    start = max(Customer.objects.values_list("updated_at", flat=True))
    first = start + timedelta(hours=1)
    assert refresh_if_due(now=first) is not None
    rows = _month_rows()
    assert [(r[0], r[3]) for r in rows] == [(month_of(first), 2), (month_of(first), 1)]
    assert len({r[2] for r in rows}) == 2 and 0 not in {r[2] for r in rows}
    # a second refresh in the same month writes the month again, never a second row
    assert refresh_if_due(now=first + timedelta(hours=25)) is not None
    assert len(_month_rows()) == 2
    # 45 and 200 days on: two more months, each with its own figures
    later = first + timedelta(days=45)
    refresh_if_due(now=later)
    refresh_if_due(now=first + timedelta(days=200))
    assert QualityMonth.objects.count() == 6
    seen = trend(actor=admin_user, now=first + timedelta(days=200))
    assert [m.month for m in seen["overall"]] == sorted(
        {month_of(first), month_of(later), month_of(first + timedelta(days=200))}
    )
    freshness = [m.freshness for m in seen["overall"]]
    assert freshness == sorted(freshness, reverse=True) and freshness[0] > freshness[-1]
    expected = scoring.freshness(start, later, 12)
    assert seen["overall"][1].freshness == expected
    # more than a year on, the first month has left the window, the later ones not
    shown = [m.month for m in trend(actor=admin_user, now=first + timedelta(days=400))["overall"]]
    assert month_of(first) not in shown and month_of(first + timedelta(days=200)) in shown


def test_the_trend_counts_verified_and_complete_records_per_team(
    teams: dict[str, list[Any]], manager: User, outsider: User, admin_user: User
) -> None:
    refresh_quality()
    record_month()
    ours = dict(trend(actor=manager)["breakdowns"])
    [(east_name, [east])] = ours["team"]
    assert east_name == "east"
    assert (east.customers, east.verified_percent, east.completeness) == (2, 50, 75)
    assert [name for name, _figures in ours["owner"]] == ["li.owner"]
    theirs = dict(trend(actor=outsider)["breakdowns"])
    [(west_name, [west])] = theirs["team"]
    assert west_name == "west"
    assert (west.customers, west.verified_percent, west.completeness) == (1, 0, 100)
    every = dict(trend(actor=admin_user)["breakdowns"])
    assert sorted(name for name, _figures in every["team"]) == ["east", "west"]
    assert sorted(name for name, _figures in every["owner"]) == ["li.owner", "wang.west"]
    every = trend(actor=admin_user)
    [overall] = every["overall"]
    assert overall.customers == 3 and overall.verified_percent == round(100 / 3)
    assert overall.completeness == round((75 + 75 + 100) / 3)


def test_recording_a_month_twice_changes_nothing_and_drops_groups_gone(
    teams: dict[str, list[Any]],
) -> None:
    refresh_quality()
    now = timezone.now()
    assert record_month(now=now) == 2
    before = _month_rows()
    assert record_month(now=now + timedelta(minutes=5)) == 2
    assert _month_rows() == before
    Customer.objects.filter(pk=teams["west"][0].pk).update(deleted_at=now)
    assert record_month(now=now + timedelta(minutes=10)) == 1
    assert [r[3] for r in _month_rows()] == [2]


def test_a_manager_never_sees_another_teams_trend(
    teams: dict[str, list[Any]], manager: User, outsider: User
) -> None:
    refresh_quality()
    record_month()
    html = _client(manager).get("/quality/").content.decode()
    section = html[html.index('id="trend"') : html.index('id="worst"')]
    assert "east" in section and "west" not in section
    assert 'id="report-charts"' in html  # the chart's data, drawn by the vendored ECharts
    other = _client(outsider, "zh-hans").get("/quality/").content.decode()
    section = other[other.index('id="trend"') : other.index('id="worst"')]
    assert "west" in section and "east" not in section


def test_a_seller_sees_the_trend_of_their_own_customers_only_and_analysts_are_refused(
    teams: dict[str, list[Any]],
    owner: User,
    analyst: User,
    make_user: Callable[..., User],
    make_member: Callable[..., Any],
) -> None:
    colleague = make_user("zhang.east", roles.SALES, team="east")
    make_member(colleague, wechat_id="wx")
    refresh_quality()
    record_month()
    mine = trend(actor=owner)
    assert [m.customers for m in mine["overall"]] == [2]
    assert [name for name, _f in dict(mine["breakdowns"])["owner"]] == ["li.owner"]
    page = _client(owner).get("/quality/").content.decode()
    section = page[page.index('id="trend"') : page.index('id="worst"')]
    assert "li.owner" in section and "zhang.east" not in section
    assert [m.customers for m in trend(actor=colleague)["overall"]] == [1]
    with pytest.raises(PermissionDenied):
        trend(actor=analyst)
    assert _client(analyst).get("/quality/").status_code == 403
