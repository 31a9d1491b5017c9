"""Undoing an import, and what others may and may not do with someone's import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied
from dossier.customers.models import Customer
from dossier.customers.services import update_customer
from dossier.privacy.erasure import erase_customer
from dossier.templates.models import Template
from dossier.transfer import services
from dossier.transfer.models import ImportChange, ImportRun
from dossier.transfer.tests.import_helpers import (
    errors_by_line,
    import_file,
    member_row,
    write_csv,
)

pytestmark = pytest.mark.django_db


def _changed_file(tmp_path: Path, name: str, points: int) -> Path:
    rows = [member_row(n) for n in range(1, 6)]
    for row in rows:
        row[4] = str(points)
    return write_csv(tmp_path / name, rows)


def test_undo_removes_what_was_created_and_restores_what_was_changed(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    first = import_file(sales_user, member_template, _changed_file(tmp_path, "a.csv", 1))
    second = import_file(sales_user, member_template, _changed_file(tmp_path, "b.csv", 7))
    assert (first.created, second.updated) == (5, 5)
    assert set(Customer.objects.values_list("attributes__points", flat=True)) == {7}

    outcome = services.undo_import(actor=sales_user, run_id=second.pk)
    assert (outcome.restored, outcome.removed, outcome.kept) == (5, 0, {})
    assert set(Customer.objects.values_list("attributes__points", flat=True)) == {1}
    assert not ImportChange.objects.filter(run=second).exists()

    outcome = services.undo_import(actor=sales_user, run_id=first.pk)
    assert (outcome.removed, outcome.kept) == (0, {"changed": 5})  # changed by run 2 and back
    first_run = ImportRun.objects.get(pk=first.pk)
    assert first_run.status == ImportRun.UNDONE and first_run.undone_by == sales_user
    event = AuditEvent.objects.get(action="import_undo", object_id=str(first.pk))
    assert event.changes == {"removed": 0, "restored": 0, "changed": 5}
    with pytest.raises(Conflict):
        services.undo_import(actor=sales_user, run_id=first.pk)


def test_undo_spares_customers_someone_changed_since(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    run = import_file(sales_user, member_template, _changed_file(tmp_path, "a.csv", 1))
    edited = Customer.objects.get(attributes__member_no="M000002")
    update_customer(
        actor=sales_user, customer_id=edited.pk, values={"points": 50}, expected_version=1
    )
    outcome = services.undo_import(actor=sales_user, run_id=run.pk)
    assert (outcome.removed, outcome.kept) == (4, {"changed": 1})
    assert list(Customer.objects.filter(deleted_at__isnull=True)) == [edited]
    # the removed customers' unique values are free again: the file imports once more
    again = import_file(
        sales_user, member_template, _changed_file(tmp_path, "a.csv", 1), mode="create"
    )
    assert (again.created, again.failed) == (4, 1)
    assert errors_by_line(again) == {3: {("member_no", "not_unique"), ("id_number", "not_unique")}}


def test_an_erased_customer_stays_erased_after_an_undo(
    sales_user: User, admin_user: User, member_template: Template, tmp_path: Path
) -> None:
    import_file(sales_user, member_template, _changed_file(tmp_path, "a.csv", 1))
    run = import_file(sales_user, member_template, _changed_file(tmp_path, "b.csv", 9))
    target = Customer.objects.get(attributes__member_no="M000003")
    assert ImportChange.objects.filter(customer_id=target.pk).exists()
    erase_customer(actor=admin_user, customer_id=target.pk)
    # erasure deleted the undo's copy of the values before
    assert not ImportChange.objects.filter(customer_id=target.pk).exists()
    outcome = services.undo_import(actor=sales_user, run_id=run.pk)
    assert outcome.restored == 4
    target.refresh_from_db()
    # nothing of it came back: its general figures stay as erasure left them
    assert target.erased_at is not None and target.attributes.get("points") == 9
    assert target.display_name != "客户3" and not target.phone


def test_only_the_importer_or_an_admin_may_undo_and_others_do_not_see_the_run(
    sales_user: User,
    admin_user: User,
    member_template: Template,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    run = import_file(sales_user, member_template, _changed_file(tmp_path, "a.csv", 1))
    colleague = make_user("wang", roles.SALES, team="east")
    manager = make_user("boss2", roles.MANAGER, team="east")
    for other in (colleague, manager):
        with pytest.raises(NotFound):
            services.undo_import(actor=other, run_id=run.pk)
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 5
    outcome = services.undo_import(actor=admin_user, run_id=run.pk)
    assert outcome.removed == 5


def test_a_role_that_may_not_create_customers_cannot_start_an_import(
    member_template: Template, make_user: Callable[..., User], tmp_path: Path
) -> None:
    analyst = make_user("ana", roles.ANALYST)
    path = _changed_file(tmp_path, "a.csv", 1)
    with pytest.raises(PermissionDenied):
        import_file(analyst, member_template, path)
    assert not ImportRun.objects.exists()


def test_an_update_import_finds_only_customers_the_importer_may_change(
    sales_user: User, member_template: Template, make_user: Callable[..., User], tmp_path: Path
) -> None:
    import_file(sales_user, member_template, _changed_file(tmp_path, "a.csv", 1))
    rival = make_user("zhao", roles.SALES, team="west")
    run = import_file(rival, member_template, _changed_file(tmp_path, "b.csv", 99), mode="update")
    assert (run.updated, run.failed) == (0, 5)
    # the rows say a value is taken, never whose customer holds it
    assert {code for codes in errors_by_line(run).values() for _f, code in codes} == {"not_unique"}
    assert set(Customer.objects.values_list("attributes__points", flat=True)) == {1}


def test_the_command_prints_one_json_summary_last_and_refuses_unreadable_files(
    sales_user: User, member_template: Template, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    path = _changed_file(tmp_path, "a.csv", 1)
    errors = tmp_path / "errors.csv"
    call_command(
        "import",
        "customers",
        str(path),
        "--template",
        "member",
        "--as",
        sales_user.username,
        "--json",
        "--errors",
        str(errors),
        "--mode",
        "create",
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(last)
    assert {k: summary[k] for k in ("rows", "created", "updated", "unchanged", "failed")} == {
        "rows": 5,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
    }
    assert summary["errors_file"] == str(errors) and errors.exists()
    assert summary["run"] == ImportRun.objects.get().pk
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        call_command(
            "import", "customers", str(empty), "--template", "member", "--as", sales_user.username
        )
    with pytest.raises(CommandError, match="--as"):
        call_command("import", "customers", str(path), "--template", "member")
    call_command("import", "undo", str(summary["run"]), "--as", sales_user.username)
    assert "5 removed" in capsys.readouterr().out


def test_a_user_deactivated_mid_run_stops_the_import_before_its_next_batch(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    from dossier.transfer.importing.plan import ImportOptions

    path = write_csv(tmp_path / "a.csv", [member_row(n) for n in range(1, 31)])
    run = services.start_import(
        actor=sales_user,
        template=member_template,
        path=path,
        file_name=path.name,
        options=ImportOptions(mode="create", batch_rows=10),
    )

    def leave_after_first_batch(done: int, expected: int | None) -> None:
        User.objects.filter(pk=sales_user.pk).update(is_active=False)

    run = services.execute_import(run=run, path=path, progress=leave_after_first_batch)
    assert run.status == ImportRun.FAILED and "no longer active" in run.reason
    assert (run.rows, run.created) == (10, 10)  # the first batch stays, and can be undone


def test_the_data_subject_copy_shows_the_values_an_import_replaced(
    sales_user: User, admin_user: User, member_template: Template, tmp_path: Path
) -> None:
    from dossier.privacy.data_export import export_customer_data

    import_file(sales_user, member_template, _changed_file(tmp_path, "a.csv", 1))
    run = import_file(sales_user, member_template, _changed_file(tmp_path, "b.csv", 9))
    customer = Customer.objects.get(attributes__member_no="M000002")
    copy = export_customer_data(actor=admin_user, customer_id=customer.pk)
    [entry] = copy["imports"]
    assert (entry["import"], entry["file"]) == (run.pk, "b.csv")
    assert entry["values_before"]["points"] == 1


def test_failed_values_and_undo_data_are_forgotten_after_the_keeping_period(
    sales_user: User, member_template: Template, tmp_path: Path, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dossier.transfer.importing.engine import field_errors
    from dossier.transfer.models import ImportBatch
    from dossier.transfer.uploads import forget_old_import_data

    import_file(sales_user, member_template, _changed_file(tmp_path, "a.csv", 1))
    rows = [member_row(n) for n in range(1, 6)]
    rows[0][1] = "13-bad"
    run = import_file(sales_user, member_template, write_csv(tmp_path / "b.csv", rows))
    assert list(field_errors(run)) and ImportChange.objects.filter(run=run).exists()
    settings.DOSSIER_IMPORT_KEEP_DAYS = 30
    assert forget_old_import_data() == 0  # finished just now: kept
    ImportRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(days=31))
    assert forget_old_import_data() == 1
    run.refresh_from_db()
    assert run.data_forgotten_at is not None and run.failed == 1  # the counts stay
    assert list(field_errors(run)) == []
    assert ImportBatch.objects.filter(run=run).exclude(errors="").count() == 0
    assert not ImportChange.objects.filter(run=run).exists()
    with pytest.raises(Conflict, match="keeping period"):
        services.undo_import(actor=sales_user, run_id=run.pk)
    assert forget_old_import_data() == 0  # once
