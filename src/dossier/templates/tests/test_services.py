"""Template services: versions, drafts, field definitions, clone, archive, built-ins, rights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import check_spec, get_type
from dossier.templates import selectors
from dossier.templates.models import Template, TemplateVersion
from dossier.templates.services import (
    archive_template,
    builtin_definitions,
    clone_template,
    create_template,
    discard_draft,
    install_builtin_templates,
    parse_field_definitions,
    publish_draft,
    save_draft,
    update_template,
)

BUILTIN_KEYS = {
    "after_sales_service",
    "b2b_account",
    "financial_client",
    "marketing_contact",
    "real_estate_buyer",
    "retail_member",
    "sales_lead",
}
FIELDS = [
    {"key": "budget", "type": "money", "label_zh": "预算", "label_en": "Budget"},
    {"key": "phone", "type": "phone", "required": True},
]


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("wang.manager", roles.MANAGER, team="east")


@pytest.fixture
def lead_template(manager: User) -> Template:
    return create_template(
        actor=manager,
        key="lead",
        name_zh="线索",
        name_en="Lead",
        scenario="sales",
        fields=FIELDS,
    )


def _keys(version: TemplateVersion) -> list[str]:
    return [s.key for s in version.own_specs()]


def test_create_publishes_version_one_with_core_fields_first(
    lead_template: Template, manager: User
) -> None:
    version = lead_template.current_version
    assert version is not None
    assert (version.number, version.status) == (1, TemplateVersion.PUBLISHED)
    assert version.published_by == manager
    assert _keys(version) == ["budget", "phone"]
    specs = {s.key: s for s in version.specs()}
    assert list(specs)[:2] == ["kind", "display_name"]
    assert specs["phone"].required is True
    assert specs["phone"].classification == "personal"  # core classification kept
    assert AuditEvent.objects.filter(action="template_publish", object_id="lead").exists()


def test_create_with_taken_key_is_a_conflict(lead_template: Template, manager: User) -> None:
    with pytest.raises(Conflict) as caught:
        create_template(actor=manager, key="lead", name_zh="又一个", scenario="sales")
    assert caught.value.code == "template_exists"


def test_create_with_unknown_scenario_or_no_name_fails(manager: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create_template(actor=manager, key="x", name_zh="X", scenario="space")
    assert [(e.field, e.code) for e in caught.value.errors] == [("scenario", "invalid_choice")]
    with pytest.raises(ValidationFailed) as caught:
        create_template(actor=manager, key="x", name_zh="  ", scenario="sales")
    assert [(e.field, e.code) for e in caught.value.errors] == [("name_zh", "required")]
    assert not Template.objects.filter(key="x").exists()


def test_update_with_new_fields_publishes_new_version_old_one_unchanged(
    lead_template: Template, manager: User
) -> None:
    first = lead_template.current_version
    assert first is not None
    updated = update_template(
        actor=manager,
        template=lead_template,
        fields=[*FIELDS, {"key": "stage", "type": "choice", "rules": {"choices": ["new", "won"]}}],
        note="stage added",
    )
    assert updated.current_version is not None
    assert updated.current_version.number == 2
    assert updated.current_version.note == "stage added"
    assert _keys(updated.current_version) == ["budget", "phone", "stage"]
    first.refresh_from_db()
    assert first.status == TemplateVersion.PUBLISHED
    assert _keys(first) == ["budget", "phone"]


def test_update_with_the_same_fields_or_names_only_makes_no_version(
    lead_template: Template, manager: User
) -> None:
    updated = update_template(
        actor=manager, template=lead_template, fields=FIELDS, name_en=" Sales lead "
    )
    assert updated.current_version is not None
    assert updated.current_version.number == 1
    assert updated.name_en == "Sales lead"
    assert lead_template.versions.count() == 1


def test_update_with_bad_fields_changes_nothing(lead_template: Template, manager: User) -> None:
    with pytest.raises(ValidationFailed):
        update_template(
            actor=manager,
            template=lead_template,
            name_zh="改名",
            fields=[{"key": "x", "type": "nope"}],
        )
    lead_template.refresh_from_db()
    assert lead_template.name_zh == "线索"
    assert lead_template.versions.count() == 1


def test_draft_is_saved_then_published(lead_template: Template, manager: User) -> None:
    draft = save_draft(actor=manager, template=lead_template, fields=[FIELDS[0]])
    assert (draft.number, draft.status) == (2, TemplateVersion.DRAFT)
    assert selectors.draft_of(template=lead_template) == draft
    lead_template.refresh_from_db()
    assert lead_template.current_version is not None
    assert lead_template.current_version.number == 1  # drafts are not current

    again = save_draft(actor=manager, template=lead_template, fields=FIELDS)
    assert again.pk == draft.pk and _keys(again) == ["budget", "phone"]

    published = publish_draft(actor=manager, template=lead_template, note="v2")
    assert (published.number, published.status) == (2, TemplateVersion.PUBLISHED)
    lead_template.refresh_from_db()
    assert lead_template.current_version == published
    assert selectors.draft_of(template=lead_template) is None
    with pytest.raises(NotFound):
        publish_draft(actor=manager, template=lead_template)


def test_discarded_draft_is_gone(lead_template: Template, manager: User) -> None:
    save_draft(actor=manager, template=lead_template, fields=[FIELDS[0]])
    discard_draft(actor=manager, template=lead_template)
    assert selectors.draft_of(template=lead_template) is None
    assert [v.number for v in selectors.version_list(template=lead_template)] == [1]


def test_parse_field_definitions_reports_every_error_with_its_row() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_field_definitions(
            [
                {"key": "ok", "type": "text"},
                {"key": "Bad Key", "type": "text"},
                {"key": "ok", "type": "integer"},
                {"key": "size", "type": "colour"},
                {"key": "level", "type": "choice", "rules": {"choices": []}},
                {"key": "points", "type": "integer", "default": "lots"},
            ]
        )
    found = [(e.row, e.field, e.code) for e in caught.value.errors]
    assert found == [
        (2, "Bad Key", "invalid_key"),
        (3, "ok", "duplicate_key"),
        (4, "size", "unknown_type"),
        (5, "level", "invalid_rule"),
        (6, "points", "invalid_default"),
    ]
    for err in caught.value.errors:
        assert err.as_dict("zh-hans")["row"] == err.row
        assert err.message("zh-hans") and err.message("en")


def test_core_field_cannot_change_type() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_field_definitions([{"key": "phone", "type": "text"}])
    [err] = caught.value.errors
    assert (err.row, err.field, err.code) == (1, "phone", "core_type_mismatch")
    assert "phone" in err.message("en") and "text" in err.message("en")


def test_core_field_may_shorten_but_not_lengthen_its_column() -> None:
    [spec] = parse_field_definitions([{"key": "display_name", "rules": {"max_length": 50}}])
    assert spec.rules == {"max_length": 50}
    with pytest.raises(ValidationFailed) as caught:
        parse_field_definitions(
            [
                {"key": "display_name", "rules": {"max_length": 500}},
                {"key": "source", "type": "choice", "rules": {"choices": ["x" * 33]}},
            ]
        )
    found = [(e.row, e.field, e.code, e.params["rule"]) for e in caught.value.errors]
    assert found == [
        (1, "display_name", "invalid_rule", "max_length"),
        (2, "source", "invalid_rule", "choices"),
    ]


def test_core_rules_stay_under_a_templates_own(manager: User) -> None:
    template = create_template(
        actor=manager,
        key="regional",
        name_zh="地区",
        scenario="sales",
        fields=[
            {"key": "province", "type": "text", "rules": {"regex": "[^0-9]*"}},
            {"key": "gender", "type": "choice", "label_zh": "称谓", "rules": {}},
        ],
    )
    assert template.current_version is not None
    specs = {s.key: s for s in template.current_version.specs()}
    assert specs["province"].rules == {"max_length": 50, "regex": "[^0-9]*"}
    assert [c["value"] for c in specs["gender"].choices()] == ["male", "female", "unknown"]
    assert specs["gender"].label("zh-hans") == "称谓"


def test_sensitive_shorthand_sets_classification() -> None:
    [spec] = parse_field_definitions([{"key": "passport", "type": "text", "sensitive": True}])
    assert spec.classification == "sensitive"


def test_clone_copies_current_fields_under_a_new_key(
    lead_template: Template, manager: User
) -> None:
    clone = clone_template(actor=manager, source=lead_template, key="lead_b", name_zh="线索B")
    assert clone.key == "lead_b" and clone.scenario == "sales" and not clone.builtin
    assert clone.current_version is not None
    assert _keys(clone.current_version) == ["budget", "phone"]
    assert clone.current_version.pk != lead_template.current_version_id


def test_clone_builtin_template(manager: User) -> None:
    source = selectors.get_template(key="retail_member")
    clone = clone_template(actor=manager, source=source, key="my_members", name_zh="我的会员")
    assert clone.current_version is not None and source.current_version is not None
    assert _keys(clone.current_version) == _keys(source.current_version)
    assert not clone.builtin


def test_archive_hides_from_list_but_keeps_readable(lead_template: Template, manager: User) -> None:
    archive_template(actor=manager, template=lead_template)
    assert lead_template.archived_at is not None
    assert "lead" not in {t.key for t in selectors.template_list(actor=manager)}
    listed = selectors.template_list(actor=manager, include_archived=True)
    assert "lead" in {t.key for t in listed}
    assert selectors.get_template(key="lead").archived_at is not None


def test_builtins_installed_once_and_valid(db: Any) -> None:
    assert set(Template.objects.filter(builtin=True).values_list("key", flat=True)) == BUILTIN_KEYS
    assert install_builtin_templates() == []  # already there: nothing installed twice
    assert {d["key"] for d in builtin_definitions()} == BUILTIN_KEYS
    for definition in builtin_definitions():
        specs = parse_field_definitions(definition["fields"])
        assert specs, definition["key"]
        template = selectors.get_template(key=definition["key"])
        version = selectors.get_version(template=template)
        assert version.status == TemplateVersion.PUBLISHED
        for spec in version.specs():
            assert check_spec(spec) == [], (definition["key"], spec.key)
            assert spec.label("zh-hans") and spec.label("en")
            # a person's phone, e-mail or ID number is never stored in plaintext (a company's
            # credit code is public, printed on its licence)
            if get_type(spec.type).identifying and spec.type != "cn_uscc":
                assert spec.classification != "general", (definition["key"], spec.key)


def test_builtins_reinstall_after_delete(db: Any) -> None:
    Template.objects.filter(key="sales_lead").delete()
    assert [t.key for t in install_builtin_templates()] == ["sales_lead"]


@pytest.mark.parametrize("role", [roles.SALES, roles.SERVICE, roles.MARKETING, roles.ANALYST])
def test_roles_without_template_editing_may_not_change_templates(
    role: str, make_user: Callable[..., User], lead_template: Template
) -> None:
    user = make_user(role=role)
    calls: list[Callable[[], Any]] = [
        lambda: create_template(actor=user, key="mine", name_zh="我的", scenario="sales"),
        lambda: update_template(actor=user, template=lead_template, name_zh="改"),
        lambda: save_draft(actor=user, template=lead_template, fields=FIELDS),
        lambda: publish_draft(actor=user, template=lead_template),
        lambda: discard_draft(actor=user, template=lead_template),
        lambda: clone_template(actor=user, source=lead_template, key="c", name_zh="复制"),
        lambda: archive_template(actor=user, template=lead_template),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    lead_template.refresh_from_db()
    assert lead_template.name_zh == "线索" and lead_template.archived_at is None
    assert not Template.objects.filter(key__in=["mine", "c"]).exists()


def test_admin_may_change_templates(admin_user: User, lead_template: Template) -> None:
    updated = update_template(actor=admin_user, template=lead_template, name_zh="销售线索")
    assert updated.name_zh == "销售线索"


def test_get_version_by_number_and_missing(lead_template: Template, manager: User) -> None:
    updated = update_template(actor=manager, template=lead_template, fields=[FIELDS[1]])
    assert _keys(selectors.get_version(template=updated, number=1)) == ["budget", "phone"]
    assert _keys(selectors.get_version(template=updated)) == ["phone"]
    with pytest.raises(NotFound):
        selectors.get_version(template=lead_template, number=9)
    with pytest.raises(NotFound):
        selectors.get_template(key="nope")
