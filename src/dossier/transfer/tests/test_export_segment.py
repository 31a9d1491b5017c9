"""Exporting a segment: only its members, only those in the exporter's reach, never analysts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.insights.services import create_segment

HANGZHOU = {"field": "city", "op": "eq", "value": "杭州"}


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": make_user("ex.admin", roles.ADMIN),
        "east": make_user("ex.east", roles.SALES, team="east"),
        "west": make_user("ex.west", roles.SALES, team="west"),
        "east_manager": make_user("ex.east.manager", roles.MANAGER, team="east"),
        "west_manager": make_user("ex.west.manager", roles.MANAGER, team="west"),
        "analyst": make_user("ex.analyst", roles.ANALYST),
    }


@pytest.fixture
def customers(people: dict[str, User], make_customer: Callable[..., Any]) -> dict[str, set[str]]:
    """Three customers of east in 杭州, one of east in 上海, two of west in 杭州."""
    made: dict[str, set[str]] = {"east": set(), "west": set(), "elsewhere": set()}
    for owner, city, group in (
        [("east", "杭州", "east")] * 3
        + [("east", "上海", "elsewhere")]
        + [("west", "杭州", "west")] * 2
    ):
        made[group].add(str(make_customer(people[owner], city=city, province="浙江").pk))
    return made


@pytest.fixture
def segment(people: dict[str, User]) -> Any:
    return create_segment(
        actor=people["east_manager"], name="杭州客户", rules=HANGZHOU, visibility="everyone"
    )


def _page(user: User, query: str) -> Any:
    browser = Client()
    browser.force_login(user)
    return browser.get(f"/transfer/export/customers/?{query}")


def _ids(response: Any) -> set[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row[0] for row in list(csv.reader(io.StringIO(body)))[1:]}


def test_a_segments_export_holds_its_members_in_the_exporters_reach(
    people: dict[str, User], customers: dict[str, set[str]], segment: Any
) -> None:
    mine = _page(people["east_manager"], f"segment={segment.pk}&format=csv")
    assert mine.status_code == 200 and _ids(mine) == customers["east"]
    assert mine["X-Export-Rows"] == "3"
    assert f"segment-{segment.pk}" in mine["Content-Disposition"]
    # the same segment, exported by the manager of another team: their own members only
    theirs = _page(people["west_manager"], f"segment={segment.pk}&format=csv")
    assert _ids(theirs) == customers["west"]
    everyone = _page(people["admin"], f"segment={segment.pk}")
    assert _ids(everyone) == customers["east"] | customers["west"]
    event = AuditEvent.objects.filter(action="export", actor=people["west_manager"]).get()
    assert event.changes["filters"] == {"segment": segment.pk} and event.changes["rows"] == 2


def test_the_api_exports_a_segment_within_reach(
    people: dict[str, User], customers: dict[str, set[str]], segment: Any, api_as: Any
) -> None:
    answer = api_as(people["west_manager"]).get(
        f"/exports/customers?segment={segment.pk}&format=json"
    )
    assert answer.status_code == 200
    found = json.loads(b"".join(answer.streaming_content))
    assert {row["id"] for row in found} == customers["west"]
    assert api_as(people["west_manager"]).get("/exports/customers?segment=x").status_code == 422


def test_analysts_may_not_export_a_segment(
    people: dict[str, User], customers: dict[str, set[str]], segment: Any, api_as: Any
) -> None:
    assert _page(people["analyst"], f"segment={segment.pk}").status_code == 403
    assert (
        api_as(people["analyst"]).get(f"/exports/customers?segment={segment.pk}").status_code == 403
    )
    assert not AuditEvent.objects.filter(action="export").exists()


def test_sales_staff_without_the_export_right_are_refused(
    people: dict[str, User], customers: dict[str, set[str]], segment: Any
) -> None:
    assert _page(people["east"], f"segment={segment.pk}").status_code == 403


def test_a_segment_one_may_not_see_is_not_found(
    people: dict[str, User], customers: dict[str, set[str]], make_user: Callable[..., User]
) -> None:
    private = create_segment(
        actor=people["east_manager"], name="mine", rules=HANGZHOU, visibility="personal"
    )
    assert _page(people["west_manager"], f"segment={private.pk}").status_code == 404
    assert _page(people["west_manager"], "segment=999999").status_code == 404


@pytest.mark.parametrize("bad", ["abc", "-1", "1 OR 1=1", "１２"])
def test_a_mistyped_segment_is_refused_not_exported_whole(
    people: dict[str, User], customers: dict[str, set[str]], bad: str
) -> None:
    response = _page(people["admin"], f"segment={bad}")
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_segment_page_offers_the_export_to_those_who_may(
    people: dict[str, User], segment: Any
) -> None:
    def page(user: User, language: str = "en") -> str:
        browser = Client()
        browser.force_login(user)
        url = f"/insights/segments/{segment.pk}/"
        return browser.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert 'id="segment-export"' in page(people["west_manager"])
    assert f'name="segment" value="{segment.pk}"' in page(people["west_manager"])
    assert "导出其客户" in page(people["west_manager"], "zh-hans")
    assert 'id="segment-export"' not in page(people["east"])  # no right to export
    assert 'id="segment-export"' not in page(people["analyst"])
