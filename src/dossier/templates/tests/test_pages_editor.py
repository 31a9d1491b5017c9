"""The template field editor page and its parsing helpers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from dossier.core.errors import ValidationFailed
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
from dossier.templates.models import Template, TemplateVersion

from .page_helpers import own_keys

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
    services.save_draft(actor=None, template=member_template, fields=[{"key": "x", "type": "text"}])
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
