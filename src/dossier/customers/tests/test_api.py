"""The customers and tags API: every endpoint per actor, tokens, bad input, search, paging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.db import DataError
from django.utils import timezone

from dossier.accounts import roles, token_cache
from dossier.accounts.models import ApiToken
from dossier.accounts.services import create_token, deactivate_user, revoke_token
from dossier.customers import services
from dossier.customers.models import Customer, CustomerTag, Tag
from dossier.templates.models import Template

ID_NUMBER = "11010519491231002X"


@dataclass
class Team:
    admin: User
    manager: User
    owner: User
    stranger: User
    marketer: User
    analyst: User
    customer: Customer
    tag: Tag


@pytest.fixture
def team(make_user: Callable[..., User], member_template: Template) -> Team:
    admin = make_user("boss", roles.ADMIN)
    owner = make_user("li.na", roles.SALES, team="east")
    customer = services.create_customer(
        actor=owner,
        template=member_template,
        values={
            "display_name": "張三",
            "phone": "13800138000",
            "email": "zhang.san@example.com",
            "id_number": ID_NUMBER,
            "member_no": "M000001",
        },
    )
    return Team(
        admin=admin,
        manager=make_user("wang", roles.MANAGER, team="east"),
        owner=owner,
        stranger=make_user("zhao", roles.SALES, team="west"),
        marketer=make_user("ma", roles.MARKETING),
        analyst=make_user("an", roles.ANALYST),
        customer=customer,
        tag=services.create_tag(actor=admin, name="VIP"),
    )


def url(team: Team, suffix: str = "") -> str:
    return f"/customers/{team.customer.pk}{suffix}"


def listing(params: dict[str, Any]) -> str:
    return f"/customers?{urlencode(params)}"


def codes(response: Any) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


# ---- authorization, endpoint by endpoint -----------------------------------------------------


def test_every_endpoint_needs_a_token(team: Team, api_as: Callable[..., Any]) -> None:
    anonymous = api_as(None)
    calls = [
        anonymous.get("/customers"),
        anonymous.post("/customers", {"template": "member", "values": {}}),
        anonymous.get(url(team)),
        anonymous.patch(url(team), {"version": 1, "values": {"points": 1}}),
        anonymous.delete(url(team)),
        anonymous.put(url(team, "/tags"), {"tag_ids": []}),
        anonymous.get("/tags"),
        anonymous.post("/tags", {"name": "新"}),
        anonymous.patch(f"/tags/{team.tag.pk}", {"name": "x"}),
        anonymous.delete(f"/tags/{team.tag.pk}"),
    ]
    assert [r.status_code for r in calls] == [401] * len(calls)
    assert {r.json()["code"] for r in calls} == {"unauthenticated"}
    bad = api_as(None).get("/customers", headers={"Authorization": "Bearer dos_wrong"})
    assert bad.status_code == 401
    assert Customer.objects.count() == 1 and Tag.objects.count() == 1


def test_list(team: Team, api_as: Callable[..., Any]) -> None:
    assert api_as(team.analyst).get("/customers").status_code == 403
    assert api_as(team.stranger).get("/customers").json()["items"] == []
    for actor in (team.owner, team.admin, team.manager):
        response = api_as(actor).get("/customers")
        assert response.status_code == 200
        assert [c["id"] for c in response.json()["items"]] == [str(team.customer.pk)]


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


def test_get(team: Team, api_as: Callable[..., Any]) -> None:
    assert api_as(team.stranger).get(url(team)).status_code == 404
    assert api_as(team.analyst).get(url(team)).status_code == 404
    for actor in (team.owner, team.admin, team.manager):
        response = api_as(actor).get(url(team))
        assert response.status_code == 200
        assert response.json()["values"]["display_name"] == "張三"
    assert (
        api_as(team.admin).get("/customers/01890000-0000-7000-8000-000000000000").status_code == 404
    )


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


# ---- tokens ----------------------------------------------------------------------------------


def test_read_only_token_reads_but_cannot_write(team: Team, api_as: Callable[..., Any]) -> None:
    reader = api_as(team.owner, "read")
    assert reader.get(url(team)).status_code == 200
    writes = [
        reader.post("/customers", {"template": "member", "values": {"display_name": "x"}}),
        reader.patch(url(team), {"version": 1, "values": {"points": 1}}),
        reader.delete(url(team)),
        reader.put(url(team, "/tags"), {"tag_ids": [team.tag.pk]}),
    ]
    assert [r.status_code for r in writes] == [403] * 4
    assert {r.json()["code"] for r in writes} == {"token_read_only"}
    team.customer.refresh_from_db()
    assert team.customer.version == 1 and team.customer.deleted_at is None
    assert Customer.objects.count() == 1 and not CustomerTag.objects.exists()


def _client_with(api_as: Callable[..., Any], secret: str) -> Any:
    client = api_as(None)
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def test_revoked_and_expired_tokens_are_refused(team: Team, api_as: Callable[..., Any]) -> None:
    token, secret = create_token(user=team.owner, name="cli", scope=ApiToken.READ_WRITE)
    client = _client_with(api_as, secret)
    assert client.get(url(team)).status_code == 200
    revoke_token(token_id=token.pk, actor=team.owner)
    assert client.get(url(team)).status_code == 401

    token, secret = create_token(user=team.owner, name="cli", expires_in_days=1)
    client = _client_with(api_as, secret)
    assert client.get(url(team)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    token_cache.forget_all()  # changed behind the services' back: reaches a process within TTL
    assert client.get(url(team)).status_code == 401

    _token, secret = create_token(user=team.owner, name="cli")
    deactivate_user(actor=None, user=team.owner)
    assert _client_with(api_as, secret).get(url(team)).status_code == 401


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


# ---- search and paging -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "张三",
        "張三",
        "zhangsan",
        "zhang san",
        "ZS",
        "13800138000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "ZHANG.SAN@EXAMPLE.COM",
    ],
)
def test_search_by_name_pinyin_phone_email_and_id(
    q: str, team: Team, api_as: Callable[..., Any]
) -> None:
    services.create_customer(
        actor=team.owner,
        template=Template.objects.get(key="member"),
        values={"display_name": "李四", "phone": "13900139000", "email": "li@example.com"},
    )
    response = api_as(team.owner).get(listing({"q": q}))
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [str(team.customer.pk)]


def test_search_by_id_number_needs_the_right_to_reveal_it(
    team: Team, api_as: Callable[..., Any]
) -> None:
    """An exact search confirms a value as surely as seeing it whole."""
    query = listing({"q": "11010519491231002x"})
    assert api_as(team.owner).get(query).json()["items"] == []
    found = api_as(team.admin).get(query).json()["items"]
    assert [c["id"] for c in found] == [str(team.customer.pk)]


def test_marketing_cannot_confirm_a_phone_number_by_searching(
    team: Team, api_as: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    promoter = make_user("promoter", roles.MARKETING)
    services.share_customer(actor=team.owner, customer_id=team.customer.pk, user=promoter)
    assert api_as(promoter).get(listing({"q": "张三"})).json()["items"] != []
    assert api_as(promoter).get(listing({"q": "13800138000"})).json()["items"] == []


def test_search_with_no_match_and_no_partial_identifier_match(
    team: Team, api_as: Callable[..., Any]
) -> None:
    for q in ("王五", "1380013800", "11010519491231", "zhang.san@example"):
        assert api_as(team.owner).get(listing({"q": q})).json()["items"] == [], q


def test_cursor_pagination_walks_every_page_once(
    team: Team, api_as: Callable[..., Any], member_template: Template
) -> None:
    services.create_customers(
        actor=team.owner,
        template=member_template,
        rows=[{"display_name": f"客户{i}", "phone": f"1390013{i:04d}"} for i in range(9)],
    )
    client = api_as(team.owner)
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        response = client.get(listing({"limit": 4, "cursor": cursor}))
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 4
        seen += [c["id"] for c in page["items"]]
        pages += 1
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 10
    assert set(seen) == {str(pk) for pk in Customer.objects.values_list("pk", flat=True)}
    assert seen == sorted(seen, reverse=True)  # newest first


def test_filters(team: Team, api_as: Callable[..., Any]) -> None:
    client = api_as(team.admin)
    assert len(client.get(listing({"template": "member"})).json()["items"]) == 1
    assert client.get(listing({"template": "retail_member"})).json()["items"] == []
    assert len(client.get(listing({"owner": "li.na"})).json()["items"]) == 1
    assert client.get(listing({"owner": "me"})).json()["items"] == []
    assert len(client.get(listing({"status": "lead"})).json()["items"]) == 1
    assert client.get(listing({"tag": "VIP"})).json()["items"] == []
    services.set_customer_tags(
        actor=team.admin, customer_id=team.customer.pk, tag_ids=[team.tag.pk]
    )
    assert len(client.get(listing({"tag": "VIP"})).json()["items"]) == 1
    assert len(client.get(listing({"tag": str(team.tag.pk)})).json()["items"]) == 1


# ---- masking by role -------------------------------------------------------------------------


def test_masking_by_role(team: Team, api_as: Callable[..., Any]) -> None:
    services.share_customer(actor=team.owner, customer_id=team.customer.pk, user=team.marketer)
    own = api_as(team.owner).get(url(team)).json()
    assert own["values"]["phone"] == "+8613800138000"
    assert own["values"]["email"] == "zhang.san@example.com"
    assert own["values"]["id_number"] == "110105********002X"
    assert own["masked"] == ["id_number"]

    marketing = api_as(team.marketer).get(url(team)).json()
    assert marketing["values"]["phone"] == "138****8000"
    assert marketing["values"]["email"] == "z***@example.com"
    assert marketing["values"]["birthday"] == "******"
    assert marketing["values"]["display_name"] == "張三"
    assert set(marketing["masked"]) == {"phone", "email", "birthday", "id_number"}
    listed = api_as(team.marketer).get("/customers").json()["items"]
    assert listed[0]["values"]["phone"] == "138****8000"

    for actor in (team.owner, team.marketer, team.manager, team.admin):
        for response in (api_as(actor).get(url(team)), api_as(actor).get("/customers")):
            assert ID_NUMBER not in response.content.decode()
            assert "19491231" not in response.content.decode()


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
