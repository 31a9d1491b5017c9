"""The campaigns API: create, list, get with counts, add members with a report, members."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.campaigns.models import Campaign, CampaignMember
from dossier.campaigns.tests.conftest import consent

pytestmark = pytest.mark.django_db


def test_a_campaign_from_creation_to_a_conversion(
    api_as: Any, admin_user: Any, marketing: Any, customers: list[Any]
) -> None:
    api = api_as(marketing)
    created = api.post(
        "/campaigns",
        {"name": "双十一会员日", "channel": "sms", "starts_at": "2026-11-11T00:00:00+08:00"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["purpose"], body["owner"]) == (
        "draft",
        "marketing",
        "sun.shichang",
    )
    assert body["counts"] == {"invited": 0, "responded": 0, "converted": 0, "total": 0}
    path = f"/campaigns/{body['id']}"
    assert api.patch(path, {"status": "running"}).json()["status"] == "running"

    consent(admin_user, customers[0])
    ids = [str(c.pk) for c in customers[:2]]
    report = api.post(f"{path}/members", {"customer_ids": ids})
    assert report.status_code == 200
    assert report.json() == {
        "added": 1,
        "already_members": 0,
        "skipped": {"no_consent": 1},
        "left_out": [{"customer_id": ids[1], "reason": "no_consent"}],
    }
    member = f"{path}/members/{ids[0]}"
    changed = api.patch(member, {"status": "converted", "order_ref": "SO-20261111-88"})
    assert changed.status_code == 200
    assert (changed.json()["status"], changed.json()["order_ref"]) == (
        "converted",
        "SO-20261111-88",
    )
    assert changed.json()["contactable"] is True
    back = api.patch(member, {"status": "invited"})
    assert back.status_code == 422 and back.json()["code"] == "illegal_transition"

    detail = api.get(path).json()
    assert detail["counts"] == {"invited": 0, "responded": 0, "converted": 1, "total": 1}
    assert detail["reachable"] == 1
    listed = api.get("/campaigns").json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    members = api.get(f"{path}/members").json()
    assert [m["customer_name"] for m in members["items"]] == ["会员0"]


def test_the_purpose_must_allow_a_channel(api_as: Any, marketing: Any) -> None:
    response = api_as(marketing).post(
        "/campaigns", {"name": "数据共享", "channel": "sms", "purpose": "third_party_sharing"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"
    assert api_as(marketing).post("/campaigns", {"name": "x", "channel": "fax"}).status_code == 422
    assert not Campaign.objects.exists()


def test_members_and_lists_page_by_cursor(
    api_as: Any, admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    for customer in customers:
        consent(admin_user, customer)
    api = api_as(marketing)
    api.post(f"/campaigns/{campaign.pk}/members", {"customer_ids": [str(c.pk) for c in customers]})
    seen, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        page = api.get(f"/campaigns/{campaign.pk}/members?limit=2{suffix}").json()
        seen += [item["customer_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(c.pk) for c in customers) and len(seen) == 5
    assert api.get(f"/campaigns/{campaign.pk}/members?status=converted").json()["items"] == []
    assert api.get(f"/campaigns/{campaign.pk}/members?status=bought").status_code == 422


def test_a_read_only_token_adds_no_member(
    api_as: Any, admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    consent(admin_user, customers[0])
    api = api_as(marketing, scope="read")
    response = api.post(
        f"/campaigns/{campaign.pk}/members", {"customer_ids": [str(customers[0].pk)]}
    )
    assert (response.status_code, response.json()["code"]) == (403, "token_read_only")
    assert api.get(f"/campaigns/{campaign.pk}").status_code == 200
    assert not CampaignMember.objects.exists()


def test_analysts_read_counts_but_no_member(api_as: Any, analyst: Any, campaign: Any) -> None:
    api = api_as(analyst)
    assert api.get(f"/campaigns/{campaign.pk}").json()["counts"]["total"] == 0
    assert api.get(f"/campaigns/{campaign.pk}/members").status_code == 403
    assert api.post("/campaigns", {"name": "x", "channel": "sms"}).status_code == 403


def test_too_many_ids_or_none_at_all_are_422(api_as: Any, marketing: Any, campaign: Any) -> None:
    api = api_as(marketing)
    path = f"/campaigns/{campaign.pk}/members"
    import uuid

    many = [str(uuid.uuid4()) for _ in range(1001)]
    assert api.post(path, {"customer_ids": many}).status_code == 422
    assert api.post(path, {}).status_code == 422
    assert api.post(path, {"customer_ids": ["nope"]}).status_code == 422
    assert api.post("/campaigns/999999/members", {"customer_ids": []}).status_code == 404
