"""A profile migration neither decrypts values without an admin's say nor reaches past its actor."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.test import Client

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.customers import services
from dossier.customers.models import Customer
from dossier.customers.tests.service_helpers import new_customer
from dossier.customers.values import stored_values
from dossier.templates.models import ProfileMigration, Template
from dossier.templates.services import create_template, update_template
from dossier.templates.tests.field_helpers import fields_with_classes

pytestmark = pytest.mark.django_db


@pytest.fixture
def east_manager(make_user: Callable[..., User]) -> User:
    return make_user("wang.manager", roles.MANAGER, team="east")


def _points_lowered(admin: User, template: Template) -> Template:
    """The member template with ``points`` made sensitive, then lowered again by an admin."""
    return update_template(
        actor=admin, template=template, fields=fields_with_classes(template, points="sensitive")
    )


@pytest.fixture
def lowered(
    admin_user: User, sales_user: User, member_template: Template
) -> tuple[Template, Customer]:
    """A customer whose points are stored encrypted, and a version that makes them general."""
    template = _points_lowered(admin_user, member_template)
    customer = new_customer(sales_user, template, points=8800)
    assert customer.protected == {"points": 8800} and "points" not in customer.attributes
    template = update_template(
        actor=admin_user,
        template=template,
        fields=fields_with_classes(template, points="general"),
        lowering_reason="积分不属于个人信息",
    )
    return template, customer


def test_migration_that_decrypts_needs_explicit_confirmation(
    admin_user: User, lowered: tuple[Template, Customer], django_capture_on_commit_callbacks: Any
) -> None:
    template, customer = lowered
    with pytest.raises(ValidationFailed) as caught:
        services.start_migration(actor=admin_user, template=template)
    assert caught.value.code == "migration_decrypts"
    [error] = caught.value.errors
    assert (error.field, error.params["before"], error.params["after"]) == (
        "points",
        "sensitive",
        "general",
    )
    assert not ProfileMigration.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        migration = services.start_migration(
            actor=admin_user, template=template, confirm_decrypt=True
        )
    migration.refresh_from_db()
    assert (migration.decrypt_confirmed, migration.migrated, migration.failed) == (True, 1, 0)
    customer.refresh_from_db()
    assert customer.attributes["points"] == 8800 and "points" not in customer.protected
    event = AuditEvent.objects.get(action="profiles_decrypt")
    assert event.actor == admin_user and event.object_id == "member"
    assert event.changes["fields"] == [
        {"field": "points", "before": "sensitive", "after": "general"}
    ]


def test_manager_may_not_confirm_a_decrypting_migration(
    east_manager: User, lowered: tuple[Template, Customer]
) -> None:
    template, customer = lowered
    with pytest.raises(PermissionDenied) as caught:
        services.start_migration(actor=east_manager, template=template, confirm_decrypt=True)
    assert caught.value.code == "migration_decrypts"
    assert not ProfileMigration.objects.exists()
    customer.refresh_from_db()
    assert customer.protected == {"points": 8800}


def test_unconfirmed_migration_leaves_a_decrypting_customer_alone(
    lowered: tuple[Template, Customer],
) -> None:
    # e.g. a customer that came onto an older version after the migration was checked
    template, customer = lowered
    migration = ProfileMigration.objects.create(
        template=template, target=template.current_version, decrypt_confirmed=False
    )
    migration = services.migrate_customers(migration=migration)
    assert (migration.migrated, migration.failed) == (0, 1)
    assert [e["code"] for e in migration.failures[0]["errors"]] == ["decrypts_values"]
    customer.refresh_from_db()
    assert customer.protected == {"points": 8800} and customer.template_version.number == 2


def test_migration_is_refused_when_customers_lie_beyond_the_actors_reach(
    east_manager: User,
    admin_user: User,
    make_user: Callable[..., User],
    member_template: Template,
    django_capture_on_commit_callbacks: Any,
) -> None:
    east = new_customer(make_user("east.sales", roles.SALES, team="east"), member_template)
    west = new_customer(
        make_user("west.sales", roles.SALES, team="west"), member_template, phone="13900139000"
    )
    fields = [
        *fields_with_classes(member_template),
        {"key": "vip", "type": "boolean", "default": False},
    ]
    member_template = update_template(actor=east_manager, template=member_template, fields=fields)
    with pytest.raises(PermissionDenied) as caught:
        services.start_migration(actor=east_manager, template=member_template)
    assert caught.value.code == "customers_out_of_reach"
    assert "1 customers" in caught.value.message
    assert not ProfileMigration.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.start_migration(actor=admin_user, template=member_template)
    for customer in (east, west):
        customer.refresh_from_db()
        assert customer.template_version.number == 2


# ---- through the API and the pages, as the attacking manager ---------------------------------


def test_api_migration_by_manager_and_admin(
    east_manager: User,
    admin_user: User,
    lowered: tuple[Template, Customer],
    api_as: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _template, customer = lowered
    refused = api_as(east_manager).post("/templates/member/migrations?confirm_decrypt=true")
    assert refused.status_code == 403
    assert refused.json()["code"] == "migration_decrypts"
    unconfirmed = api_as(admin_user).post("/templates/member/migrations")
    assert unconfirmed.status_code == 422
    assert [e["field"] for e in unconfirmed.json()["errors"]] == ["points"]
    assert not ProfileMigration.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api_as(admin_user).post("/templates/member/migrations?confirm_decrypt=true")
    assert confirmed.status_code == 202
    customer.refresh_from_db()
    assert customer.attributes["points"] == 8800


def test_api_manager_cannot_migrate_other_teams_customers(
    east_manager: User,
    make_user: Callable[..., User],
    member_template: Template,
    api_as: Callable[..., Any],
) -> None:
    west = new_customer(make_user("west.sales", roles.SALES, team="west"), member_template)
    fields = [*fields_with_classes(member_template), {"key": "vip", "type": "boolean"}]
    assert api_as(east_manager).put("/templates/member", {"fields": fields}).status_code == 200
    response = api_as(east_manager).post("/templates/member/migrations")
    assert response.status_code == 403
    assert response.json()["code"] == "customers_out_of_reach"
    west.refresh_from_db()
    assert west.template_version.number == 1


def test_migrate_page_asks_an_admin_to_confirm_decryption(
    admin_user: User,
    east_manager: User,
    lowered: tuple[Template, Customer],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _template, customer = lowered
    manager = Client()
    manager.force_login(east_manager)
    detail = manager.get("/templates/member/").content.decode()
    assert 'name="confirm_decrypt"' not in detail
    refused = manager.post("/templates/member/migrate/", {"confirm_decrypt": "on"}, follow=True)
    assert "Only an administrator may migrate profiles out of encryption" in (
        refused.content.decode()
    )
    admin = Client()
    admin.force_login(admin_user)
    assert 'name="confirm_decrypt"' in admin.get("/templates/member/").content.decode()
    asked = admin.post("/templates/member/migrate/", follow=True)
    assert "confirm it explicitly" in asked.content.decode()
    assert not ProfileMigration.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post("/templates/member/migrate/", {"confirm_decrypt": "on"})
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.attributes["points"] == 8800


# ---- values stored while a template called an identifier general ------------------------------

USCC = "91310115MA1H7GXL4D"


def test_data_migration_moves_floored_identifiers_out_of_plaintext(sales_user: User) -> None:
    firm = create_template(
        actor=system_actor("tests"),
        key="firm",
        name_zh="企业",
        scenario="b2b_account",
        fields=[{"key": "uscc", "type": "cn_uscc", "classification": "general"}],
    )
    # a version stored before the floor existed: the credit code was general
    firm.current_version.fields.filter(key="uscc").update(classification="general")
    company = services.create_customer(
        actor=sales_user, template=firm, values={"display_name": "甲公司", "uscc": USCC}
    )
    company.refresh_from_db()
    assert company.protected["uscc"] == USCC  # the floor: new writes are encrypted
    Customer.objects.filter(pk=company.pk).update(
        attributes={**company.attributes, "uscc": USCC}, protected={}
    )  # what such a customer looked like before the floor existed
    module = importlib.import_module("dossier.customers.migrations.0002_protect_identifier_values")
    module.protect_identifier_values(django_apps, None)
    company.refresh_from_db()
    assert "uscc" not in company.attributes and company.protected == {"uscc": USCC}
    assert stored_values(company, company.template_version.specs())["uscc"] == USCC
