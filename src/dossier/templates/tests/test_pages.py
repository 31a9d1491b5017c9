"""Template pages: list, create, clone, the field editor, versions, archive, migrations."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.accounts import roles
from dossier.core.errors import ValidationFailed
from dossier.customers.models import Customer
from dossier.customers.services import create_customer, start_migration
from dossier.templates import selectors, services
from dossier.templates.editor import (
    apply_action,
    blank_row,
    field_definition,
    read_rows,
    row_errors,
    row_from_spec,
    rules_summary,
)
from dossier.templates.fields import FieldSpec
from dossier.templates.models import ProfileMigration, Template, TemplateVersion

pytestmark = pytest.mark.django_db


class FormScraper(HTMLParser):
    """The values a browser would post from the page's #editor form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[name] = "on"
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            # the parser hands us text right after the tag; browsers drop one leading newline
            self.data[self._textarea] += data


def editor_data(response: Any) -> dict[str, str]:
    scraper = FormScraper()
    scraper.feed(response.content.decode())
    scraper.data.pop("csrfmiddlewaretoken", None)
    return scraper.data


def row_html(response: Any, index: int) -> str:
    match = re.search(
        rf'<fieldset[^>]*id="row-{index}".*?</fieldset>', response.content.decode(), re.S
    )
    assert match, f"row {index} not on the page"
    return match.group(0)


def own_keys(version: TemplateVersion) -> list[str]:
    return [s.key for s in version.own_specs()]


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


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
    assert "M\\d{6}" in member_no["rules"]
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


# --- the editor -------------------------------------------------------------------------------


def test_editor_add_reorder_remove_save_and_publish_makes_version_two(
    admin_client: Client, member_template: Template
) -> None:
    v1 = member_template.current_version
    v1_keys = own_keys(v1)
    assert v1_keys == ["phone", "member_no", "id_number", "level", "points"]

    page = admin_client.get("/templates/member/edit/")
    assert page.status_code == 200
    data = editor_data(page)
    assert data["total"] == "5"
    assert data["fields-1-regex"] == "M\\d{6}"

    added = admin_client.post("/templates/member/edit/", {**data, "action": "add"})
    data = editor_data(added)
    assert data["total"] == "6"
    data.update({"fields-5-key": "vip_since", "fields-5-type": "date", "fields-5-label_en": "VIP"})
    moved = admin_client.post("/templates/member/edit/", {**data, "action": "up-5"})
    data = editor_data(moved)
    assert data["fields-4-key"] == "vip_since"
    assert data["fields-5-key"] == "points"
    removed = admin_client.post("/templates/member/edit/", {**data, "action": "remove-2"})
    data = editor_data(removed)
    assert data["total"] == "5"
    assert selectors.draft_of(template=member_template) is None  # nothing saved yet

    saved = admin_client.post("/templates/member/edit/", {**data, "action": "save"})
    assert saved.status_code == 200
    assert "Draft saved." in saved.content.decode()
    draft = selectors.draft_of(template=member_template)
    assert own_keys(draft) == ["phone", "member_no", "level", "vip_since", "points"]
    assert draft.number == 2

    data = editor_data(saved)
    data["fields-2-required"] = "on"
    published = admin_client.post(
        "/templates/member/edit/", {**data, "action": "publish", "note": "VIP date"}
    )
    assert published.status_code == 302
    member_template.refresh_from_db()
    v2 = member_template.current_version
    assert (v2.number, v2.status, v2.note) == (2, "published", "VIP date")
    specs = {s.key: s for s in v2.own_specs()}
    assert specs["level"].required is True
    assert specs["vip_since"].type == "date"
    assert specs["member_no"].rules == {"regex": "M\\d{6}"}
    assert specs["points"].rules == {"min_value": 0}
    assert specs["phone"].rules == {"mobile_only": True}
    assert [c["value"] for c in specs["level"].choices()] == ["normal", "gold"]
    assert own_keys(TemplateVersion.objects.get(pk=v1.pk)) == v1_keys
    assert selectors.draft_of(template=member_template) is None


def test_editor_answers_htmx_with_the_editor_alone(
    admin_client: Client, member_template: Template
) -> None:
    data = editor_data(admin_client.get("/templates/member/edit/"))
    response = admin_client.post(
        "/templates/member/edit/", {**data, "action": "add"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="editor"')
    assert "<html" not in html
    published = admin_client.post(
        "/templates/member/edit/", {**data, "action": "publish"}, headers={"HX-Request": "true"}
    )
    assert published["HX-Redirect"] == "/templates/member/"


def test_invalid_regex_is_shown_at_its_row_and_nothing_is_saved(
    admin_client: Client, member_template: Template
) -> None:
    data = editor_data(admin_client.get("/templates/member/edit/"))
    data["fields-1-regex"] = "M(\\d"
    response = admin_client.post("/templates/member/edit/", {**data, "action": "save"})
    assert response.status_code == 200
    assert "Rule “regex” is not valid" in row_html(response, 1)
    assert 'aria-invalid="true"' in row_html(response, 1)
    assert "is not valid" not in row_html(response, 0)
    assert editor_data(response)["fields-1-regex"] == "M(\\d"  # what was typed stays
    assert selectors.draft_of(template=member_template) is None
    assert member_template.versions.count() == 1


def test_duplicate_key_is_shown_at_the_second_row_and_publish_stores_nothing(
    admin_client: Client, member_template: Template
) -> None:
    data = editor_data(admin_client.get("/templates/member/edit/"))
    data["fields-3-key"] = "member_no"
    response = admin_client.post("/templates/member/edit/", {**data, "action": "publish"})
    assert response.status_code == 200
    assert "Field key “member_no” appears twice." in row_html(response, 3)
    assert "appears twice" not in row_html(response, 1)
    assert selectors.draft_of(template=member_template) is None
    assert member_template.versions.count() == 1


def test_rule_not_taken_by_the_type_stays_visible_with_its_error(
    admin_client: Client, member_template: Template
) -> None:
    data = editor_data(admin_client.get("/templates/member/edit/"))
    data["fields-1-type"] = "integer"  # member_no keeps its regex
    response = admin_client.post("/templates/member/edit/", {**data, "action": "save"})
    row = row_html(response, 1)
    assert 'name="fields-1-regex"' in row
    assert "not a rule of this type" in row
    assert 'name="fields-1-min_value"' in row  # integer rules offered now


def test_discard_drops_the_draft(admin_client: Client, member_template: Template) -> None:
    services.save_draft(actor=None, template=member_template, fields=[{"key": "x", "type": "text"}])
    data = editor_data(admin_client.get("/templates/member/edit/"))
    assert data["total"] == "1"  # the editor works on the draft
    response = admin_client.post("/templates/member/edit/", {**data, "action": "discard"})
    assert selectors.draft_of(template=member_template) is None
    assert editor_data(response)["total"] == "5"


# --- migration --------------------------------------------------------------------------------


def test_migration_report_lists_failing_customer_and_counts_migrated_one(
    admin_client: Client,
    admin_user: User,
    member_template: Template,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fits = create_customer(
        actor=admin_user,
        template=member_template,
        values={"display_name": "张三", "phone": "13800138000", "member_no": "M123456"},
    )
    misses = create_customer(
        actor=admin_user,
        template=member_template,
        values={"display_name": "李四", "phone": "13900139000"},
    )
    fields = [row_from_spec(s) for s in member_template.current_version.own_specs()]
    fields[1]["required"] = True  # member_no becomes required
    services.save_draft(
        actor=admin_user, template=member_template, fields=[field_definition(r) for r in fields]
    )
    services.publish_draft(actor=admin_user, template=member_template)

    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client.post("/templates/member/migrate/")
    assert started.status_code == 302
    migration = ProfileMigration.objects.get()
    assert started["Location"] == f"/templates/member/migrations/{migration.pk}/"

    report = admin_client.get(started["Location"])
    assert report.status_code == 200
    assert report.context["migration"].status == "done"
    assert (report.context["migration"].migrated, report.context["migration"].failed) == (1, 1)
    html = report.content.decode()
    assert "李四" in html
    assert str(misses.pk) in html
    assert "is required" in html
    assert "张三" not in html
    assert "every 2s" not in html  # done: no more polling
    assert Customer.objects.get(pk=fits.pk).template_version.number == 2
    assert Customer.objects.get(pk=misses.pk).template_version.number == 1


def test_report_of_a_queued_migration_refreshes_itself(
    admin_client: Client, admin_user: User, member_template: Template, sales_user: User
) -> None:
    migration = start_migration(actor=admin_user, template=member_template)  # not run: no commit
    url = f"/templates/member/migrations/{migration.pk}/"
    response = admin_client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert html.lstrip().startswith('<section id="report"')
    sales = Client()
    sales.force_login(sales_user)
    assert sales.get(url).status_code == 403
    assert sales.post("/templates/member/migrate/").status_code == 403


# --- the editor's parsing helpers (pure) ---------------------------------------------------


def test_field_definition_converts_form_strings_and_keeps_only_filled_rules() -> None:
    row = {
        **blank_row(),
        "key": "points",
        "type": "integer",
        "required": True,
        "min_value": "0",
        "max_value": "99.5",
        "max_length": "",
        "default": "10",
    }
    definition = field_definition(row)
    assert definition["required"] is True
    assert definition["unique"] is False
    assert definition["rules"] == {"min_value": 0, "max_value": 99.5}
    assert definition["default"] == 10


def test_field_definition_parses_choices_flags_dates_and_leaves_bad_numbers_to_the_validator() -> (
    None
):
    choice = field_definition(
        {**blank_row(), "key": "level", "type": "choice", "choices": "gold|金卡|Gold\n\nnormal\n"}
    )
    assert choice["rules"] == {
        "choices": [{"value": "gold", "label_zh": "金卡", "label_en": "Gold"}, {"value": "normal"}]
    }
    phone = field_definition({**blank_row(), "key": "m", "type": "phone", "mobile_only": True})
    assert phone["rules"] == {"mobile_only": True}
    day = field_definition({**blank_row(), "key": "d", "type": "date", "max_value": "today"})
    assert day["rules"] == {"max_value": "today"}
    assert field_definition({**blank_row(), "min_length": "two"})["rules"] == {"min_length": "two"}
    flag = field_definition({**blank_row(), "type": "boolean", "default": "false"})
    assert flag["default"] is False
    assert field_definition(blank_row())["default"] is None


def test_read_rows_reads_indexed_inputs_and_checkboxes() -> None:
    rows = read_rows(
        {
            "total": "2",
            "fields-0-key": " phone ",
            "fields-0-type": "phone",
            "fields-0-required": "on",
            "fields-1-key": "note",
            "fields-1-regex": " a b ",
        }
    )
    assert [r["key"] for r in rows] == ["phone", "note"]
    assert rows[0]["required"] is True
    assert rows[1]["required"] is False
    assert rows[1]["regex"] == " a b "  # spaces in a pattern matter
    assert rows[1]["type"] == ""
    assert read_rows({"total": "many"}) == []


def test_apply_action_adds_moves_and_removes_rows() -> None:
    rows = [{"key": k} for k in "abc"]
    assert [r["key"] for r in apply_action(rows, "up-2")] == ["a", "c", "b"]
    assert [r["key"] for r in apply_action(rows, "down-0")] == ["b", "a", "c"]
    assert [r["key"] for r in apply_action(rows, "remove-1")] == ["a", "c"]
    assert [r["key"] for r in apply_action(rows, "up-0")] == ["a", "b", "c"]
    assert [r["key"] for r in apply_action(rows, "remove-7")] == ["a", "b", "c"]
    assert apply_action(rows, "add")[-1]["key"] == ""
    assert [r["key"] for r in rows] == ["a", "b", "c"]  # the input is not changed


@pytest.mark.parametrize(
    "key",
    [
        "after_sales_service",
        "b2b_account",
        "financial_client",
        "marketing_contact",
        "real_estate_buyer",
        "retail_member",
        "sales_lead",
    ],
)
def test_every_builtin_template_survives_the_editor_round_trip(key: str) -> None:
    specs = selectors.get_template(key=key).current_version.own_specs()
    again = services.parse_field_definitions(
        [field_definition(row_from_spec(spec)) for spec in specs]
    )
    assert again == specs


def test_row_errors_places_each_error_on_its_input() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.parse_field_definitions(
            [
                {"key": "a", "type": "text", "rules": {"regex": "("}},
                {"key": "a", "type": "nope"},
                {"key": "b", "type": "text", "classification": "secret"},
            ]
        )
    found = row_errors(caught.value.errors, "en")
    assert set(found) == {0, 1, 2}
    assert list(found[0]) == ["regex"]
    assert set(found[1]) == {"key", "type"}
    assert list(found[2]) == ["classification"]


def test_rules_summary_reads_choices_in_the_page_language() -> None:
    spec = FieldSpec(
        "level",
        "choice",
        rules={"choices": [{"value": "gold", "label_zh": "金卡", "label_en": "Gold"}]},
    )
    assert "金卡" in rules_summary(spec, "zh-hans")
    assert "Gold" in rules_summary(spec, "en")


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
