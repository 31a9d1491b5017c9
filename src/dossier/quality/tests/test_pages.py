"""The dashboard per role, the section on the customer page, hostile input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dossier.core import roles
from dossier.quality.models import CustomerQuality
from dossier.quality.refresh import refresh_quality
from dossier.quality.selectors import dashboard

pytestmark = pytest.mark.django_db


def _client(user: User, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def two_teams(make_member: Callable[..., Any], owner: User, outsider: User) -> tuple[Any, Any]:
    ours = make_member(owner, display_name="东区客户")
    theirs = make_member(outsider, display_name="西区客户", wechat_id="wx", member_level="gold")
    refresh_quality()
    return ours, theirs


def test_dashboard_counts_what_each_role_may_see(
    two_teams: tuple[Any, Any], owner: User, manager: User, outsider: User, admin_user: User
) -> None:
    assert dashboard(actor=admin_user)["count"] == 2
    assert dashboard(actor=manager)["count"] == 1
    assert dashboard(actor=owner)["count"] == 1
    theirs = dashboard(actor=outsider)
    assert theirs["count"] == 1 and theirs["completeness"] == 100
    assert [row["name"] for row in theirs["worst"]] == ["西区客户"]
    everyone = dashboard(actor=admin_user)
    assert everyone["completeness"] == round((75 + 100) / 2)
    by_owner = dict(everyone["breakdowns"])["owner"]
    assert {g["name"]: g["completeness"] for g in by_owner} == {"li.owner": 75, "wang.west": 100}


def test_dashboard_page_per_role(
    two_teams: tuple[Any, Any], owner: User, outsider: User, analyst: User
) -> None:
    page = _client(owner).get("/quality/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "东区客户" in html and "西区客户" not in html
    assert "WeChat ID" in html  # the missing field named in the user's language
    assert "西区客户" in _client(outsider).get("/quality/").content.decode()
    assert _client(analyst).get("/quality/").status_code == 403
    assert Client().get("/quality/").status_code == 302


def test_dashboard_in_chinese_names_missing_fields_in_chinese(
    two_teams: tuple[Any, Any], owner: User
) -> None:
    html = _client(owner, "zh-hans").get("/quality/").content.decode()
    assert "微信号" in html and "数据质量" in html


def test_customer_page_shows_score_bar_and_missing_fields(
    two_teams: tuple[Any, Any], owner: User
) -> None:
    ours, _theirs = two_teams
    html = _client(owner).get(f"/customers/{ours.pk}/").content.decode()
    assert 'id="quality-completeness">75%' in html
    assert "<meter" in html and "Member level" in html


def test_customer_page_works_the_row_out_when_missing_or_outdated(
    make_member: Callable[..., Any], owner: User
) -> None:
    customer = make_member(owner)
    assert not CustomerQuality.objects.filter(pk=customer.pk).exists()
    assert _client(owner).get(f"/customers/{customer.pk}/").status_code == 200
    row = CustomerQuality.objects.get(pk=customer.pk)
    CustomerQuality.objects.filter(pk=customer.pk).update(
        refreshed_at=row.refreshed_at - timedelta(days=30), completeness=1
    )
    _client(owner).get(f"/customers/{customer.pk}/")
    assert CustomerQuality.objects.get(pk=customer.pk).completeness == 75


def test_hostile_names_are_escaped_on_the_pages(
    make_member: Callable[..., Any], owner: User
) -> None:
    make_member(owner, display_name="<script>alert(1)</script>")
    refresh_quality(now=timezone.now() + timedelta(days=400))
    client = _client(owner)
    for url in ("/quality/", "/quality/stale/", "/quality/?x=<script>", "/quality/stale/?a=%00"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/quality/stale/").content.decode()


def test_pages_refuse_the_wrong_method(owner: User) -> None:
    client = _client(owner)
    assert client.post("/quality/").status_code == 405
    assert client.get("/quality/stale/tasks/").status_code == 405


def _tools(html: str) -> set[str]:
    """The tool links on the dashboard (the block with id quality-tools)."""
    block = html.split('id="quality-tools"', 1)[1].split("</div>", 1)[0]
    return {href.split('"', 1)[0] for href in block.split('href="')[1:]}


def test_the_menu_leads_to_the_dashboard_and_it_to_the_tools_each_role_may_use(
    owner: User, manager: User, analyst: User, make_user: Callable[..., User]
) -> None:
    seller = _client(owner).get("/quality/").content.decode()
    assert 'href="/quality/" aria-current="page"' in seller  # in the menu, marked current
    assert _tools(seller) == {"/quality/stale/", "/verification/unverified-active/", "/cleaning/"}
    marketer = make_user("ma.marketing", roles.MARKETING, team="east")
    marketing_tools = _tools(_client(marketer).get("/quality/").content.decode())
    assert "/outreach/" in marketing_tools and "/capture/" not in marketing_tools
    managing = _tools(_client(manager, "zh-hans").get("/quality/").content.decode())
    assert {"/cleaning/", "/outreach/", "/capture/"} <= managing
    for tool in managing:  # every link shown opens for the one it is shown to
        assert _client(manager).get(tool).status_code == 200, tool
    # an analyst sees no customers: no menu entry (the dashboard itself is refused, above)
    assert 'href="/quality/"' not in _client(analyst).get("/home/").content.decode()
