"""The profile-migration report lists failures without repeating personal values."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.core import roles
from dossier.customers.services import create_customer, start_migration
from dossier.templates.models import ProfileMigration
from dossier.templates.services import create_template, update_template

pytestmark = pytest.mark.django_db


def _choices(*values: str) -> dict[str, Any]:
    return {"choices": [{"value": v, "label_zh": v, "label_en": v} for v in values]}


def test_report_names_the_field_but_never_a_value_or_name(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    boss: User = make_user("boss", roles.ADMIN)
    fields = [
        {"key": "clothing", "type": "choice", "classification": "personal",
         "rules": _choices("small", "extra-large-tall")},
        {"key": "tier", "type": "choice", "rules": _choices("bronze", "platinum-plus")},
    ]  # fmt: skip
    template = create_template(
        actor=boss, key="shop", name_zh="门店", scenario="retail_member", fields=fields
    )
    create_customer(
        actor=boss,
        template=template,
        values={
            "display_name": "王五",
            "phone": "13800138000",
            "clothing": "extra-large-tall",
            "tier": "platinum-plus",
        },
    )
    update_template(
        actor=boss,
        template=template,
        fields=[
            {**fields[0], "rules": _choices("small")},
            {**fields[1], "rules": _choices("bronze")},
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        start_migration(actor=boss, template=template)
    report = ProfileMigration.objects.get()
    assert report.failed == 1
    errors = {e["field"]: e for e in report.failures[0]["errors"]}
    assert errors["clothing"]["code"] == "invalid_choice"
    assert "extra-large-tall" not in str(report.failures)
    # nor a general one, nor the name: the report outlives an erasure of the customer
    assert errors["tier"]["code"] == "invalid_choice"
    assert "platinum-plus" not in str(report.failures)
    assert "王五" not in str(report.failures)
    assert set(report.failures[0]) == {"customer", "errors"}


def _west_and_east_failures(make_user: Any, capture: Any) -> tuple[User, Any, Any, Any]:
    """A template shared by two teams, migrated so that one customer of each team fails."""
    boss: User = make_user("boss", roles.ADMIN)
    east_sales = make_user("east.sales", roles.SALES, team="east")
    west_sales = make_user("west.sales", roles.SALES, team="west")
    fields = [{"key": "tier", "type": "choice", "rules": _choices("bronze", "gold")}]
    template = create_template(
        actor=boss, key="shop", name_zh="门店", scenario="retail_member", fields=fields
    )
    east = create_customer(
        actor=east_sales, template=template, values={"display_name": "东区甲", "tier": "gold"}
    )
    west = create_customer(
        actor=west_sales, template=template, values={"display_name": "西区乙", "tier": "gold"}
    )
    update_template(
        actor=boss, template=template, fields=[{**fields[0], "rules": _choices("bronze")}]
    )
    with capture(execute=True):
        start_migration(actor=boss, template=template)
    return boss, ProfileMigration.objects.get(), east, west


def test_migration_report_api_lists_only_the_readers_customers(
    make_user: Any, django_capture_on_commit_callbacks: Any, api_as: Any
) -> None:
    _boss, migration, east, west = _west_and_east_failures(
        make_user, django_capture_on_commit_callbacks
    )
    assert migration.failed == 2
    manager = make_user("east.boss", roles.MANAGER, team="east")
    answer = api_as(manager).get(f"/templates/shop/migrations/{migration.pk}")
    assert answer.status_code == 200, answer.content
    failures = answer.json()["failures"]
    assert [f["customer"] for f in failures] == [str(east.pk)]
    assert answer.json()["failed"] == 1  # the count does not speak of the other team either
    assert failures[0]["name"] == "东区甲"
    assert str(west.pk) not in answer.content.decode() and "西区乙" not in answer.content.decode()
    assert "gold" not in str(failures)


def test_migration_report_page_lists_only_the_readers_customers(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    boss, migration, east, west = _west_and_east_failures(
        make_user, django_capture_on_commit_callbacks
    )
    browser = Client()
    browser.force_login(make_user("east.boss", roles.MANAGER, team="east"))
    html = browser.get(f"/templates/shop/migrations/{migration.pk}/").content.decode()
    assert str(east.pk) in html and "东区甲" in html
    assert str(west.pk) not in html and "西区乙" not in html
    browser.force_login(boss)
    html = browser.get(f"/templates/shop/migrations/{migration.pk}/").content.decode()
    assert str(west.pk) in html and "西区乙" in html
