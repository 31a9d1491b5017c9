"""The profile-migration report lists failures without repeating personal values."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.accounts import roles
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
