"""The template field editor page and its parsing helpers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from dossier.core.actors import system_actor
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldSpec
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
from dossier.templates.models import Template, TemplateVersion
from dossier.templates.tests.page_helpers import own_keys

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
        rf'<details[^>]*id="row-{index}".*?</details>', response.content.decode(), re.S
    )
    assert match, f"row {index} not on the page"
    return match.group(0)


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
    assert "Rule “regex” of" in row_html(response, 1)
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
    services.save_draft(
        actor=system_actor("tests"), template=member_template, fields=[{"key": "x", "type": "text"}]
    )
    data = editor_data(admin_client.get("/templates/member/edit/"))
    assert data["total"] == "1"  # the editor works on the draft
    response = admin_client.post("/templates/member/edit/", {**data, "action": "discard"})
    assert selectors.draft_of(template=member_template) is None
    assert editor_data(response)["total"] == "5"


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


# --- sections by name, rules in words, rules between fields -----------------------------------

ZH = {"Accept-Language": "zh-hans"}


def options_of(html: str, name: str) -> dict[str, str]:
    """value → visible text of the options of the select called ``name``."""
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(1)))


def test_sections_are_picked_by_name_not_by_key(
    admin_client: Client, member_template: Template
) -> None:
    page = admin_client.get("/templates/member/edit/", headers=ZH)
    sections = options_of(row_html(page, 0), "fields-0-section")
    assert sections["basic"] == "基本信息"
    assert sections["contact"] == "联系方式"
    assert sections["membership"] == "会员信息"
    assert "contact" not in sections.values()  # no internal key shown as a name
    assert 'name="fields-0-section_new"' in row_html(page, 0)


def test_typing_an_existing_sections_name_reuses_it_and_a_new_name_makes_one(
    admin_client: Client, member_template: Template
) -> None:
    data = editor_data(admin_client.get("/templates/member/edit/", headers=ZH))
    data["fields-0-section_new"] = "联系方式"  # the visible name of "contact"
    data["fields-1-section_new"] = " Contact "  # the English one, spaced
    data["fields-2-section_new"] = "贵宾  服务"
    data["fields-3-section_new"] = "贵宾 服务"  # the same new section, typed again
    saved = admin_client.post("/templates/member/edit/", {**data, "action": "save"}, headers=ZH)
    assert saved.status_code == 200
    draft = selectors.draft_of(template=member_template)
    sections = [spec.section for spec in draft.own_specs()]
    assert sections[:4] == ["contact", "contact", "贵宾 服务", "贵宾 服务"]
    # shown again by name, and the new section is offered to every row
    offered = options_of(row_html(saved, 4), "fields-4-section")
    assert offered["贵宾 服务"] == "贵宾 服务"
    assert list(offered.values()).count("联系方式") == 1
    assert editor_data(saved)["fields-2-section"] == "贵宾 服务"


def test_detail_page_shows_section_names(admin_client: Client, member_template: Template) -> None:
    response = admin_client.get("/templates/member/", headers=ZH)
    shown = {row["spec"].key: row["section"] for row in response.context["fields"]}
    assert shown["phone"] == "联系方式"
    assert shown["display_name"] == "基本信息"


def test_editor_describes_rules_in_words_in_both_languages(
    admin_client: Client, member_template: Template
) -> None:
    services.save_draft(
        actor=system_actor("tests"),
        template=member_template,
        fields=[
            {"key": "joined", "type": "date", "rules": {"max_value": "today"}},
            {"key": "member_no", "type": "text", "rules": {"regex": r"M\d{6}", "max_length": 7}},
            {
                "key": "card",
                "type": "text",
                "rules": {"regex": r"C\d+", "regex_description": "C 加数字"},
            },
        ],
    )
    zh = admin_client.get("/templates/member/edit/", headers=ZH)
    assert "不晚于今天" in row_html(zh, 0)
    assert "today" not in re.sub(r"<input[^>]*>", "", row_html(zh, 0))  # only in the input
    assert "须匹配自定义格式；最多7个字符" in row_html(zh, 1)
    assert "须匹配格式：C 加数字" in row_html(zh, 2)
    en = admin_client.get("/templates/member/edit/", headers={"Accept-Language": "en"})
    assert "not after today" in row_html(en, 0)
    assert "must match a custom pattern; at most 7 characters" in row_html(en, 1)
    assert "must match a pattern: C 加数字" in row_html(en, 2)
    assert 'name="fields-2-regex_description" value="C 加数字"' in row_html(en, 2)


def test_editor_offers_a_not_less_than_rule_among_comparable_fields(
    admin_client: Client, member_template: Template
) -> None:
    services.save_draft(
        actor=system_actor("tests"),
        template=member_template,
        fields=[
            {"key": "budget_min", "type": "money", "label_zh": "预算下限"},
            {"key": "budget_max", "type": "money", "label_zh": "预算上限"},
            {"key": "note", "type": "text", "label_zh": "备注"},
            {"key": "visits", "type": "integer", "label_zh": "到访次数"},
            {"key": "start", "type": "date", "label_zh": "开始"},
        ],
    )
    page = admin_client.get("/templates/member/edit/", headers=ZH)
    offered = options_of(row_html(page, 1), "fields-1-not_less_than")
    assert offered == {"": "（不比较）", "budget_min": "预算下限", "visits": "到访次数"}
    dates = options_of(row_html(page, 4), "fields-4-not_less_than")
    assert set(dates) == {"", "birthday"}  # the core birthday is a date too
    assert 'name="fields-2-not_less_than"' not in row_html(page, 2)  # text: no such rule

    data = editor_data(page)
    data["fields-1-not_less_than"] = "budget_min"
    saved = admin_client.post("/templates/member/edit/", {**data, "action": "save"}, headers=ZH)
    draft = selectors.draft_of(template=member_template)
    assert draft.own_specs()[1].rules == {"not_less_than": "budget_min"}
    assert "不小于预算下限" in row_html(saved, 1)
    assert options_of(row_html(saved, 1), "fields-1-not_less_than")["budget_min"] == "预算下限"


def test_a_not_less_than_rule_naming_an_unlike_field_is_refused_at_its_input(
    admin_client: Client, member_template: Template
) -> None:
    data = editor_data(admin_client.get("/templates/member/edit/", headers=ZH))
    # points (integer, row 4) must not be less than member_no (text): not comparable
    data["fields-4-not_less_than"] = "member_no"
    response = admin_client.post(
        "/templates/member/edit/", {**data, "action": "publish"}, headers=ZH
    )
    assert response.status_code == 200
    row = row_html(response, 4)
    assert "无法比较（须同为数字或同为日期）" in row
    assert options_of(row, "fields-4-not_less_than")["member_no"] == "member_no"  # kept, shown
    assert selectors.draft_of(template=member_template) is None
    assert member_template.versions.count() == 1
