"""Customer services over many customers: batches, template migration, audit, tags."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.customers import services
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.tests.service_helpers import ID_NUMBER, errors_of, new_customer
from dossier.templates.models import ProfileMigration, Template
from dossier.templates.services import update_template

# ---- batches ---------------------------------------------------------------------------------


def test_create_customers_reports_rows_and_stores_only_valid_ones(
    sales_user: User, member_template: Template
) -> None:
    rows = [
        {"display_name": "甲", "phone": "13800138001", "member_no": "M000001"},
        {"display_name": "", "phone": "12345"},
        {"display_name": "丙", "phone": "13800138003", "member_no": "M000001"},
        {"display_name": "丁", "phone": "13800138004", "id_number": ID_NUMBER},
        {"display_name": "戊", "phone": "13800138005", "id_number": "11010519491231002x"},
    ]
    result = services.create_customers(actor=sales_user, template=member_template, rows=rows)
    assert [c.display_name for c in result.created] == ["甲", "丁"]
    assert result.rejected_rows == [2, 3, 5]
    assert {(e.row, e.field, e.code) for e in result.errors} == {
        (2, "display_name", "required"),
        (2, "phone", "invalid_phone"),
        (3, "member_no", "not_unique"),
        (5, "id_number", "not_unique"),
    }
    assert all(e.as_dict()["row"] == e.row for e in result.errors)
    stored = Customer.objects.order_by("display_name")
    assert [c.display_name for c in stored] == ["丁", "甲"]
    ding = stored[0]
    assert ding.birthday == date(1949, 12, 31) and ding.protected == {"id_number": ID_NUMBER}
    assert ding.owner == sales_user and ding.team is not None
    assert CustomerLookup.objects.filter(field="id_number").count() == 1
    # the stored batch is searchable and unique against later writes
    with pytest.raises(ValidationFailed):
        new_customer(sales_user, member_template, member_no="M000001")
    event = AuditEvent.objects.get(object_type="customer_batch")
    assert event.changes == {"created": 2, "rejected": 3}


def test_create_customers_checks_against_stored_customers(
    sales_user: User, member_template: Template
) -> None:
    new_customer(sales_user, member_template, member_no="M000001")
    result = services.create_customers(
        actor=sales_user,
        template=member_template,
        rows=[{"display_name": "乙", "phone": "13800138000", "member_no": "M000001"}],
    )
    assert result.created == []
    assert [(e.row, e.field, e.code) for e in result.errors] == [(1, "member_no", "not_unique")]
    assert Customer.objects.count() == 1


def test_create_customers_needs_permission(
    make_user: Callable[..., User], member_template: Template
) -> None:
    with pytest.raises(PermissionDenied):
        services.create_customers(
            actor=make_user(role=roles.ANALYST), template=member_template, rows=[{}]
        )


# ---- template migration ----------------------------------------------------------------------


def test_migration_moves_passing_customers_and_reports_failing_ones(
    sales_user: User,
    member_template: Template,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    passing = new_customer(sales_user, member_template, display_name="甲", member_no="M000001")
    failing = new_customer(sales_user, member_template, display_name="乙")
    deleted = new_customer(sales_user, member_template, display_name="丙")
    services.delete_customer(actor=admin_user, customer_id=deleted.pk)
    old_version = member_template.current_version_id
    fields = [
        {"key": "phone", "type": "phone", "required": True, "rules": {"mobile_only": True}},
        {"key": "member_no", "type": "text", "required": True, "unique": True},
        {"key": "tier", "type": "choice", "default": "a", "rules": {"choices": ["a", "b"]}},
    ]
    template = update_template(actor=admin_user, template=member_template, fields=fields)
    with django_capture_on_commit_callbacks(execute=True):
        migration = services.start_migration(actor=admin_user, template=template)
    migration.refresh_from_db()
    assert migration.status == ProfileMigration.DONE
    assert (migration.migrated, migration.failed) == (1, 1)
    [failure] = migration.failures
    assert failure["customer"] == str(failing.pk) and "name" not in failure
    assert [(e["field"], e["code"]) for e in failure["errors"]] == [("member_no", "required")]
    assert failure["errors"][0]["message"]

    passing.refresh_from_db()
    failing.refresh_from_db()
    deleted.refresh_from_db()
    assert passing.template_version_id == template.current_version_id
    assert passing.attributes == {"member_no": "M000001", "tier": "a"}
    assert passing.version == 2
    assert failing.template_version_id == old_version and failing.version == 1
    assert deleted.template_version_id == old_version

    # a second run looks at the failing customer again but does not list it twice
    again = services.migrate_customers(migration=migration)
    assert (again.migrated, again.failed, len(again.failures)) == (1, 1, 1)
    assert AuditEvent.objects.filter(action="template_migrate").count() == 2


def test_migration_needs_permission(
    make_user: Callable[..., User], member_template: Template
) -> None:
    with pytest.raises(PermissionDenied):
        services.start_migration(actor=make_user(role=roles.SALES), template=member_template)
    assert not ProfileMigration.objects.exists()


# ---- audit -----------------------------------------------------------------------------------


def test_audit_events_name_changed_personal_fields_without_values(
    sales_user: User, member_template: Template
) -> None:
    customer = new_customer(
        sales_user, member_template, id_number=ID_NUMBER, email="zhang@example.com", points=1
    )
    services.update_customer(
        actor=sales_user,
        customer_id=customer.pk,
        values={"phone": "13912345678", "points": 2, "address": "建国路88号"},
        expected_version=1,
    )
    update, create = AuditEvent.objects.filter(customer_id=customer.pk)
    assert (create.action, update.action) == ("create", "update")
    assert create.actor == sales_user and create.actor_name == "li.na"
    for key in ("display_name", "phone", "email", "id_number", "birthday"):
        assert create.changes[key] == {"changed": True}
    assert update.changes == {
        "phone": {"changed": True},
        "address": {"changed": True},
        "points": {"before": 1, "after": 2},
    }
    text = json.dumps([create.changes, update.changes], ensure_ascii=False)
    for secret in (
        "张三",
        "13800138000",
        "13912345678",
        ID_NUMBER,
        "zhang@",
        "建国路",
        "1949-12-31",
    ):
        assert secret not in text


# ---- tags ------------------------------------------------------------------------------------


def test_tags_create_set_and_delete(
    sales_user: User, member_template: Template, make_user: Callable[..., User]
) -> None:
    manager = make_user("boss.wang", roles.MANAGER, team="east")
    vip = services.create_tag(actor=manager, name=" VIP ", group="等级", colour="#ff0000")
    assert vip.name == "VIP"
    with pytest.raises(Conflict):
        services.create_tag(actor=manager, name="VIP", group="等级")
    with pytest.raises(ValidationFailed) as caught:
        services.create_tag(actor=manager, name="", colour="red")
    assert errors_of(caught) == {("name", "required"), ("colour", "pattern")}
    with pytest.raises(ValidationFailed) as caught:
        services.create_tag(actor=manager, name="V\x00IP", group="g" * 51)
    assert errors_of(caught) == {("name", "control_characters"), ("group", "too_long")}
    assert caught.value.errors[0].message("zh-hans") == "名称包含不可见的控制字符。"
    with pytest.raises(PermissionDenied):
        services.create_tag(actor=sales_user, name="mine")
    customer = new_customer(sales_user, member_template)
    assert services.set_customer_tags(
        actor=sales_user, customer_id=customer.pk, tag_ids=[vip.pk, vip.pk]
    ) == [vip]
    services.delete_tag(actor=manager, tag_id=vip.pk)
    assert list(customer.tags.all()) == []
    with pytest.raises(NotFound):
        services.delete_tag(actor=manager, tag_id=vip.pk)
