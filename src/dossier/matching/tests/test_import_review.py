"""What an import creates that looks like customers on file is queued for review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.customers.models import Customer
from dossier.matching.models import DuplicateGroup
from dossier.templates.models import Template
from dossier.transfer.importing.engine import field_errors
from dossier.transfer.tests.import_helpers import import_file, write_csv

pytestmark = pytest.mark.django_db


def test_an_imported_look_alike_is_queued_and_a_household_is_not(
    sales: User, member_template: Template, make_customer: Any, tmp_path: Path
) -> None:
    on_file = make_customer(sales, display_name="张伟", phone="13912340000")
    rows = [
        ["張偉", "+86 139 1234 0000", "", "", ""],  # the same person, typed otherwise
        ["王芳", "13700000000", "", "", ""],
    ]
    run = import_file(sales, member_template, write_csv(tmp_path / "a.csv", rows), mode="create")
    assert run.created == 2
    assert run.options["likely_duplicates"] == 1
    group = DuplicateGroup.objects.get()
    members = {str(pk) for pk in group.members.values_list("customer_id", flat=True)}
    assert str(on_file.pk) in members and len(members) == 2
    # the same phone, another person: a household, not queued
    household = [["张敏", "13912340000", "", "", ""]]
    run = import_file(
        sales, member_template, write_csv(tmp_path / "b.csv", household), mode="create"
    )
    assert (run.created, run.options["likely_duplicates"]) == (1, 0)
    assert DuplicateGroup.objects.count() == 1


def test_a_template_that_allows_duplicates_queues_nothing(
    sales: User, member_template: Template, make_customer: Any, tmp_path: Path
) -> None:
    member_template.duplicate_policy = "allow"
    member_template.save(update_fields=["duplicate_policy"])
    make_customer(sales, display_name="张伟", phone="13912340000")
    run = import_file(
        sales,
        member_template,
        write_csv(tmp_path / "a.csv", [["張偉", "13912340000", "", "", ""]]),
        mode="create",
    )
    assert run.created == 1
    assert "likely_duplicates" not in run.options
    assert not DuplicateGroup.objects.exists()


def blocking(template: Template) -> Template:
    template.duplicate_policy = "block"
    template.save(update_fields=["duplicate_policy"])
    return template


def test_under_block_a_sure_duplicate_row_fails_naming_the_customer_and_nothing_is_queued(
    sales: User, member_template: Template, make_customer: Any, tmp_path: Path
) -> None:
    on_file = make_customer(sales, display_name="张伟", phone="13912340000")
    rows = [
        ["張偉", "+86 139 1234 0000", "", "", ""],  # the same person: refused
        ["王芳", "13700000000", "", "", ""],  # someone new: created
        ["张敏", "13912340000", "", "", ""],  # a household sharing the phone: created
    ]
    run = import_file(
        sales, blocking(member_template), write_csv(tmp_path / "a.csv", rows), mode="create"
    )
    assert (run.rows, run.created, run.failed) == (3, 2, 1)
    ((line, column, field, value, code, english, chinese),) = list(field_errors(run))
    assert (line, column, field, code) == (2, "手机号", "phone", "likely_duplicate_of")
    assert value == "+86 139 1234 0000"
    assert str(on_file.pk) in english and "张伟" in english
    assert "模板不允许重复" in chinese
    assert not Customer.objects.filter(display_name="張偉").exists()
    assert not DuplicateGroup.objects.exists()


def test_under_block_a_duplicate_the_importer_may_not_see_fails_without_being_named(
    sales: User, outsider: User, member_template: Template, make_customer: Any, tmp_path: Path
) -> None:
    hidden = make_customer(outsider, display_name="张伟", phone="13912340000")
    run = import_file(
        sales,
        blocking(member_template),
        write_csv(tmp_path / "a.csv", [["张伟", "13912340000", "", "", ""]]),
        mode="create",
    )
    assert (run.created, run.failed) == (0, 1)
    ((_line, _column, _field, _value, code, english, chinese),) = list(field_errors(run))
    assert code == "likely_duplicate_hidden"
    assert str(hidden.pk) not in english + chinese and "张伟" not in english + chinese


def test_under_block_a_dry_run_reports_the_duplicate_and_upsert_still_updates_by_key(
    sales: User, member_template: Template, make_customer: Any, tmp_path: Path
) -> None:
    make_customer(sales, display_name="张伟", phone="13912340000")
    path = write_csv(tmp_path / "a.csv", [["张伟", "13912340000", "", "", ""]])
    trial = import_file(sales, blocking(member_template), path, mode="create", dry_run=True)
    assert (trial.created, trial.failed) == (0, 1)
    # matching on the phone names the customer on file: an update, not a duplicate
    run = import_file(sales, member_template, path, mode="upsert", match_on=["phone"])
    assert (run.failed, run.created, run.updated + run.unchanged) == (0, 0, 1)
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 1
