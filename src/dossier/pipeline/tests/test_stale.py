"""The stale sweep: one follow-up per quiet spell of an open opportunity, never twice."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dossier.followups.models import Task
from dossier.pipeline import services
from dossier.pipeline.models import Opportunity
from dossier.pipeline.stale import flag_stale_opportunities
from dossier.pipeline.tests.conftest import stage

pytestmark = pytest.mark.django_db


def quiet_for(opportunity: Opportunity, days: float) -> None:
    """Pretend nothing happened to it for ``days``."""
    moment = timezone.now() - timedelta(days=days)
    Opportunity.objects.filter(pk=opportunity.pk).update(
        last_activity_at=moment, stage_changed_at=moment
    )


@pytest.fixture
def second(sales: Any, member: Any) -> Opportunity:
    return services.create_opportunity(actor=sales, customer_id=member.pk, title="门店装修项目")


def test_a_stale_opportunity_gets_one_task_for_its_owner_and_never_a_second(
    deal: Opportunity, second: Opportunity, sales: Any
) -> None:
    quiet_for(deal, 15)
    quiet_for(second, 13)  # not yet: the default is 14 days
    assert flag_stale_opportunities() == 1
    task = Task.objects.get()
    assert (task.cause_kind, task.cause_id, task.assignee) == ("opportunity", str(deal.pk), sales)
    assert "年度采购合同" in task.title and task.customer_id == deal.customer_id
    assert flag_stale_opportunities() == 0
    assert flag_stale_opportunities(timezone.now() + timedelta(days=1)) == 1  # second's turn
    assert Task.objects.filter(cause_id=str(deal.pk)).count() == 1
    assert Task.objects.count() == 2


def test_closed_and_recently_moved_opportunities_are_not_stale(
    deal: Opportunity, second: Opportunity, sales: Any
) -> None:
    services.move_opportunity(
        actor=sales,
        opportunity_id=second.pk,
        stage_id=stage("retail_member", "lost").pk,
        lost_reason="预算取消",
    )
    quiet_for(second, 40)
    Opportunity.objects.filter(pk=second.pk).update(closed_at=timezone.now() - timedelta(days=40))
    quiet_for(deal, 30)
    services.move_opportunity(
        actor=sales, opportunity_id=deal.pk, stage_id=stage("retail_member", "proposal").pk
    )
    assert flag_stale_opportunities() == 0
    assert not Task.objects.exists()


def test_activity_ends_a_quiet_spell_and_the_next_one_gets_a_new_task(
    deal: Opportunity, sales: Any
) -> None:
    quiet_for(deal, 20)
    assert flag_stale_opportunities() == 1
    services.update_opportunity(actor=sales, opportunity_id=deal.pk, changes={"probability": 40})
    assert Opportunity.objects.get(pk=deal.pk).stale_flagged_at is None
    assert flag_stale_opportunities() == 0
    quiet_for(deal, 20)
    assert flag_stale_opportunities() == 1
    assert Task.objects.filter(cause_id=str(deal.pk)).count() == 2


def test_the_setting_and_the_days_argument_decide_when(deal: Opportunity, settings: Any) -> None:
    quiet_for(deal, 4)
    settings.DOSSIER_STALE_OPPORTUNITY_DAYS = 5
    assert flag_stale_opportunities() == 0
    assert flag_stale_opportunities(days=3) == 1


def test_the_command_runs_the_sweep_and_refuses_a_nonsense_period(deal: Opportunity) -> None:
    quiet_for(deal, 15)
    out = StringIO()
    call_command("pipeline", "stale", stdout=out)
    assert out.getvalue().startswith("1 stale opportunity")
    call_command("pipeline", "stale", stdout=out)
    assert Task.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("pipeline", "stale", "--days", "0")


def test_deleted_customers_opportunities_get_no_task(
    deal: Opportunity, admin_user: Any, member: Any
) -> None:
    from dossier.customers.services import delete_customer

    quiet_for(deal, 30)
    delete_customer(actor=admin_user, customer_id=member.pk)
    assert flag_stale_opportunities() == 0
