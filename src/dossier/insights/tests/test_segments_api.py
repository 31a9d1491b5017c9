"""Segments through the API: saving, counting, listing customers, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.activity.figures import add_to_figures
from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.insights.models import Segment
from dossier.insights.services import recount_segments

BIG_SPENDERS = {"field": "total_spend", "op": "gte", "value": 1000}


@pytest.fixture
def team(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "sales": make_user("seg.sales", roles.SALES, team="east"),
        "other": make_user("seg.other", roles.SALES, team="west"),
        "manager": make_user("seg.manager", roles.MANAGER, team="east"),
        "analyst": make_user("seg.analyst", roles.ANALYST),
        "marketing": make_user("seg.marketing", roles.MARKETING, team="east"),
    }


@pytest.fixture
def spenders(team: dict[str, User], make_customer: Callable[..., Any]) -> list[Any]:
    """Three big spenders of the sales user, two of the other team, one small spender."""
    made = []
    for owner, spend in [
        ("sales", 5000),
        ("sales", 1200),
        ("sales", 1000),
        ("other", 3000),
        ("other", 2000),
        ("sales", 10),
    ]:
        customer = make_customer(team[owner])
        add_to_figures(customer_id=customer.pk, order_count=1, total_spend=Decimal(spend))
        made.append(customer)
    return made


def test_staff_count_only_the_customers_they_may_see(
    team: dict[str, User], spenders: list[Any], api_as: Callable[..., Any]
) -> None:
    mine = api_as(team["sales"]).post("/insights/segments/count", {"rules": BIG_SPENDERS})
    theirs = api_as(team["other"]).post("/insights/segments/count", {"rules": BIG_SPENDERS})
    assert mine.status_code == 200, mine.json()
    assert (mine.json()["count"], theirs.json()["count"]) == (3, 2)
    assert mine.json()["shown"] == "3" and mine.json()["suppressed"] is False


def test_an_analyst_counts_everyone_but_a_small_group_is_suppressed(
    team: dict[str, User], spenders: list[Any], api_as: Callable[..., Any]
) -> None:
    analyst = api_as(team["analyst"])
    everyone = analyst.post("/insights/segments/count", {"rules": BIG_SPENDERS}).json()
    assert everyone == {"count": 5, "suppressed": False, "shown": "5"}
    few = {"field": "total_spend", "op": "gte", "value": 3000}
    assert analyst.post("/insights/segments/count", {"rules": few}).json() == {
        "count": None,
        "suppressed": True,
        "shown": "< 5",
    }
    # and never the customers themselves
    segment = analyst.post("/insights/segments", {"name": "Big", "rules": BIG_SPENDERS})
    assert segment.status_code == 201, segment.json()
    listed = analyst.get(f"/insights/segments/{segment.json()['id']}/customers")
    assert listed.status_code == 403


def test_a_suppressed_size_stays_suppressed_in_the_saved_count(
    team: dict[str, User], spenders: list[Any], api_as: Callable[..., Any]
) -> None:
    few = {"field": "total_spend", "op": "gte", "value": 3000}
    made = api_as(team["analyst"]).post(
        "/insights/segments", {"name": "Few", "rules": few, "visibility": "everyone"}
    )
    recount_segments()
    assert Segment.objects.get(pk=made.json()["id"]).last_count == 2
    assert (
        api_as(team["analyst"]).get(f"/insights/segments/{made.json()['id']}").json()["last_count"]
        is None
    )
    assert (
        api_as(team["manager"]).get(f"/insights/segments/{made.json()['id']}").json()["last_count"]
        == 2
    )


def test_a_saved_segment_lists_its_customers_for_its_owner(
    team: dict[str, User], spenders: list[Any], api_as: Callable[..., Any]
) -> None:
    sales = api_as(team["sales"])
    made = sales.post(
        "/insights/segments", {"name": "大客户", "rules": BIG_SPENDERS, "visibility": "team"}
    )
    assert made.status_code == 201, made.json()
    page = sales.get(f"/insights/segments/{made.json()['id']}/customers?limit=2").json()
    rest = sales.get(
        f"/insights/segments/{made.json()['id']}/customers?cursor={page['next_cursor']}"
    ).json()
    ids = {item["id"] for item in page["items"] + rest["items"]}
    assert ids == {str(c.pk) for c in spenders[:3]} and rest["next_cursor"] is None
    assert AuditEvent.objects.filter(object_type="segment", action="create").count() == 1


def test_sharing_decides_who_sees_a_segment_and_only_its_owner_or_their_manager_changes_it(
    team: dict[str, User], api_as: Callable[..., Any]
) -> None:
    personal = (
        api_as(team["sales"])
        .post(
            "/insights/segments",
            {"name": "Mine", "rules": BIG_SPENDERS, "visibility": "personal"},
        )
        .json()
    )
    shared = (
        api_as(team["sales"])
        .post(
            "/insights/segments",
            {"name": "Ours", "rules": BIG_SPENDERS, "visibility": "team"},
        )
        .json()
    )
    other = api_as(team["other"])
    assert other.get(f"/insights/segments/{personal['id']}").status_code == 404
    assert other.get(f"/insights/segments/{shared['id']}").status_code == 404
    assert {
        s["name"] for s in api_as(team["marketing"]).get("/insights/segments").json()["items"]
    } == {"Ours"}
    # a team-mate sees it but may not change it; the team's manager may
    assert (
        api_as(team["marketing"])
        .patch(f"/insights/segments/{shared['id']}", {"name": "Hijacked"})
        .status_code
        == 403
    )
    renamed = api_as(team["manager"]).patch(
        f"/insights/segments/{shared['id']}", {"name": "Renamed"}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed"
    assert other.delete(f"/insights/segments/{shared['id']}").status_code == 404
    assert api_as(team["sales"]).delete(f"/insights/segments/{shared['id']}").status_code == 204


@pytest.mark.parametrize(
    ("rules", "path", "code"),
    [
        ({"field": "salary", "op": "eq", "value": 1}, "rules.field", "rule_unknown_field"),
        (
            {"all": [BIG_SPENDERS, {"field": "city", "op": "gte", "value": "x"}]},
            "rules.all[1].op",
            "rule_bad_operator",
        ),
        ({"field": "total_spend", "op": "gte", "value": "lots"}, "rules.value", "rule_bad_value"),
        (
            {"field": "total_spend", "op": "between", "value": [9, 1]},
            "rules.value",
            "rule_bad_value",
        ),
        ({"any": []}, "rules.any", "rule_empty_group"),
        ({"all": [BIG_SPENDERS], "any": [BIG_SPENDERS]}, "rules", "rule_shape"),
        (
            {"field": "orders", "op": "gte", "value": 1, "within_days": 0},
            "rules.within_days",
            "rule_bad_number",
        ),
        (
            {"field": "orders", "op": "gte", "value": 1, "metric": "margin"},
            "rules.metric",
            "invalid_choice",
        ),
        ({"field": "city", "op": "eq", "value": "上海", "sql": "1=1"}, "rules", "rule_unknown_key"),
        (
            {"field": "consent", "op": "granted", "purpose": "marketing"},
            "rules.channel",
            "required",
        ),
        (
            {"field": "attributes.a';--", "op": "eq", "value": "x"},
            "rules.field",
            "rule_unknown_field",
        ),
        ({"field": "tags", "op": "has_any", "value": [True]}, "rules.value", "rule_bad_value"),
        ({"field": "city", "op": "eq", "value": "a\x00b"}, "rules.value", "rule_bad_value"),
    ],
)
def test_bad_rules_are_refused_naming_the_part_and_the_reason(
    team: dict[str, User], api_as: Callable[..., Any], rules: dict[str, Any], path: str, code: str
) -> None:
    response = api_as(team["sales"]).post("/insights/segments", {"name": "Bad", "rules": rules})
    assert response.status_code == 422, response.json()
    details = response.json()["errors"]
    assert any(d["field"] == path and d["code"] == code for d in details), details
    assert not Segment.objects.exists()


def test_rules_nested_too_deep_are_refused(
    team: dict[str, User], api_as: Callable[..., Any]
) -> None:
    rules: dict[str, Any] = BIG_SPENDERS
    for _ in range(8):
        rules = {"not": rules}
    response = api_as(team["sales"]).post("/insights/segments/count", {"rules": rules})
    assert response.status_code == 422
    assert "rule_too_deep" in {d["code"] for d in response.json()["errors"]}


def test_only_those_who_see_phones_whole_may_segment_by_one(
    team: dict[str, User], spenders: list[Any], api_as: Callable[..., Any], admin_user: User
) -> None:
    rules = {"field": "phone", "op": "eq", "value": "138 0013 0001"}
    for role in ("analyst", "marketing"):
        refused = api_as(team[role]).post("/insights/segments/count", {"rules": rules})
        assert refused.status_code == 422, role
        assert refused.json()["errors"][0]["code"] == "rule_not_allowed"
    found = api_as(admin_user).post("/insights/segments/count", {"rules": rules})
    assert found.json()["count"] == 1


def test_a_user_without_a_role_may_not_use_segments(
    make_user: Callable[..., User], api_as: Callable[..., Any]
) -> None:
    nobody = make_user("seg.nobody", roles.SALES)
    nobody.groups.clear()
    assert (
        api_as(nobody).post("/insights/segments/count", {"rules": BIG_SPENDERS}).status_code == 403
    )
    assert api_as(nobody).get("/insights/segments").status_code == 403


def test_the_field_list_names_every_operator(
    team: dict[str, User], api_as: Callable[..., Any]
) -> None:
    fields = {f["key"]: f for f in api_as(team["sales"]).get("/insights/segments/fields").json()}
    assert "gte" in fields["order_count"]["ops"] and fields["orders"]["params"][:2] == [
        "metric",
        "within_days",
    ]


def test_a_segment_fills_a_campaign_with_those_who_consented(
    team: dict[str, User], spenders: list[Any], api_as: Callable[..., Any], admin_user: User
) -> None:
    from dossier.campaigns.models import CampaignMember
    from dossier.campaigns.services import create_campaign
    from dossier.consent.services.recording import grant_consent

    for customer in spenders[:2]:
        grant_consent(actor=admin_user, customer_id=customer.pk, purpose="marketing",
                      channel="sms", source="staff", notice_version="v1")  # fmt: skip
    campaign = create_campaign(actor=team["marketing"], name="双十一", channel="sms")
    segment = (
        api_as(team["manager"])
        .post("/insights/segments", {"name": "Big", "rules": BIG_SPENDERS})
        .json()
    )
    url = f"/insights/segments/{segment['id']}/campaigns/{campaign.pk}"
    report = api_as(team["manager"]).post(url, {})
    assert report.status_code == 200, report.json()
    # the manager sees east's three big spenders; two consented to SMS marketing
    assert report.json()["added"] == 2 and sum(report.json()["skipped"].values()) == 1
    assert CampaignMember.objects.filter(campaign=campaign).count() == 2
    assert api_as(team["sales"]).post(url, {}).status_code == 403
    assert api_as(team["other"]).post(url, {}).status_code == 404


def test_a_segment_gets_one_coupon_each(
    team: dict[str, User], spenders: list[Any], api_as: Callable[..., Any], admin_user: User
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dossier.loyalty.models import Coupon
    from dossier.loyalty.services.coupons import create_coupon_campaign

    now = timezone.now()
    campaign = create_coupon_campaign(
        actor=admin_user, name="大客户券", kind="percent", value="10",
        valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=30),
    )  # fmt: skip
    segment = (
        api_as(team["manager"])
        .post("/insights/segments", {"name": "Big", "rules": BIG_SPENDERS})
        .json()
    )
    url = f"/insights/segments/{segment['id']}/coupon-campaigns/{campaign.pk}"
    first = api_as(team["manager"]).post(url, {})
    assert first.status_code == 200, first.json()
    assert first.json() == {"issued": 3, "already": 0, "skipped": 0}
    again = api_as(team["manager"]).post(url, {}).json()
    assert again == {"issued": 0, "already": 3, "skipped": 0}
    # marketing may issue, but only to customers it sees (none of the sales team's)
    assert api_as(team["marketing"]).post(url, {}).json()["issued"] == 0
    assert Coupon.objects.filter(campaign=campaign).count() == 3
    assert api_as(team["sales"]).post(url, {}).status_code == 403


def test_an_analysts_count_is_rounded_to_fives_against_differencing(
    team: dict[str, User], spenders: list[Any], api_as: Callable[..., Any], admin_user: User
) -> None:
    everyone = {"field": "order_count", "op": "gte", "value": 1}  # the six spenders
    assert (
        api_as(admin_user).post("/insights/segments/count", {"rules": everyone}).json()["count"]
        == 6
    )
    seen = api_as(team["analyst"]).post("/insights/segments/count", {"rules": everyone}).json()
    assert seen == {"count": 5, "suppressed": False, "shown": "5"}


@pytest.mark.skipif(
    "os.environ.get('DOSSIER_DATABASE_URL', '').split(':')[0] not in ('postgres', 'postgresql')",
    reason="PostgreSQL's statement timeout (SQLite counts are not bounded)",
)
def test_a_count_that_would_hold_postgresql_is_refused_and_the_timeout_put_back(
    monkeypatch: pytest.MonkeyPatch, spenders: list[Any]
) -> None:
    from django.db import connection

    from dossier.core.errors import ValidationFailed
    from dossier.customers.models import Customer
    from dossier.insights import selectors

    monkeypatch.setattr(selectors, "COUNT_TIMEOUT_MS", 50)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        before = cursor.fetchone()[0]
    slow = Customer.objects.extra(where=["pg_sleep(0.5) IS NOT NULL"])
    with pytest.raises(ValidationFailed) as refused:
        selectors.bounded_count(slow)
    assert refused.value.errors[0].code == "rule_too_slow"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone()[0] == before
    assert selectors.bounded_count(Customer.objects.all()) >= 0


@pytest.mark.skipif(
    "os.environ.get('DOSSIER_DATABASE_URL', '').split(':')[0] not in ('postgres', 'postgresql')",
    reason="PostgreSQL's planner settings (SQLite has none)",
)
def test_a_count_runs_under_its_own_planner_settings_and_puts_the_callers_back(
    spenders: list[Any],
) -> None:
    from django.db import connection

    from dossier.customers.models import Customer
    from dossier.insights import selectors

    names = ["statement_timeout", *selectors.COUNT_SETTINGS]

    def current() -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))
            return dict(zip(names, cursor.fetchone(), strict=True))

    before = current()
    assert all(before[n] != v for n, v in selectors.COUNT_SETTINGS.items())
    everyone = Customer.objects.count()
    # a filter that holds only while the count's settings are in force
    scoped = Customer.objects.extra(
        where=[f"current_setting('{n}') = '{v}'" for n, v in selectors.COUNT_SETTINGS.items()]
    )
    assert everyone > 0
    assert selectors.bounded_count(scoped) == everyone
    assert scoped.count() == 0
    assert current() == before
