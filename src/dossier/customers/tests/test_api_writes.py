"""Writing through the customers and tags API: every write per actor, bad input, languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DataError

from dossier.customers import services
from dossier.customers.models import Customer, CustomerTag, Tag
from dossier.customers.tests.api_helpers import Team, codes, listing, url

# ---- authorization, endpoint by endpoint -----------------------------------------------------


def test_create(team: Team, api_as: Callable[..., Any]) -> None:
    body = {"template": "member", "values": {"display_name": "李四", "phone": "13900139000"}}
    assert api_as(team.marketer).post("/customers", body).status_code == 403
    assert api_as(team.analyst).post("/customers", body).status_code == 403
    response = api_as(team.owner).post("/customers", body)
    assert response.status_code == 201
    data = response.json()
    assert data["owner"] == "li.na" and data["version"] == 1
    assert data["values"]["phone"] == "+8613900139000"
    created = api_as(team.admin).post(
        "/customers",
        {
            "template": "member",
            "values": {"display_name": "王五", "phone": "13700137000"},
            "owner": "zhao",
            "tags": [team.tag.pk],
        },
    )
    assert created.status_code == 201
    assert created.json()["owner"] == "zhao"
    assert [t["name"] for t in created.json()["tags"]] == ["VIP"]
    assert Customer.objects.count() == 3


def test_patch(team: Team, api_as: Callable[..., Any]) -> None:
    change = {"version": 1, "values": {"points": 5}}
    assert api_as(team.stranger).patch(url(team), change).status_code == 404
    services.share_customer(actor=team.owner, customer_id=team.customer.pk, user=team.marketer)
    assert api_as(team.marketer).patch(url(team), change).status_code == 403
    response = api_as(team.owner).patch(url(team), change)
    assert response.status_code == 200
    assert response.json()["values"]["points"] == 5 and response.json()["version"] == 2
    response = api_as(team.admin).patch(
        url(team), {"version": 2, "values": {"points": 6}, "tags": [team.tag.pk], "owner": "zhao"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["values"]["points"] == 6 and data["owner"] == "zhao"
    assert [t["name"] for t in data["tags"]] == ["VIP"]


def test_delete(team: Team, api_as: Callable[..., Any]) -> None:
    assert api_as(team.stranger).delete(url(team)).status_code == 404
    assert api_as(team.owner).delete(url(team)).status_code == 403  # sales may not delete
    assert api_as(team.admin).delete(url(team, "?version=9")).status_code == 409
    team.customer.refresh_from_db()
    assert team.customer.deleted_at is None
    assert api_as(team.manager).delete(url(team, "?version=1")).status_code == 204
    assert api_as(team.owner).get(url(team)).status_code == 404
    assert api_as(team.admin).delete(url(team)).status_code == 404


def test_admin_deletes(team: Team, api_as: Callable[..., Any]) -> None:
    assert api_as(team.admin).delete(url(team)).status_code == 204
    team.customer.refresh_from_db()
    assert team.customer.deleted_at is not None


def test_set_tags(team: Team, api_as: Callable[..., Any]) -> None:
    body = {"tag_ids": [team.tag.pk]}
    assert api_as(team.stranger).put(url(team, "/tags"), body).status_code == 404
    response = api_as(team.owner).put(url(team, "/tags"), body)
    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == ["VIP"]
    assert api_as(team.admin).put(url(team, "/tags"), {"tag_ids": []}).json() == []
    unknown = api_as(team.owner).put(url(team, "/tags"), {"tag_ids": [999]})
    assert unknown.status_code == 422 and codes(unknown) == {("tags", "invalid_choice")}
    assert not CustomerTag.objects.exists()


def test_tags(team: Team, api_as: Callable[..., Any]) -> None:
    assert api_as(team.analyst).get("/tags").status_code == 403
    assert [t["name"] for t in api_as(team.owner).get("/tags").json()] == ["VIP"]
    assert api_as(team.owner).post("/tags", {"name": "新"}).status_code == 403
    created = api_as(team.manager).post("/tags", {"name": "老客户", "group": "类型"})
    assert created.status_code == 201
    tag_id = created.json()["id"]
    assert api_as(team.admin).post("/tags", {"name": "老客户", "group": "类型"}).status_code == 409
    assert api_as(team.owner).patch(f"/tags/{tag_id}", {"colour": "#000000"}).status_code == 403
    patched = api_as(team.manager).patch(f"/tags/{tag_id}", {"colour": "#000000"})
    assert patched.status_code == 200 and patched.json()["colour"] == "#000000"
    bad = api_as(team.manager).patch(f"/tags/{tag_id}", {"colour": "black"})
    assert bad.status_code == 422 and codes(bad) == {("colour", "pattern")}
    assert api_as(team.owner).delete(f"/tags/{tag_id}").status_code == 403
    assert api_as(team.admin).delete(f"/tags/{tag_id}").status_code == 204
    assert api_as(team.admin).delete(f"/tags/{tag_id}").status_code == 404


# ---- bad input -------------------------------------------------------------------------------


def test_malformed_json_is_400_and_stores_nothing(team: Team, api_as: Callable[..., Any]) -> None:
    client = api_as(team.owner)
    response = client.post("/customers", raw='{"template": "member", "values": {')
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    patch = client.patch(url(team), raw='{"version": 1, "values": ')
    assert patch.status_code == 400
    assert Customer.objects.count() == 1
    team.customer.refresh_from_db()
    assert team.customer.version == 1


def test_wrong_types_are_422_with_field_details(team: Team, api_as: Callable[..., Any]) -> None:
    client = api_as(team.owner)
    response = client.post("/customers", {"template": 5, "values": [1], "tags": ["x"]})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"template", "values", "tags.0"}
    response = client.post(
        "/customers",
        {"template": "member", "values": {"phone": "12", "points": "many", "birthday": "soon"}},
    )
    assert response.status_code == 422
    assert codes(response) == {
        ("display_name", "required"),
        ("phone", "invalid_phone"),
        ("points", "invalid_integer"),
        ("birthday", "invalid_date"),
    }
    assert all(e["message"] for e in response.json()["errors"])
    response = client.patch(url(team), {"values": {"points": 1}})
    assert response.status_code == 422 and ("version", "missing") in codes(response)
    assert client.get("/customers?limit=0").status_code == 422
    assert client.get("/customers?cursor=nonsense").status_code == 422
    assert Customer.objects.count() == 1


def test_unknown_template_is_422_on_the_template_field(
    team: Team, api_as: Callable[..., Any]
) -> None:
    response = api_as(team.owner).post(
        "/customers", {"template": "no_such", "values": {"display_name": "x"}}
    )
    assert response.status_code == 422
    assert codes(response) == {("template", "invalid_choice")}
    assert "no_such" in response.json()["errors"][0]["message"]
    assert Customer.objects.count() == 1


def test_nul_characters_are_refused_not_a_server_error(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client = api_as(team.owner)
    for params in ({"q": "张\x00三"}, {"tag": "V\x00"}, {"owner": "li\x00"}, {"template": "\x00"}):
        assert client.get(listing(params)).status_code == 200, params
    assert len(client.get(listing({"q": "张\x00三"})).json()["items"]) == 1
    created = client.post("/customers", {"template": "member\x00", "values": {}})
    assert created.status_code == 422 and codes(created) == {("template", "invalid_choice")}
    owner = api_as(team.admin).post(
        "/customers", {"template": "member", "values": {"display_name": "x"}, "owner": "li\x00"}
    )
    assert owner.status_code == 404
    tag = api_as(team.manager).post("/tags", {"name": "V\x00IP"})
    assert tag.status_code == 422 and codes(tag) == {("name", "control_characters")}
    assert Customer.objects.count() == 1 and Tag.objects.count() == 1


def test_value_the_database_refuses_is_422(
    team: Team, api_as: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_kwargs: Any) -> None:
        raise DataError("value too long for type character varying(50)")

    monkeypatch.setattr(services, "create_tag", refuse)
    response = api_as(team.manager).post("/tags", {"name": "新"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_value"


def test_unknown_owner_is_404(team: Team, api_as: Callable[..., Any]) -> None:
    response = api_as(team.admin).post(
        "/customers",
        {
            "template": "member",
            "values": {"display_name": "x", "phone": "13900139000"},
            "owner": "ghost",
        },
    )
    assert response.status_code == 404 and response.json()["code"] == "user_not_found"
    assert Customer.objects.count() == 1


def test_stale_version_is_409_and_unchanged(team: Team, api_as: Callable[..., Any]) -> None:
    client = api_as(team.owner)
    assert client.patch(url(team), {"version": 1, "values": {"points": 1}}).status_code == 200
    stale = client.patch(url(team), {"version": 1, "values": {"points": 2}, "tags": [team.tag.pk]})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert stale.json()["current_version"] == 2
    current = client.get(url(team)).json()
    assert current["version"] == 2 and current["values"]["points"] == 1 and current["tags"] == []


# ---- language --------------------------------------------------------------------------------


def test_errors_in_chinese_when_asked(team: Team, api_as: Callable[..., Any]) -> None:
    response = api_as(team.owner).post(
        "/customers",
        {"template": "member", "values": {"phone": "12345"}},
        headers={"Accept-Language": "zh-hans"},
    )
    assert response.status_code == 422
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages == {"phone": "手机不是有效的电话号码。", "display_name": "名称为必填项。"}
    english = api_as(team.owner).post(
        "/customers",
        {"template": "member", "values": {"phone": "12345"}},
        headers={"Accept-Language": "en"},
    )
    assert {e["message"] for e in english.json()["errors"]} == {
        "Phone is not a valid phone number.",
        "Name is required.",
    }
    unknown = api_as(team.owner).post(
        "/customers",
        {"template": "nope", "values": {}},
        headers={"Accept-Language": "zh-hans"},
    )
    assert unknown.json()["errors"][0]["message"] == "模板：“nope”不在可选项中。"
