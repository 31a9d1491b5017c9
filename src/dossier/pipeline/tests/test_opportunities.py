"""Opportunities: created in their customer's pipeline, moved through its stages, closed with
a reason; refused (and nothing written) for anyone the customer is out of reach of."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from dossier.activity.models import TimelineEntry
from dossier.audit.models import AuditEvent
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.pipeline import services
from dossier.pipeline.models import Opportunity, Stage, StageChange
from dossier.pipeline.selectors import get_opportunity, opportunity_list
from dossier.pipeline.tests.conftest import stage

pytestmark = pytest.mark.django_db


def fields_of(error: Any) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.value.errors]


def test_every_scenario_has_the_six_default_stages_in_order() -> None:
    for scenario in ("sales", "retail_member", "b2b_account", "real_estate", "other"):
        keys = list(Stage.objects.filter(scenario=scenario).values_list("key", flat=True))
        assert keys == ["lead", "qualified", "proposal", "negotiation", "won", "lost"]
    won = stage("sales", "won")
    assert (won.kind, won.probability, won.name_zh) == ("won", 100, "赢单")


def test_a_new_opportunity_starts_in_the_first_open_stage_and_is_on_the_timeline(
    deal: Opportunity, sales: Any, member: Any
) -> None:
    assert deal.stage == stage("retail_member", "lead")
    assert (deal.probability, deal.amount, deal.currency) == (10, Decimal("128000.00"), "CNY")
    assert deal.owner == sales and deal.closed_at is None
    first = StageChange.objects.get(opportunity=deal)
    assert (first.from_stage, first.to_stage, first.customer_id) == (None, deal.stage, member.pk)
    entry = TimelineEntry.objects.get(kind="opportunity", object_id=str(deal.pk))
    assert entry.customer_id == member.pk
    assert entry.summary == {
        "stage": "lead",
        "stage_kind": "open",
        "amount": "128000.00",
        "currency": "CNY",
    }
    assert "年度" not in str(entry.summary)  # the title is not copied onto the timeline
    assert AuditEvent.objects.filter(object_type="opportunity", action="create").count() == 1


def test_a_stage_of_another_scenario_is_refused_naming_the_stage(
    sales: Any, member: Any, deal: Opportunity
) -> None:
    other = stage("sales", "proposal")  # the member's template is of scenario retail_member
    with pytest.raises(ValidationFailed) as refused:
        services.create_opportunity(
            actor=sales, customer_id=member.pk, title="装修", stage_id=other.pk
        )
    assert refused.value.code == "stage_not_in_scenario"
    assert fields_of(refused) == [("stage_id", "invalid_choice")]
    with pytest.raises(ValidationFailed) as moved:
        services.move_opportunity(actor=sales, opportunity_id=deal.pk, stage_id=other.pk)
    assert moved.value.code == "stage_not_in_scenario"
    assert Opportunity.objects.count() == 1
    assert Opportunity.objects.get().stage.key == "lead"


@pytest.mark.parametrize("stage_id", [999999, "abc", -3, 2**70])
def test_an_unknown_stage_is_refused(sales: Any, deal: Opportunity, stage_id: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.move_opportunity(actor=sales, opportunity_id=deal.pk, stage_id=stage_id)
    assert fields_of(refused) == [("stage_id", "invalid_choice")]
    assert StageChange.objects.count() == 1


@pytest.mark.parametrize(("key", "field"), [("won", "won_reason"), ("lost", "lost_reason")])
def test_closing_without_a_reason_is_refused_naming_the_reason(
    sales: Any, deal: Opportunity, key: str, field: str
) -> None:
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as refused:
            services.move_opportunity(
                actor=sales,
                opportunity_id=deal.pk,
                stage_id=stage("retail_member", key).pk,
                **{field: reason},
            )
        assert refused.value.status == 422 and refused.value.code == "reason_required"
        assert fields_of(refused) == [(field, "required")]
    # the other reason does not count
    other = "lost_reason" if field == "won_reason" else "won_reason"
    with pytest.raises(ValidationFailed):
        services.move_opportunity(
            actor=sales,
            opportunity_id=deal.pk,
            stage_id=stage("retail_member", key).pk,
            **{other: "价格合适"},
        )
    deal.refresh_from_db()
    assert deal.stage.key == "lead" and deal.closed_at is None
    assert StageChange.objects.filter(opportunity=deal).count() == 1


def test_winning_closes_with_its_reason_and_reopening_clears_it(
    sales: Any, deal: Opportunity
) -> None:
    won = services.move_opportunity(
        actor=sales,
        opportunity_id=deal.pk,
        stage_id=stage("retail_member", "won").pk,
        won_reason="价格与交期都满足客户要求",
    )
    assert (won.stage.key, won.probability, won.won_reason) == (
        "won",
        100,
        "价格与交期都满足客户要求",
    )
    assert won.closed_at is not None and won.closed_at == won.stage_changed_at
    entry = TimelineEntry.objects.get(kind="opportunity", object_id=str(deal.pk))
    assert (entry.summary["stage"], entry.occurred_at) == ("won", won.stage_changed_at)
    reopened = services.move_opportunity(
        actor=sales,
        opportunity_id=deal.pk,
        stage_id=stage("retail_member", "negotiation").pk,
        probability=60,
    )
    assert (reopened.closed_at, reopened.won_reason, reopened.probability) == (None, "", 60)
    moves = StageChange.objects.filter(opportunity=deal).order_by("id")
    assert [(m.from_stage and m.from_stage.key, m.to_stage.key) for m in moves] == [
        (None, "lead"),
        ("lead", "won"),
        ("won", "negotiation"),
    ]
    change = (
        AuditEvent.objects.filter(object_type="opportunity", action="update").order_by("id").last()
    )
    assert change is not None and change.changes["stage"] == ["won", "negotiation"]


def test_moving_to_the_stage_it_is_in_changes_nothing(sales: Any, deal: Opportunity) -> None:
    again = services.move_opportunity(actor=sales, opportunity_id=deal.pk, stage_id=deal.stage_id)
    assert again.stage_changed_at == deal.stage_changed_at
    assert StageChange.objects.filter(opportunity=deal).count() == 1


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"probability": 101}, [("probability", "too_large")]),
        ({"probability": -1}, [("probability", "too_small")]),
        ({"amount": "-5"}, [("amount", "too_small")]),
        ({"amount": "一百"}, [("amount", "invalid_money")]),
        ({"amount": "1000000000000"}, [("amount", "too_large")]),
        ({"currency": "C1Y"}, [("currency", "pattern")]),
        ({"title": "  "}, [("title", "required")]),
        ({"title": "x" * 201}, [("title", "too_long")]),
        ({"expected_close": "2025-13-40"}, [("expected_close", "invalid_date")]),
        ({"next_step": "a\x00b"}, [("next_step", "control_characters")]),
        (
            {"probability": 300, "amount": "-1"},
            [("amount", "too_small"), ("probability", "too_large")],
        ),
        ({"stage": "won"}, [("stage", "unknown_field")]),
    ],
)
def test_bad_values_are_refused_naming_each_field(
    sales: Any, deal: Opportunity, changes: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.update_opportunity(actor=sales, opportunity_id=deal.pk, changes=changes)
    assert sorted(fields_of(refused)) == sorted(expected)
    deal.refresh_from_db()
    assert (deal.probability, deal.amount, deal.title) == (10, Decimal("128000.00"), "年度采购合同")


def test_an_update_is_activity_clears_the_stale_flag_and_keeps_the_text_out_of_the_log(
    sales: Any, deal: Opportunity
) -> None:
    Opportunity.objects.filter(pk=deal.pk).update(stale_flagged_at=deal.created_at)
    changed = services.update_opportunity(
        actor=sales,
        opportunity_id=deal.pk,
        changes={"currency": "usd", "probability": 35, "next_step": "请王总确认预算"},
    )
    assert (changed.currency, changed.probability) == ("USD", 35)
    assert changed.stale_flagged_at is None and changed.last_activity_at > deal.last_activity_at
    event = AuditEvent.objects.filter(object_type="opportunity", action="update").get()
    assert event.changes["next_step"] == "changed" and "王总" not in str(event.changes)
    assert TimelineEntry.objects.get(object_id=str(deal.pk)).summary["currency"] == "USD"


def test_free_text_is_encrypted_at_rest(deal: Opportunity) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, next_step FROM pipeline_opportunity WHERE id = %s", [deal.pk])
        title, stored = cursor.fetchone()
    assert title == "年度采购合同"
    assert "李先生" not in stored and stored != deal.next_step
    assert Opportunity.objects.get(pk=deal.pk).next_step == "周五前发送报价单给李先生"


def test_another_teams_user_gets_404_and_nothing_is_written(
    outsider: Any, member: Any, deal: Opportunity
) -> None:
    before = (
        Opportunity.objects.count(),
        TimelineEntry.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(NotFound):
        services.create_opportunity(actor=outsider, customer_id=member.pk, title="抢单")
    with pytest.raises(NotFound):
        services.move_opportunity(
            actor=outsider, opportunity_id=deal.pk, stage_id=stage("retail_member", "won").pk,
            won_reason="x",
        )  # fmt: skip
    with pytest.raises(NotFound):
        services.update_opportunity(actor=outsider, opportunity_id=deal.pk, changes={"amount": "1"})
    with pytest.raises(NotFound):
        get_opportunity(actor=outsider, opportunity_id=deal.pk)
    assert opportunity_list(actor=outsider).items == []
    after = (Opportunity.objects.count(), TimelineEntry.objects.count(), AuditEvent.objects.count())
    assert after == before
    deal.refresh_from_db()
    assert deal.stage.key == "lead" and deal.amount == Decimal("128000.00")


def test_service_sees_opportunities_of_its_customers_but_may_not_change_them(
    service: Any, admin_user: Any, make_customer: Any
) -> None:
    customer = make_customer(service)
    deal = services.create_opportunity(actor=admin_user, customer_id=customer.pk, title="延保套餐")
    assert get_opportunity(actor=service, opportunity_id=deal.pk)["title"] == "延保套餐"
    with pytest.raises(PermissionDenied):
        services.move_opportunity(
            actor=service, opportunity_id=deal.pk, stage_id=stage("retail_member", "proposal").pk
        )
    with pytest.raises(PermissionDenied):
        services.create_opportunity(actor=service, customer_id=customer.pk, title="新商机")
    assert Opportunity.objects.get(pk=deal.pk).stage.key == "lead"


@pytest.mark.parametrize("role_user", ["marketing", "analyst"])
def test_marketing_and_analysts_have_no_pipeline(
    request: Any, role_user: str, deal: Opportunity, member: Any
) -> None:
    actor = request.getfixturevalue(role_user)
    with pytest.raises(PermissionDenied):
        opportunity_list(actor=actor)
    with pytest.raises(PermissionDenied):
        get_opportunity(actor=actor, opportunity_id=deal.pk)
    with pytest.raises(PermissionDenied):
        services.create_opportunity(actor=actor, customer_id=member.pk, title="营销商机")


def test_a_manager_works_the_teams_opportunities(manager: Any, deal: Opportunity) -> None:
    moved = services.move_opportunity(
        actor=manager, opportunity_id=deal.pk, stage_id=stage("retail_member", "qualified").pk
    )
    assert moved.stage.key == "qualified"
    assert StageChange.objects.filter(opportunity=deal).last().changed_by == manager


def test_the_owner_must_work_opportunities_and_see_the_customer(
    sales: Any, manager: Any, marketing: Any, outsider: Any, deal: Opportunity
) -> None:
    for owner in (marketing, outsider, "nobody-here"):
        with pytest.raises(ValidationFailed) as refused:
            services.update_opportunity(
                actor=sales, opportunity_id=deal.pk, changes={"owner": owner}
            )
        assert fields_of(refused) == [("owner", "owner_not_eligible")]
    moved = services.update_opportunity(
        actor=sales, opportunity_id=deal.pk, changes={"owner": manager.username}
    )
    assert moved.owner == manager


def test_an_opportunity_can_be_logged_as_already_won_with_its_reason(sales: Any, lead: Any) -> None:
    won = stage("sales", "won")
    with pytest.raises(ValidationFailed):
        services.create_opportunity(
            actor=sales, customer_id=lead.pk, title="首批订货", stage_id=won.pk
        )
    made = services.create_opportunity(
        actor=sales, customer_id=lead.pk, title="首批订货", stage_id=won.pk, won_reason="老客户复购"
    )
    assert made.closed_at is not None and made.probability == 100


def test_default_stages_come_back_for_a_scenario_without_any() -> None:
    from dossier.pipeline.stages import ensure_default_stages

    assert ensure_default_stages() == 0  # the migration made them all
    Stage.objects.filter(scenario="financial").delete()
    Stage.objects.filter(scenario="sales", key="lead").update(name_zh="潜在客户")
    assert ensure_default_stages() == 6
    assert Stage.objects.filter(scenario="financial").count() == 6
    assert stage("sales", "lead").name_zh == "潜在客户"


def test_an_owner_who_may_only_view_the_customer_is_refused_naming_the_owner(
    sales: Any, make_user: Any, member: Any, deal: Opportunity
) -> None:
    from django.contrib.auth.models import Permission, User

    from dossier.core import roles
    from dossier.customers.services import share_customer

    viewer = make_user("zhao.kan", roles.MARKETING, team="east")  # sees customers, changes none
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="pipeline", codename="change_opportunity")
    )
    share_customer(actor=sales, customer_id=member.pk, user=viewer)
    viewer = User.objects.get(pk=viewer.pk)  # fresh permission cache
    assert viewer.has_perm("pipeline.change_opportunity")
    for call in (
        lambda: services.update_opportunity(
            actor=sales, opportunity_id=deal.pk, changes={"owner": viewer.username}
        ),
        lambda: services.create_opportunity(
            actor=sales, customer_id=member.pk, title="续约", owner=viewer
        ),
    ):
        with pytest.raises(ValidationFailed) as refused:
            call()
        assert fields_of(refused) == [("owner", "owner_not_eligible")]
    assert Opportunity.objects.get(pk=deal.pk).owner == sales
    assert Opportunity.objects.count() == 1
