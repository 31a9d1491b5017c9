"""Opportunities in the customer-data registry: the customer's copy, erasure, merge; and the
timeline's view of them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dossier.activity.selectors import timeline_page
from dossier.customers.registry import erase_rows, export_sections, repoint_customer_data
from dossier.pipeline import services
from dossier.pipeline.models import Opportunity, StageChange
from dossier.pipeline.tests.conftest import stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def won(sales: Any, deal: Opportunity) -> Opportunity:
    return services.move_opportunity(
        actor=sales,
        opportunity_id=deal.pk,
        stage_id=stage("retail_member", "won").pk,
        won_reason="李先生认可方案",
    )


def test_the_customers_copy_holds_their_opportunities_and_moves(
    won: Opportunity, member: Any
) -> None:
    sections = export_sections(member)
    [copied] = sections["opportunities"]
    assert copied["title"] == "年度采购合同"
    assert (copied["stage"], copied["won_reason"]) == ("won", "李先生认可方案")
    assert copied["next_step"] == "周五前发送报价单给李先生"
    assert [(m["from"], m["to"]) for m in sections["opportunity_stages"]] == [
        (None, "lead"),
        ("lead", "won"),
    ]


def test_erasure_keeps_amounts_and_stages_and_drops_the_text(won: Opportunity, member: Any) -> None:
    erase_rows([member.pk])
    kept = Opportunity.objects.get(pk=won.pk)
    assert (kept.amount, kept.stage.key, kept.probability) == (Decimal("128000.00"), "won", 100)
    assert (kept.title, kept.next_step, kept.won_reason, kept.lost_reason) == ("—", "", "", "")
    assert StageChange.objects.filter(opportunity=won).count() == 2


def test_a_merge_moves_opportunities_and_their_history(
    won: Opportunity, member: Any, sales: Any, make_customer: Any
) -> None:
    survivor = make_customer(sales)
    moved = repoint_customer_data(member.pk, survivor.pk)
    assert moved["pipeline.Opportunity"] == 1 and moved["pipeline.StageChange"] == 2
    assert Opportunity.objects.get(pk=won.pk).customer_id == survivor.pk
    assert set(StageChange.objects.values_list("customer_id", flat=True)) == {survivor.pk}


def test_the_timeline_loads_the_opportunity_for_who_may_see_it(
    won: Opportunity, member: Any, sales: Any, manager: Any
) -> None:
    page = timeline_page(actor=sales, customer_id=member.pk, kinds=["opportunity"])
    [entry] = page.entries
    assert page.rows[("opportunity", str(won.pk))].title == "年度采购合同"
    assert entry.summary["stage"] == "won"
    assert ("opportunity", str(won.pk)) in timeline_page(actor=manager, customer_id=member.pk).rows


def test_erasing_the_customer_keeps_the_deal_and_drops_what_named_anyone(
    won: Opportunity, member: Any, admin_user: Any
) -> None:
    from dossier.privacy.erasure import erase_customer

    erase_customer(actor=admin_user, customer_id=member.pk)
    kept = Opportunity.objects.get(pk=won.pk)
    assert (kept.amount, kept.stage.key, kept.title, kept.won_reason) == (
        Decimal("128000.00"), "won", "—", "",
    )  # fmt: skip
    assert export_sections(member)["opportunities"][0]["next_step"] == ""
