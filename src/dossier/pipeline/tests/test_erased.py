"""An erased customer's opportunities: nothing new is written about them (409
``customer_erased``), but one still open may be closed as lost, without a reason."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.audit.models import AuditEvent
from dossier.core.errors import Conflict
from dossier.pipeline import services
from dossier.pipeline.models import Opportunity, StageChange
from dossier.pipeline.tests.conftest import stage
from dossier.privacy.erasure import erase_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased(deal: Opportunity, member: Any, admin_user: Any) -> Opportunity:
    """The east member's open deal, after the member's data was erased."""
    erase_customer(actor=admin_user, customer_id=member.pk)
    return Opportunity.objects.get(pk=deal.pk)


def test_no_new_opportunity_for_an_erased_customer(
    sales: Any, member: Any, admin_user: Any
) -> None:
    erase_customer(actor=admin_user, customer_id=member.pk)
    with pytest.raises(Conflict) as refused:
        services.create_opportunity(
            actor=sales, customer_id=member.pk, title="张三 wants a loan",
            next_step="call 13800138000 at home",
        )  # fmt: skip
    assert refused.value.code == "customer_erased"
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [{"next_step": "her husband 李四: 13800138000"}, {"title": "李四的订单"}, {"amount": "1.00"}],
)
def test_an_erased_customers_opportunity_is_not_changed(
    sales: Any, erased: Opportunity, changes: dict[str, Any]
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        services.update_opportunity(actor=sales, opportunity_id=erased.pk, changes=changes)
    assert refused.value.code == "customer_erased"
    kept = Opportunity.objects.get(pk=erased.pk)
    assert (kept.title, kept.next_step, kept.amount) == (erased.title, "", erased.amount)
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("key", "reasons"),
    [
        ("qualified", {}),
        ("won", {"won_reason": "李四 signed"}),
        ("lost", {"lost_reason": "李四 went to a competitor, call 13800138000"}),
    ],
)
def test_an_erased_customers_opportunity_moves_nowhere_else_and_takes_no_text(
    sales: Any, erased: Opportunity, key: str, reasons: dict[str, str]
) -> None:
    with pytest.raises(Conflict) as refused:
        services.move_opportunity(
            actor=sales,
            opportunity_id=erased.pk,
            stage_id=stage("retail_member", key).pk,
            **reasons,
        )
    assert refused.value.code == "customer_erased"
    assert Opportunity.objects.get(pk=erased.pk).stage.key == "lead"
    assert StageChange.objects.filter(opportunity=erased).count() == 1


def test_a_manager_closes_an_erased_customers_opportunity_as_lost_without_a_reason(
    manager: Any, erased: Opportunity
) -> None:
    closed = services.move_opportunity(
        actor=manager, opportunity_id=erased.pk, stage_id=stage("retail_member", "lost").pk
    )
    assert closed.stage.key == "lost" and closed.closed_at is not None
    assert (closed.lost_reason, closed.won_reason, closed.probability) == ("", "", 0)
    assert StageChange.objects.filter(opportunity=erased).last().to_stage.key == "lost"


def test_the_api_answers_409_customer_erased(api_as: Any, sales: Any, erased: Opportunity) -> None:
    api = api_as(sales)
    path = f"/opportunities/{erased.pk}"
    created = api.post(
        "/opportunities", {"customer_id": str(erased.customer_id), "title": "张三 wants a loan"}
    )
    patched = api.patch(path, {"next_step": "call 13800138000"})
    moved = api.post(f"{path}/move", {"stage_id": stage("retail_member", "proposal").pk})
    for response in (created, patched, moved):
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "customer_erased"
    assert Opportunity.objects.count() == 1


def test_an_erased_customers_profile_offers_no_new_opportunity(
    sales: Any, member: Any, admin_user: Any
) -> None:
    from dossier.customers.models import Customer
    from dossier.pipeline.registrations import _may_create

    assert _may_create(sales, member)
    erase_customer(actor=admin_user, customer_id=member.pk)
    assert not _may_create(sales, Customer.objects.get(pk=member.pk))
