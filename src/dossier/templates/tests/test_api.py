"""The templates API: every endpoint per actor, bad input, versions, migrations."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.customers import services as customer_services
from dossier.templates.models import ProfileMigration, Template

FIELDS = [
    {"key": "budget", "type": "money", "label_zh": "预算", "label_en": "Budget"},
    {"key": "phone", "type": "phone", "required": True},
]
NEW_TEMPLATE = {"key": "lead", "name_zh": "线索", "name_en": "Lead", "scenario": "sales"}


@dataclass
class People:
    admin: User
    manager: User
    sales: User
    nobody: User


@pytest.fixture
def people(make_user: Callable[..., User]) -> People:
    return People(
        admin=make_user("boss", roles.ADMIN),
        manager=make_user("wang", roles.MANAGER, team="east"),
        sales=make_user("li.na", roles.SALES, team="east"),
        nobody=User.objects.create_user("nobody", password="x" * 12),
    )


def codes(response: Any) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_every_endpoint_needs_a_token(
    member_template: Template, api_as: Callable[..., Any]
) -> None:
    anonymous = api_as(None)
    calls = [
        anonymous.get("/templates"),
        anonymous.post("/templates", {**NEW_TEMPLATE, "fields": FIELDS}),
        anonymous.get("/templates/field-types"),
        anonymous.get("/templates/member"),
        anonymous.put("/templates/member", {"name_zh": "改"}),
        anonymous.delete("/templates/member"),
        anonymous.post("/templates/member/clone", {"key": "copy", "name_zh": "复制"}),
        anonymous.get("/templates/member/versions"),
        anonymous.get("/templates/member/versions/1"),
        anonymous.post("/templates/member/migrations"),
        anonymous.get("/templates/member/migrations/1"),
    ]
    assert [r.status_code for r in calls] == [401] * len(calls)
    assert not Template.objects.filter(key__in=["lead", "copy"]).exists()


def test_reads_need_the_view_permission(
    people: People, member_template: Template, api_as: Callable[..., Any]
) -> None:
    nobody = api_as(people.nobody)
    for path in (
        "/templates",
        "/templates/field-types",
        "/templates/member",
        "/templates/member/versions",
        "/templates/member/versions/1",
        "/templates/member/migrations/1",
    ):
        assert nobody.get(path).status_code == 403, path
    for actor in (people.sales, people.manager, people.admin):
        client = api_as(actor)
        keys = {t["key"] for t in client.get("/templates").json()}
        assert {"member", "retail_member", "sales_lead"} <= keys
        detail = client.get("/templates/member").json()
        assert detail["current_version"] == 1
        assert [f["key"] for f in detail["fields"]][:2] == ["kind", "display_name"]
        assert [v["number"] for v in client.get("/templates/member/versions").json()] == [1]
        assert client.get("/templates/member/versions/1").json()["status"] == "published"
        types = {t["name"]: t for t in client.get("/templates/field-types").json()}
        assert types["phone"]["widget"] == "tel" and "mobile_only" in types["phone"]["rules"]
    assert api_as(people.sales).get("/templates/nope").status_code == 404
    assert api_as(people.sales).get("/templates/member%00").status_code == 404
    assert api_as(people.manager).get("/templates/member%00/migrations/1").status_code == 404
    assert api_as(people.sales).get("/templates/member/versions/7").status_code == 404


def test_sensitive_fields_are_marked(
    people: People, member_template: Template, api_as: Callable[..., Any]
) -> None:
    fields = {f["key"]: f for f in api_as(people.sales).get("/templates/member").json()["fields"]}
    assert fields["id_number"]["sensitive"] is True
    assert fields["id_number"]["classification"] == "sensitive"
    assert fields["phone"]["classification"] == "personal"
    assert fields["phone"]["rules"] == {"mobile_only": True}


def test_create(people: People, api_as: Callable[..., Any]) -> None:
    body = {**NEW_TEMPLATE, "fields": FIELDS}
    for actor in (people.sales, people.nobody):
        assert api_as(actor).post("/templates", body).status_code == 403
    assert not Template.objects.filter(key="lead").exists()
    response = api_as(people.manager).post("/templates", body)
    assert response.status_code == 201
    assert response.json()["current_version"] == 1
    assert "budget" in {f["key"] for f in response.json()["fields"]}
    assert api_as(people.admin).post("/templates", body).status_code == 409
    admin_made = api_as(people.admin).post("/templates", {**body, "key": "lead2"})
    assert admin_made.status_code == 201


def test_update_publishes_a_new_version(
    people: People, member_template: Template, api_as: Callable[..., Any]
) -> None:
    change = {"name_zh": "会员2", "fields": FIELDS, "note": "budget"}
    for actor in (people.sales, people.nobody):
        assert api_as(actor).put("/templates/member", change).status_code == 403
    response = api_as(people.manager).put("/templates/member", change)
    assert response.status_code == 200
    assert response.json()["name_zh"] == "会员2" and response.json()["current_version"] == 2
    old = api_as(people.sales).get("/templates/member/versions/1").json()
    assert [f["key"] for f in old["fields"]] == [
        "phone",
        "member_no",
        "id_number",
        "level",
        "points",
    ]
    new = api_as(people.admin).put("/templates/member", {"name_en": "Members"})
    assert new.status_code == 200 and new.json()["current_version"] == 2
    assert api_as(people.admin).put("/templates/nope", {"name_zh": "x"}).status_code == 404


def test_archive(people: People, member_template: Template, api_as: Callable[..., Any]) -> None:
    for actor in (people.sales, people.nobody):
        assert api_as(actor).delete("/templates/member").status_code == 403
    assert api_as(people.manager).delete("/templates/member").status_code == 204
    listed = {t["key"] for t in api_as(people.admin).get("/templates").json()}
    assert "member" not in listed
    archived = api_as(people.admin).get("/templates?include_archived=true").json()
    assert {t["key"]: t["archived"] for t in archived}["member"] is True
    assert api_as(people.admin).get("/templates/member").json()["archived"] is True
    refused = api_as(people.sales).post(
        "/customers", {"template": "member", "values": {"display_name": "x"}}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "template_unavailable"


def test_clone(people: People, member_template: Template, api_as: Callable[..., Any]) -> None:
    body = {"key": "member_copy", "name_zh": "会员副本"}
    for actor in (people.sales, people.nobody):
        assert api_as(actor).post("/templates/member/clone", body).status_code == 403
    response = api_as(people.manager).post("/templates/member/clone", body)
    assert response.status_code == 201
    assert response.json()["key"] == "member_copy" and response.json()["builtin"] is False
    source = api_as(people.admin).get("/templates/member").json()["fields"]
    assert response.json()["fields"] == source
    again = api_as(people.admin).post("/templates/retail_member/clone", {**body, "key": "rm2"})
    assert again.status_code == 201
    assert api_as(people.admin).post("/templates/nope/clone", body).status_code == 404


def test_migrations(
    people: People,
    member_template: Template,
    api_as: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer_services.create_customer(
        actor=people.sales,
        template=member_template,
        values={"display_name": "张三", "phone": "13800138000"},
    )
    api_as(people.manager).put(
        "/templates/member", {"fields": [*FIELDS, {"key": "vip", "type": "boolean"}]}
    )
    for actor in (people.sales, people.nobody):
        assert api_as(actor).post("/templates/member/migrations").status_code == 403
    assert not ProfileMigration.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = api_as(people.manager).post("/templates/member/migrations")
    assert started.status_code == 202
    assert started.json()["target_version"] == 2
    path = f"/templates/member/migrations/{started.json()['id']}"
    assert api_as(people.sales).get(path).status_code == 403  # the report names customers
    report = api_as(people.manager).get(path).json()
    assert (report["status"], report["migrated"], report["failed"]) == ("done", 1, 0)
    assert api_as(people.admin).get(path).status_code == 200
    assert api_as(people.admin).get("/templates/retail_member/migrations/1").status_code == 404
    admin_run = api_as(people.admin).post("/templates/member/migrations")
    assert admin_run.status_code == 202


def test_read_only_token_cannot_write(
    people: People, member_template: Template, api_as: Callable[..., Any]
) -> None:
    reader = api_as(people.admin, "read")
    assert reader.get("/templates/member").status_code == 200
    writes = [
        reader.post("/templates", {**NEW_TEMPLATE, "fields": FIELDS}),
        reader.put("/templates/member", {"name_zh": "改"}),
        reader.delete("/templates/member"),
        reader.post("/templates/member/clone", {"key": "copy", "name_zh": "复制"}),
        reader.post("/templates/member/migrations"),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    member_template.refresh_from_db()
    assert member_template.name_zh == "会员" and member_template.archived_at is None
    assert not Template.objects.filter(key__in=["lead", "copy"]).exists()


def test_malformed_json_is_400_and_stores_nothing(
    people: People, member_template: Template, api_as: Callable[..., Any]
) -> None:
    client = api_as(people.admin)
    assert client.post("/templates", raw='{"key": "lead", ').status_code == 400
    assert client.put("/templates/member", raw="[").status_code == 400
    assert not Template.objects.filter(key="lead").exists()
    member_template.refresh_from_db()
    assert member_template.versions.count() == 1


def test_wrong_types_and_bad_keys_are_422(people: People, api_as: Callable[..., Any]) -> None:
    client = api_as(people.admin)
    response = client.post("/templates", {**NEW_TEMPLATE, "key": "Bad Key", "fields": "x"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"key", "fields"}
    response = client.post("/templates", {**NEW_TEMPLATE, "scenario": "space"})
    assert response.status_code == 422 and codes(response) == {("scenario", "invalid_choice")}
    assert not Template.objects.filter(key="lead").exists()


def test_field_definition_errors_name_rows_in_chinese(
    people: People, api_as: Callable[..., Any]
) -> None:
    body = {
        **NEW_TEMPLATE,
        "fields": [
            {"key": "budget", "type": "money"},
            {"key": "phone", "type": "text"},
            {"key": "budget", "type": "colour"},
        ],
    }
    response = api_as(people.admin).post("/templates", body, headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (2, "phone", "core_type_mismatch"),
        (3, "budget", "unknown_type"),
        (3, "budget", "duplicate_key"),
    ]
    assert errors[1]["message"] == "字段类型“colour”不存在。"
    assert not Template.objects.filter(key="lead").exists()


BUDGET_FIELDS = [
    {"key": "budget_min", "type": "money", "label_zh": "预算下限", "label_en": "Lowest budget"},
    {
        "key": "budget_max",
        "type": "money",
        "label_zh": "预算上限",
        "label_en": "Highest budget",
        "rules": {"not_less_than": "budget_min"},
    },
]


def test_a_rule_naming_a_missing_or_unlike_field_is_422_at_publish(
    people: People, api_as: Callable[..., Any]
) -> None:
    client = api_as(people.admin)
    # no such field; a (core) text field
    for other, reason in (("budget", "模板中没有字段“budget”"), ("display_name", "无法比较")):
        fields = [BUDGET_FIELDS[0], {**BUDGET_FIELDS[1], "rules": {"not_less_than": other}}]
        response = client.post(
            "/templates", {**NEW_TEMPLATE, "fields": fields}, headers={"Accept-Language": "zh-hans"}
        )
        assert response.status_code == 422
        [err] = response.json()["errors"]
        assert (err["row"], err["field"], err["code"]) == (2, "budget_max", "invalid_rule")
        assert reason in err["message"]
    assert not Template.objects.filter(key="lead").exists()


def test_customer_values_breaking_a_cross_field_rule_are_422_naming_the_field(
    people: People, api_as: Callable[..., Any]
) -> None:
    client = api_as(people.admin)
    body = {**NEW_TEMPLATE, "fields": BUDGET_FIELDS}
    assert client.post("/templates", body).status_code == 201
    values = {"display_name": "张三", "budget_min": "5000", "budget_max": "3000"}
    response = client.post(
        "/customers", {"template": "lead", "values": values}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "budget_max",
            "code": "less_than_other",
            "message": "Highest budget must not be less than Lowest budget.",
        }
    ]
    values["budget_max"] = "5000"
    assert client.post("/customers", {"template": "lead", "values": values}).status_code == 201


def test_pattern_with_a_backreference_is_refused_at_publish(
    people: People, member_template: Template, api_as: Callable[..., Any]
) -> None:
    fields = [{"key": "code", "type": "text", "label_en": "Code", "rules": {"regex": r"(ab)\1"}}]
    response = api_as(people.manager).put("/templates/member", {"fields": fields})
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert (problem["field"], problem["code"]) == ("code", "invalid_rule")
    assert "regex" in problem["message"] and "backreferences" in problem["message"]
    assert "Code" in problem["message"]
    assert Template.objects.get(key="member").current_version.number == 1


def test_catastrophic_pattern_does_not_stall_a_request(
    people: People, api_as: Callable[..., Any]
) -> None:
    fields = [{"key": "note", "type": "long_text", "rules": {"regex": "(a+)+$"}}]
    body = {**NEW_TEMPLATE, "key": "redos", "scenario": "other", "fields": fields}
    assert api_as(people.manager).post("/templates", body).status_code == 201
    started = time.perf_counter()
    response = api_as(people.sales).post(
        "/customers",
        {"template": "redos", "values": {"display_name": "x", "note": "a" * 9_999 + "!"}},
    )
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 422
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {("note", "pattern")}
