"""The pipeline API: /opportunities and /pipeline/stages, its error shape and its paging."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.audit.models import AuditEvent
from dossier.pipeline.models import Opportunity, Stage, StageChange
from dossier.pipeline.services import create_opportunity
from dossier.pipeline.tests.conftest import stage

pytestmark = pytest.mark.django_db


def test_create_get_move_and_update_through_the_api(api_as: Any, sales: Any, member: Any) -> None:
    api = api_as(sales)
    created = api.post(
        "/opportunities",
        {
            "customer_id": str(member.pk),
            "title": "门店装修项目",
            "amount": "56000.5",
            "expected_close": "2026-03-31",
            "next_step": "约客户看样板间",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["amount"], body["currency"], body["probability"]) == ("56000.50", "CNY", 10)
    assert body["stage"]["key"] == "lead" and body["customer_name"] == "李小龙"
    assert body["owner"] == "wang.fang" and body["expected_close"] == "2026-03-31"
    path = f"/opportunities/{body['id']}"
    assert api.get(path).json() == body

    refused = api.post(f"{path}/move", {"stage_id": stage("retail_member", "won").pk})
    assert refused.status_code == 422
    assert refused.json()["code"] == "reason_required"
    assert [e["field"] for e in refused.json()["errors"]] == ["won_reason"]

    moved = api.post(
        f"{path}/move", {"stage_id": stage("retail_member", "won").pk, "won_reason": "方案获认可"}
    )
    assert moved.status_code == 200
    assert (moved.json()["stage"]["kind"], moved.json()["won_reason"]) == ("won", "方案获认可")
    assert moved.json()["closed_at"] is not None

    patched = api.patch(path, {"probability": 90, "expected_close": None})
    assert patched.status_code == 200
    assert (patched.json()["probability"], patched.json()["expected_close"]) == (90, None)


def test_a_stage_of_another_scenario_is_a_422_naming_stage_id(
    api_as: Any, sales: Any, member: Any
) -> None:
    response = api_as(sales).post(
        "/opportunities",
        {"customer_id": str(member.pk), "title": "跨场景", "stage_id": stage("sales", "lead").pk},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "stage_not_in_scenario"
    assert response.json()["errors"][0]["field"] == "stage_id"
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": 12}, "amount"),
        ({"probability": 101}, "probability"),
        ({"probability": True}, "probability"),
        ({"currency": "RMB1"}, "currency"),
        ({"title": "   "}, "title"),
        ({"expected_close": "20260331"}, "expected_close"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    api_as: Any, sales: Any, member: Any, body: dict[str, Any], field: str
) -> None:
    payload = {"customer_id": str(member.pk), "title": "年度采购合同", **body}
    response = api_as(sales).post("/opportunities", payload)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Opportunity.objects.exists()


def test_another_teams_user_gets_404_for_create_read_move_and_update(
    api_as: Any, outsider: Any, deal: Opportunity, member: Any
) -> None:
    api = api_as(outsider)
    events = AuditEvent.objects.count()
    assert (
        api.post("/opportunities", {"customer_id": str(member.pk), "title": "抢单"}).status_code
        == 404
    )
    path = f"/opportunities/{deal.pk}"
    assert api.get(path).status_code == 404
    assert api.patch(path, {"amount": "1.00"}).status_code == 404
    assert api.post(f"{path}/move", {"stage_id": deal.stage_id + 1}).status_code == 404
    assert api.get("/opportunities").json()["items"] == []
    assert Opportunity.objects.count() == 1 and StageChange.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_a_read_only_token_reads_but_writes_nothing(
    api_as: Any, sales: Any, deal: Opportunity, member: Any
) -> None:
    api = api_as(sales, scope="read")
    assert api.get(f"/opportunities/{deal.pk}").status_code == 200
    for response in (
        api.post("/opportunities", {"customer_id": str(member.pk), "title": "只读"}),
        api.patch(f"/opportunities/{deal.pk}", {"amount": "1"}),
        api.post(
            f"/opportunities/{deal.pk}/move", {"stage_id": stage("retail_member", "qualified").pk}
        ),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "token_read_only")
    deal.refresh_from_db()
    assert deal.stage.key == "lead" and Opportunity.objects.count() == 1


def test_the_list_filters_and_pages_by_cursor(
    api_as: Any, sales: Any, manager: Any, member: Any, lead: Any
) -> None:
    made = [
        create_opportunity(actor=sales, customer_id=member.pk, title=f"会员卡年费 {n}")
        for n in range(5)
    ]
    mine = create_opportunity(
        actor=manager,
        customer_id=lead.pk,
        title="企业团购礼品",
        stage_id=stage("sales", "proposal").pk,
    )
    api = api_as(sales)
    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = api.get(f"/opportunities{query}").json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted([o.pk for o in [*made, mine]], reverse=True)
    by_stage = api.get("/opportunities?stage=proposal").json()["items"]
    assert [item["id"] for item in by_stage] == [mine.pk]
    by_scenario = api.get("/opportunities?scenario=retail_member").json()["items"]
    assert {item["id"] for item in by_scenario} == {o.pk for o in made}
    by_owner = api.get("/opportunities?owner=zhou.min").json()["items"]
    assert [item["id"] for item in by_owner] == [mine.pk]
    assert api.get("/opportunities?owner=me").json()["items"][0]["owner"] == "wang.fang"
    assert api.get("/opportunities?scenario=moon").status_code == 422
    assert api.get("/opportunities?cursor=0").status_code == 422


def test_stages_are_listed_per_scenario_and_changed_by_admins_only(
    api_as: Any, sales: Any, admin_user: Any, marketing: Any
) -> None:
    listed = api_as(sales).get("/pipeline/stages?scenario=sales").json()
    assert [s["key"] for s in listed] == [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert api_as(marketing).get("/pipeline/stages").status_code == 403
    lead_stage = stage("sales", "lead")
    path = f"/pipeline/stages/{lead_stage.pk}"
    assert api_as(sales).patch(path, {"probability": 5}).status_code == 403
    changed = api_as(admin_user).patch(path, {"probability": 5, "name_zh": "潜在线索"})
    assert changed.status_code == 200
    assert (changed.json()["probability"], changed.json()["name_zh"]) == (5, "潜在线索")
    assert changed.json()["key"] == "lead"  # keys stay
    # null leaves a name, position or probability as it is (the document lets it be null)
    kept = api_as(admin_user).patch(path, {"name_zh": None, "position": None, "probability": None})
    assert kept.status_code == 200
    assert (kept.json()["name_zh"], kept.json()["probability"]) == ("潜在线索", 5)
    assert api_as(admin_user).patch(path, {"name_zh": " "}).status_code == 422
    assert api_as(admin_user).patch(path, {"name_zh": "\x85"}).status_code == 422
    assert Stage.objects.get(pk=lead_stage.pk).name_zh == "潜在线索"
