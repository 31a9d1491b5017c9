"""The kanban page: columns are stages, cards the opportunities the user may see; a drop (or
the card's stage menu) posts the move with htmx and the server decides."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from dossier.activity.models import TimelineEntry
from dossier.pipeline.models import Opportunity, StageChange
from dossier.pipeline.services import create_opportunity
from dossier.pipeline.tests.conftest import stage

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "board"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def move_url(opportunity: Opportunity) -> str:
    return reverse("pipeline:move", args=[opportunity.pk])


def test_the_board_has_a_column_per_stage_and_only_the_cards_the_user_may_see(
    sales: Any, outsider: Any, deal: Opportunity, make_customer: Any
) -> None:
    theirs = make_customer(outsider)
    create_opportunity(actor=outsider, customer_id=theirs.pk, title="西区的单子")
    page = client_for(sales).get(f"{reverse('pipeline:board')}?scenario=retail_member")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="column stage-') == 6
    assert "年度采购合同" in html and "西区的单子" not in html
    assert "¥128,000.00" in html and "李小龙" in html
    # the phone list: every card carries its stage menu, posting with htmx to the move URL
    assert f'hx-post="{move_url(deal)}"' in html and "data-stage-select" in html
    assert 'draggable="true"' in html
    assert '<script src="/static/pipeline/kanban.js" defer></script>' in html
    other = client_for(outsider).get(f"{reverse('pipeline:board')}?scenario=retail_member")
    assert "年度采购合同" not in other.content.decode()


def test_a_drop_moves_the_card_and_answers_the_board(sales: Any, deal: Opportunity) -> None:
    target = stage("retail_member", "proposal")
    response = client_for(sales).post(
        move_url(deal), {"stage": target.pk, "scenario": "retail_member"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="board"') and "<html" not in html
    assert "just-moved" in html
    assert Opportunity.objects.get(pk=deal.pk).stage == target


def test_a_drop_on_won_asks_for_the_reason_and_moves_once_it_is_given(
    sales: Any, deal: Opportunity
) -> None:
    won = stage("retail_member", "won")
    client = client_for(sales)
    asked = client.post(
        move_url(deal), {"stage": won.pk, "scenario": "retail_member"}, headers=HTMX
    )
    assert asked.status_code == 422
    html = asked.content.decode()
    assert 'name="reason"' in html and "Why was “年度采购合同” won?" in html
    assert Opportunity.objects.get(pk=deal.pk).stage.key == "lead"
    done = client.post(
        move_url(deal),
        {"stage": won.pk, "scenario": "retail_member", "reason": "一次性付款"},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert Opportunity.objects.get(pk=deal.pk).won_reason == "一次性付款"


def test_without_javascript_a_move_redirects_back_to_the_board(
    sales: Any, deal: Opportunity
) -> None:
    target = stage("retail_member", "qualified")
    response = client_for(sales).post(move_url(deal), {"stage": target.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('pipeline:board')}?scenario=retail_member"
    lost = client_for(sales).post(move_url(deal), {"stage": stage("retail_member", "lost").pk})
    assert lost.status_code == 422 and 'name="reason"' in lost.content.decode()


def test_a_move_by_someone_who_may_not_change_it_is_refused_and_nothing_is_written(
    service: Any, outsider: Any, marketing: Any, deal: Opportunity
) -> None:
    target = stage("retail_member", "negotiation")
    data = {"stage": target.pk, "scenario": "retail_member"}
    # service may see pipelines but not change them; outsider may not see the customer
    assert client_for(service).post(move_url(deal), data).status_code == 403
    assert client_for(marketing).post(move_url(deal), data).status_code == 403
    assert client_for(marketing).post(move_url(deal), data, headers=HTMX).status_code == 403
    assert client_for(service).post(move_url(deal), data, headers=HTMX).status_code == 403
    assert client_for(outsider).post(move_url(deal), data).status_code == 404
    refused = client_for(outsider).post(move_url(deal), data, headers=HTMX)
    assert refused.status_code == 404
    assert "No such opportunity." in refused.content.decode()
    assert "年度采购合同" not in refused.content.decode()  # the board is the outsider's own
    assert Opportunity.objects.get(pk=deal.pk).stage.key == "lead"
    assert StageChange.objects.filter(opportunity=deal).count() == 1


def test_a_manager_sees_the_teams_cards(manager: Any, deal: Opportunity) -> None:
    html = client_for(manager).get(reverse("pipeline:board") + "?scenario=retail_member")
    assert "年度采购合同" in html.content.decode() and "李小龙" in html.content.decode()


def test_marketing_and_analysts_get_no_board(marketing: Any, analyst: Any) -> None:
    assert client_for(marketing).get(reverse("pipeline:board")).status_code == 403
    assert client_for(analyst).get(reverse("pipeline:board")).status_code == 403


def test_an_unknown_scenario_shows_the_users_first_one(sales: Any, deal: Opportunity) -> None:
    page = client_for(sales).get(reverse("pipeline:board") + "?scenario=%00moon")
    assert page.status_code == 200
    assert re.search(r'aria-current="page">[^<]+</a>', page.content.decode())


def test_the_quick_action_creates_and_tells_the_timeline(sales: Any, member: Any) -> None:
    client = client_for(sales)
    data = {"customer_id": str(member.pk), "title": "会员卡年费升级", "amount": "1999"}
    response = client.post(reverse("pipeline:create"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    made = Opportunity.objects.get(title="会员卡年费升级")
    assert TimelineEntry.objects.filter(kind="opportunity", object_id=str(made.pk)).exists()
    bad = client.post(
        reverse("pipeline:create"),
        {**data, "amount": "很多"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 200 and "HX-Trigger" not in bad
    assert "Amount must be an amount" in bad.content.decode()
    page = client.post(reverse("pipeline:create"), {**data, "title": ""})
    assert page.status_code == 422


def test_the_timeline_entry_draws_from_the_row_or_the_summary(deal: Opportunity) -> None:
    entry = TimelineEntry.objects.get(kind="opportunity", object_id=str(deal.pk))
    with_row = render_to_string("pipeline/_timeline_entry.html", {"entry": entry, "row": deal})
    assert "年度采购合同" in with_row and "¥128,000.00" in with_row
    without = render_to_string("pipeline/_timeline_entry.html", {"entry": entry, "row": None})
    assert "年度采购合同" not in without and "lead" in without


def test_the_board_speaks_chinese(sales: Any, deal: Opportunity) -> None:
    client = client_for(sales)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("pipeline:board") + "?scenario=retail_member").content.decode()
    assert "销售漏斗" in html and "需求确认" in html and "把卡片拖到另一列" in html
