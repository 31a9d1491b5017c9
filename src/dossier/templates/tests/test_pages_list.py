"""Template pages: list, create, clone, detail, versions, archive, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.core import roles
from dossier.customers.services import create_customer
from dossier.templates import selectors
from dossier.templates.models import Template
from dossier.templates.tests.page_helpers import own_keys

pytestmark = pytest.mark.django_db


# --- list, create, clone ------------------------------------------------------------------


def test_list_shows_builtin_templates_with_version_scenario_and_counts(
    admin_client: Client, admin_user: User, member_template: Template
) -> None:
    create_customer(
        actor=admin_user,
        template=member_template,
        values={"display_name": "张三", "phone": "13800138000"},
    )
    response = admin_client.get("/templates/")
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("retail_member", "sales_lead", "financial_client", "b2b_account"):
        assert f"<code>{key}</code>" in html
    assert "Built-in" in html
    assert "Retail member" in html  # scenario label
    assert response.context["nav"] == "templates"
    counts = {row["template"].key: row["customers"] for row in response.context["rows"]}
    assert counts["member"] == 1
    assert counts["retail_member"] == 0
    assert 'id="new-template"' in html


def test_create_template_via_page_publishes_version_one(admin_client: Client) -> None:
    response = admin_client.post(
        "/templates/",
        {"key": "gym_member", "name_zh": "健身会员", "name_en": "Gym member", "scenario": "other"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/templates/gym_member/edit/"
    template = Template.objects.get(key="gym_member")
    assert template.name_zh == "健身会员"
    assert template.scenario == "other"
    assert template.current_version.number == 1


def test_create_template_with_taken_or_bad_key_shows_error_and_stores_nothing(
    admin_client: Client,
) -> None:
    before = Template.objects.count()
    taken = admin_client.post(
        "/templates/", {"key": "retail_member", "name_zh": "重复", "scenario": "other"}
    )
    assert taken.status_code == 200
    assert taken.context["form"].errors["key"] == ["A template with this key already exists."]
    bad = admin_client.post("/templates/", {"key": "Bad Key", "name_zh": "x", "scenario": "other"})
    assert "key" in bad.context["form"].errors
    assert Template.objects.count() == before


def test_clone_copies_current_fields_under_a_new_key(admin_client: Client) -> None:
    source = selectors.get_template(key="retail_member")
    page = admin_client.get("/templates/retail_member/clone/")
    assert page.status_code == 200
    response = admin_client.post(
        "/templates/retail_member/clone/",
        {"key": "my_members", "name_zh": "我的会员", "name_en": "My members"},
    )
    assert response.status_code == 302
    clone = Template.objects.get(key="my_members")
    assert not clone.builtin
    assert own_keys(clone.current_version) == own_keys(source.current_version)


def test_sales_user_sees_list_but_cannot_create_clone_or_edit(
    sales_user: User, member_template: Template
) -> None:
    client = Client()
    client.force_login(sales_user)
    listing = client.get("/templates/")
    assert listing.status_code == 200
    assert 'id="new-template"' not in listing.content.decode()
    assert (
        client.post("/templates/", {"key": "x", "name_zh": "x", "scenario": "other"}).status_code
        == 403
    )
    assert client.get("/templates/member/clone/").status_code == 403
    assert client.get("/templates/member/edit/").status_code == 403
    posted = client.post(
        "/templates/member/edit/", {"total": "1", "fields-0-key": "x", "action": "save"}
    )
    assert posted.status_code == 403
    assert client.post("/templates/member/archive/").status_code == 403
    assert selectors.draft_of(template=member_template) is None
    assert member_template.versions.count() == 1
    assert not Template.objects.filter(key="x").exists()


# --- detail, versions, archive --------------------------------------------------------------


def test_detail_lists_current_fields_and_version_history(
    admin_client: Client, member_template: Template
) -> None:
    response = admin_client.get("/templates/member/")
    assert response.status_code == 200
    html = response.content.decode()
    keys = [row["spec"].key for row in response.context["fields"]]
    assert keys[:2] == ["kind", "display_name"]  # core fields first
    assert keys[-4:] == ["member_no", "id_number", "level", "points"]
    member_no = next(r for r in response.context["fields"] if r["spec"].key == "member_no")
    # a pattern is described in words, never shown as a regular expression
    assert "M\\d{6}" not in member_no["rules"]
    assert "custom pattern" in member_no["rules"]
    assert "Sensitive" in html
    assert "/templates/member/versions/1/" in html
    assert admin_client.get("/templates/member/versions/1/").status_code == 200
    assert admin_client.get("/templates/member/versions/9/").status_code == 404
    assert admin_client.get("/templates/no_such/").status_code == 404


def test_archive_marks_template_archived(admin_client: Client, member_template: Template) -> None:
    response = admin_client.post("/templates/member/archive/")
    assert response.status_code == 302
    member_template.refresh_from_db()
    assert member_template.archived_at is not None
    assert "Archived" in admin_client.get("/templates/").content.decode()


# --- language -------------------------------------------------------------------------------


def test_pages_speak_chinese(admin_client: Client, member_template: Template) -> None:
    listing = admin_client.get("/templates/", headers={"Accept-Language": "zh-hans"})
    html = listing.content.decode()
    assert "模板" in html
    assert "零售会员" in html  # the built-in template's Chinese name
    assert "内置" in html
    editor = admin_client.get("/templates/member/edit/", headers={"Accept-Language": "zh-hans"})
    assert "保存草稿" in editor.content.decode()


def test_manager_role_may_edit(make_user: Any, member_template: Template) -> None:
    client = Client()
    client.force_login(make_user("wang", roles.MANAGER))
    assert client.get("/templates/member/edit/").status_code == 200
