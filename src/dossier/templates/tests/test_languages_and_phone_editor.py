"""Templates in both languages (names and descriptions, with a fallback) and the editor on a
phone: one-line field summaries that open, and "add field" above the fields as well as below.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from dossier.core import roles
from dossier.templates import services
from dossier.templates.editor import apply_action
from dossier.templates.models import Template
from dossier.templates.tests.test_pages_editor import editor_data

pytestmark = pytest.mark.django_db
EDIT = "/templates/member/edit/"


def _client(user: User, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


# --- names and descriptions in the user's language ---------------------------------------------


@pytest.mark.parametrize(
    ("language", "english", "expected"),
    [
        ("en", "Member", ("Member", "For members")),
        ("zh-hans", "Member", ("会员", "会员说明")),
        ("en", "", ("会员", "会员说明")),  # nothing in English: the Chinese
    ],
)
def test_name_and_description_follow_the_language_with_a_fallback(
    language: str, english: str, expected: tuple[str, str]
) -> None:
    template = Template(
        name_zh="会员",
        name_en=english,
        description="会员说明",
        description_en="For members" if english else "",
    )
    with translation.override(language):
        assert (template.name, template.localized_description) == expected


def test_a_chinese_page_shows_the_english_description_when_there_is_no_chinese_one() -> None:
    template = Template(name_zh="会员", description="", description_en="For members")
    with translation.override("zh-hans"):
        assert template.localized_description == "For members"


def test_every_builtin_template_is_named_and_described_in_both_languages() -> None:
    for definition in services.builtin_definitions():
        assert definition["name_zh"] and definition["name_en"], definition["key"]
        assert definition["description"] and definition["description_en"], definition["key"]
        assert re.search(r"[\u4e00-\u9fff]", definition["description"])
        assert not re.search(r"[\u4e00-\u9fff]", definition["description_en"])


def test_template_list_and_picker_show_the_description_in_the_users_language(
    make_user: Callable[..., User],
) -> None:
    services.install_builtin_templates()
    admin = make_user("boss", roles.ADMIN)
    lead = next(d for d in services.builtin_definitions() if d["key"] == "sales_lead")
    english = _client(admin, "en").get("/templates/").content.decode()
    chinese = _client(admin, "zh-hans").get("/templates/").content.decode()
    assert lead["description_en"][:60] in english and lead["description"][:40] not in english
    assert lead["description"][:40] in chinese and lead["description_en"][:60] not in chinese
    picker = _client(admin, "en").get("/customers/new/").content.decode()
    assert lead["description_en"][:60] in picker


def test_the_migration_describes_builtins_installed_before_it_in_english() -> None:
    migration = importlib.import_module("dossier.templates.migrations.0005_template_description_en")
    services.install_builtin_templates()
    Template.objects.filter(key="sales_lead").update(description_en="")
    # a template of the users' own that happens to bear a built-in key
    Template.objects.filter(key="retail_member").update(builtin=False, description_en="")
    old = Template.objects.get(key="sales_lead")
    own = Template.objects.get(key="retail_member")
    migration.describe_builtins(apps, None)
    old.refresh_from_db()
    own.refresh_from_db()
    assert old.description_en == migration.BUILTIN_DESCRIPTIONS_EN["sales_lead"]
    assert own.description_en == ""  # left alone


def test_the_api_takes_and_gives_both_descriptions(
    make_user: Callable[..., User], api_as: Callable[..., Any]
) -> None:
    api = api_as(make_user("boss", roles.ADMIN))
    created = api.post(
        "/templates",
        {"key": "lead", "name_zh": "线索", "scenario": "sales", "description_en": "Leads"},
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["description"], created.json()["description_en"]) == ("", "Leads")
    changed = api.put("/templates/lead", {"description": "线索说明"})
    assert (changed.json()["description"], changed.json()["description_en"]) == (
        "线索说明",
        "Leads",
    )


# --- the editor takes both names and descriptions ------------------------------------------------


ABOUT = {
    "action": "describe",
    "name_zh": "会员卡",
    "name_en": "Member card",
    "description": "会员卡的说明",
    "description_en": "About member cards",
}


def test_the_editor_saves_names_and_descriptions_in_both_languages(
    admin_client: Client, member_template: Template
) -> None:
    page = admin_client.get(EDIT).content.decode()
    assert 'id="about-template"' in page and 'name="description_en"' in page
    response = admin_client.post(EDIT, ABOUT)
    assert response.status_code == 302
    member_template.refresh_from_db()
    assert (member_template.name_zh, member_template.name_en) == ("会员卡", "Member card")
    assert member_template.description == "会员卡的说明"
    assert member_template.description_en == "About member cards"
    assert member_template.current_version.number == 1  # names are not a new version


def test_the_editor_refuses_a_blank_chinese_name_and_keeps_the_old_one(
    admin_client: Client, member_template: Template
) -> None:
    response = admin_client.post(EDIT, {**ABOUT, "name_zh": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="about-template" open' in html and "has-error" in html
    member_template.refresh_from_db()
    assert member_template.name_zh == "会员" and member_template.description_en == ""


def test_a_viewer_may_not_rename_a_template(
    make_user: Callable[..., User], member_template: Template
) -> None:
    analyst = _client(make_user("ana", roles.ANALYST))
    assert analyst.post(EDIT, ABOUT).status_code == 403
    member_template.refresh_from_db()
    assert member_template.name_en == "Member"


# --- the editor on a phone ----------------------------------------------------------------------


def _rows(html: str) -> list[str]:
    return re.findall(r'<details class="field-row[^"]*" id="row-\d+"[^>]*>', html)


def test_add_field_is_above_the_fields_as_well_as_below(
    admin_client: Client, member_template: Template
) -> None:
    html = admin_client.get(EDIT).content.decode()
    top, first = html.index('id="add-field-top"'), html.index('id="row-0"')
    last, bottom = html.index('id="row-4"'), html.index('id="add-field"')
    assert top < first < last < bottom


def test_add_at_the_top_puts_an_open_blank_field_first(
    admin_client: Client, member_template: Template
) -> None:
    data = editor_data(admin_client.get(EDIT))
    response = admin_client.post(EDIT, {**data, "action": "add-top"})
    data = editor_data(response)
    assert data["total"] == "6"
    assert data["fields-0-key"] == "" and data["fields-1-key"] == "phone"
    assert data["fields-5-key"] == "points"
    rows = _rows(response.content.decode())
    assert len(rows) == 6
    assert rows[0].endswith(" open>")  # the new field, ready to fill in
    assert not any(row.endswith(" open>") for row in rows[1:])  # the others one line each


def test_each_field_is_a_one_line_summary_in_the_users_language(
    make_user: Callable[..., User], member_template: Template
) -> None:
    boss = make_user("boss", roles.ADMIN)
    html = _client(boss, "en").get(EDIT).content.decode()
    summaries = re.findall(r"<summary>(.*?)</summary>", html, re.S)
    phone = next(s for s in summaries if "<code>phone</code>" in s)
    assert "Required" in phone
    chinese = _client(boss, "zh-hans").get(EDIT).content.decode()
    assert "<summary>" in chinese and "必填" in chinese


def test_a_field_with_errors_is_open_and_says_so(
    admin_client: Client, member_template: Template
) -> None:
    data = editor_data(admin_client.get(EDIT))
    data["fields-1-regex"] = "M(\\d"
    html = admin_client.post(EDIT, {**data, "action": "save"}).content.decode()
    rows = _rows(html)
    assert rows[1].endswith(" open>") and "has-errors" in rows[1]
    assert not rows[0].endswith(" open>")


def test_apply_action_add_top() -> None:
    rows = [{"key": k} for k in "ab"]
    assert [r["key"] for r in apply_action(rows, "add-top")] == ["", "a", "b"]
    assert [r["key"] for r in apply_action(rows, "add")] == ["a", "b", ""]
    assert [r["key"] for r in apply_action(rows, "add-middle")] == ["a", "b", ""]
