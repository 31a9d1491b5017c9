"""What an import creates that looks like customers on file is queued for review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.matching.models import DuplicateGroup
from dossier.templates.models import Template
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
