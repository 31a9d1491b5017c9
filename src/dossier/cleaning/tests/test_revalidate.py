"""Re-validation: every profile against its template's current rules, failures field by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.cleaning.models import CleaningRun
from dossier.cleaning.selectors import report_rows
from dossier.core.actors import system_actor
from dossier.templates.models import Template
from dossier.templates.services import update_template

pytestmark = pytest.mark.django_db


def _stricter(template: Template) -> None:
    """Version 2: a member number of another form, and a required 'store' field."""
    fields = [
        {"key": "phone", "type": "phone", "required": True, "rules": {"mobile_only": True}},
        {"key": "member_no", "type": "text", "label_en": "Member number", "unique": True,
         "rules": {"regex": r"VIP\d{4}"}},
        {"key": "store", "type": "text", "label_en": "Store", "required": True},
    ]  # fmt: skip
    update_template(actor=system_actor("tests"), template=template, fields=fields)


def test_revalidation_reports_each_failing_field_of_each_profile(
    east: User,
    west: User,
    make_customer: Any,
    member_template: Template,
    cleaned: Callable[..., Any],
) -> None:
    bad = make_customer(east, member_no="M123456")
    first_version = bad.template_version_id
    half = make_customer(east)
    make_customer(west, member_no="M654321")  # another team's: not in east's run
    _stricter(member_template)
    run = cleaned(east, CleaningRun.REVALIDATE)
    assert run.state == CleaningRun.DONE
    assert run.examined == 2 and run.failed == 2 and not run.suggestions.exists()
    failures = {f["customer"]: f["errors"] for f in run.failures}
    assert sorted((e["field"], e["code"]) for e in failures[str(bad.pk)]) == [
        ("member_no", "pattern"),
        ("store", "required"),
    ]
    assert [(e["field"], e["code"]) for e in failures[str(half.pk)]] == [("store", "required")]
    # the report's shape is the profile migration's: field, code, message; never the value
    assert set(failures[str(half.pk)][0]) == {"field", "code", "message"}
    assert "M123456" not in str(run.failures)
    # the customers stay as they were (re-validation changes nothing)
    bad.refresh_from_db()
    member_template.refresh_from_db()
    assert bad.template_version_id == first_version != member_template.current_version_id


def test_revalidation_of_valid_profiles_reports_nothing(
    east: User, make_customer: Any, cleaned: Callable[..., Any]
) -> None:
    make_customer(east, member_no="M000001")
    run = cleaned(east, CleaningRun.REVALIDATE)
    assert (run.examined, run.failed, run.failures) == (1, 0, [])


def test_the_report_names_only_customers_still_visible(
    east: User, west: User, admin_user: User, make_customer: Any, member_template: Template,
    cleaned: Callable[..., Any],
) -> None:  # fmt: skip
    from dossier.customers.services import assign_owner

    customer = make_customer(east)
    _stricter(member_template)
    run = cleaned(east, CleaningRun.REVALIDATE)
    assert len(report_rows(actor=east, run=run)["failures"]) == 1
    assign_owner(actor=admin_user, customer_id=customer.pk, owner=west)
    assert report_rows(actor=east, run=run)["failures"] == []
