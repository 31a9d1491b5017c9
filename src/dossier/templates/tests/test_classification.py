"""Classification cannot be lowered to expose data: a floor per field type, admin-only lowering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldSpec, get_type, registered_types
from dossier.templates.editor import row_from_spec
from dossier.templates.models import Template
from dossier.templates.selectors import get_template
from dossier.templates.services import (
    parse_field_definitions,
    publish_draft,
    save_draft,
    update_template,
)
from dossier.templates.tests.field_helpers import fields_with_classes

pytestmark = pytest.mark.django_db

IDENTIFIERS = {"cn_id_card", "cn_uscc", "phone", "email", "address"}
ESTATE = "real_estate_buyer"


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("wang.manager", roles.MANAGER, team="east")


def _classes(template: Template) -> dict[str, str]:
    template.refresh_from_db()
    return {s.key: s.classification for s in template.current_version.specs()}


# ---- the floor of each field type ------------------------------------------------------------


@pytest.mark.parametrize("type_name", sorted(IDENTIFIERS))
def test_identifier_types_are_personal_whatever_the_template_says(type_name: str) -> None:
    assert get_type(type_name).minimum_classification == "personal"
    assert FieldSpec("f", type_name, classification="general").classification == "personal"
    assert FieldSpec("f", type_name).classification == "personal"
    # the floor only raises: a sensitive identifier stays sensitive
    assert FieldSpec("f", type_name, classification="sensitive").classification == "sensitive"
    [parsed] = parse_field_definitions(
        [{"key": "f", "type": type_name, "classification": "general"}]
    )
    assert parsed.classification == "personal"


def test_other_types_may_be_general() -> None:
    for name in set(registered_types()) - IDENTIFIERS:
        assert get_type(name).minimum_classification == "general", name
        assert FieldSpec("f", name).classification == "general"


def test_a_stored_general_id_number_reads_as_personal(manager: User) -> None:
    # a version stored before the floor existed (or written around the services)
    estate = get_template(key=ESTATE)
    estate.current_version.fields.filter(key="id_number").update(classification="general")
    assert _classes(estate)["id_number"] == "personal"


# ---- lowering is an administrator's act, with a reason, audited --------------------------------


def test_manager_may_not_lower_a_classification(manager: User) -> None:
    estate = get_template(key=ESTATE)
    before = _classes(estate)
    fields = fields_with_classes(estate, id_number="general", annual_income="general")
    with pytest.raises(PermissionDenied) as caught:
        update_template(actor=manager, template=estate, fields=fields, lowering_reason="x")
    assert caught.value.code == "classification_lowered"
    found = {(e.field, e.params["before"], e.params["after"]) for e in caught.value.errors}
    # the ID number cannot go below personal at all, so only the income is lowered
    assert found == {
        ("id_number", "sensitive", "personal"),
        ("annual_income", "sensitive", "general"),
    }
    assert all(e.message("zh-hans") and e.message("en") for e in caught.value.errors)
    assert _classes(estate) == before and estate.current_version.number == 1
    assert not AuditEvent.objects.filter(action="classification_lower").exists()


def test_manager_may_raise_a_classification(manager: User) -> None:
    estate = get_template(key=ESTATE)
    update_template(
        actor=manager, template=estate, fields=fields_with_classes(estate, budget_min="personal")
    )
    assert _classes(estate)["budget_min"] == "personal"


def test_admin_must_give_a_reason_to_lower(admin_user: User) -> None:
    estate = get_template(key=ESTATE)
    with pytest.raises(ValidationFailed) as caught:
        update_template(
            actor=admin_user,
            template=estate,
            fields=fields_with_classes(estate, annual_income="general"),
            lowering_reason="  ",
        )
    assert caught.value.code == "lowering_reason_required"
    assert [e.field for e in caught.value.errors] == ["lowering_reason"]
    assert _classes(estate)["annual_income"] == "sensitive"


def test_admin_lowers_with_a_reason_and_each_field_is_audited(admin_user: User) -> None:
    estate = get_template(key=ESTATE)
    update_template(
        actor=admin_user,
        template=estate,
        fields=fields_with_classes(estate, annual_income="personal", hukou_province="general"),
        lowering_reason="收入按区间登记，不再是敏感信息",
    )
    classes = _classes(estate)
    assert (classes["annual_income"], classes["hukou_province"]) == ("personal", "general")
    events = AuditEvent.objects.filter(action="classification_lower").order_by("id")
    assert [(e.actor, e.object_id, e.reason) for e in events] == [
        (admin_user, ESTATE, "收入按区间登记，不再是敏感信息")
    ] * 2
    assert [e.changes for e in events] == [
        {"version": 2, "field": "hukou_province", "before": "personal", "after": "general"},
        {"version": 2, "field": "annual_income", "before": "sensitive", "after": "personal"},
    ]


def test_draft_lowering_a_class_is_kept_but_only_an_admin_publishes_it(
    manager: User, admin_user: User
) -> None:
    estate = get_template(key=ESTATE)
    save_draft(
        actor=manager, template=estate, fields=fields_with_classes(estate, annual_income="general")
    )
    with pytest.raises(PermissionDenied):
        publish_draft(actor=manager, template=estate, lowering_reason="because")
    assert _classes(estate)["annual_income"] == "sensitive"
    publish_draft(actor=admin_user, template=estate, lowering_reason="收入不再采集")
    assert _classes(estate)["annual_income"] == "general"


def test_removing_a_field_and_adding_it_back_lower_counts_as_lowering(manager: User) -> None:
    estate = get_template(key=ESTATE)
    without = [f for f in fields_with_classes(estate) if f["key"] != "annual_income"]
    update_template(actor=manager, template=estate, fields=without)
    back = [*without, {"key": "annual_income", "type": "money", "classification": "general"}]
    with pytest.raises(PermissionDenied):
        update_template(actor=manager, template=estate, fields=back)
    assert "annual_income" not in _classes(estate)


# ---- through the API and the pages, as the attacking manager ---------------------------------


def test_manager_cannot_lower_classes_of_a_builtin_template_through_the_api(
    manager: User, api_as: Callable[..., Any]
) -> None:
    estate = get_template(key=ESTATE)
    fields = fields_with_classes(estate, id_number="general", annual_income="general")
    response = api_as(manager).put(
        f"/templates/{ESTATE}", {"fields": fields, "lowering_reason": "方便查看"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "classification_lowered"
    assert {e["field"] for e in response.json()["errors"]} == {"id_number", "annual_income"}
    shown = api_as(manager).get(f"/templates/{ESTATE}").json()["fields"]
    classes = {f["key"]: f["classification"] for f in shown}
    assert (classes["id_number"], classes["annual_income"]) == ("sensitive", "sensitive")
    types = {t["name"]: t for t in api_as(manager).get("/templates/field-types").json()}
    assert types["cn_id_card"]["minimum_classification"] == "personal"
    assert types["money"]["minimum_classification"] == "general"


def _publish_in_editor(browser: Client, template: Template, **extra: str) -> Any:
    """Post the editor form with annual_income set to general and press "Save and publish"."""
    rows = [row_from_spec(s) for s in template.current_version.own_specs()]
    data: dict[str, Any] = {"total": str(len(rows)), "action": "publish", "note": "x", **extra}
    for index, row in enumerate(rows):
        if row["key"] == "annual_income":
            row["classification"] = "general"
        for name, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"fields-{index}-{name}"] = "on"
            else:
                data[f"fields-{index}-{name}"] = "" if value is None else str(value)
    return browser.post(f"/templates/{template.key}/edit/", data)


def test_manager_cannot_publish_a_lowered_class_in_the_editor(manager: User) -> None:
    estate = get_template(key=ESTATE)
    browser = Client()
    browser.force_login(manager)
    assert (
        'name="lowering_reason"' not in browser.get(f"/templates/{ESTATE}/edit/").content.decode()
    )
    response = _publish_in_editor(browser, estate, lowering_reason="方便查看")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only an administrator may lower" in html
    assert "only an administrator may lower its classification (sensitive → general)" in html
    assert _classes(estate)["annual_income"] == "sensitive"
    assert estate.current_version.number == 1


def test_admin_publishes_a_lowered_class_in_the_editor_with_a_reason(admin_user: User) -> None:
    estate = get_template(key=ESTATE)
    browser = Client()
    browser.force_login(admin_user)
    assert 'name="lowering_reason"' in browser.get(f"/templates/{ESTATE}/edit/").content.decode()
    refused = _publish_in_editor(browser, estate)
    assert refused.status_code == 200
    assert "needs a reason" in refused.content.decode()
    assert _classes(estate)["annual_income"] == "sensitive"
    done = _publish_in_editor(browser, estate, lowering_reason="年收入改为非敏感")
    assert done.status_code == 302
    assert _classes(estate)["annual_income"] == "general"
    event = AuditEvent.objects.get(action="classification_lower")
    assert (event.actor, event.reason) == (admin_user, "年收入改为非敏感")
