"""The fast path (rows prepared in worker processes, inserted with COPY) stores exactly what
the checked path does, and falls back to it whenever a row might change someone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from dossier.audit.models import AuditEvent
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.services import bulk_load, create_customers
from dossier.outbox.models import Event
from dossier.templates.models import Template
from dossier.transfer import services
from dossier.transfer.importing.plan import ImportOptions
from dossier.transfer.models import ImportRun
from dossier.transfer.tests.import_helpers import (
    accounted,
    errors_by_line,
    import_file,
    member_row,
    write_csv,
)

pytestmark = pytest.mark.django_db


def _stored(customer: Customer) -> dict[str, Any]:
    lookups = sorted(
        (lookup.field, lookup.digest, lookup.unique) for lookup in customer.lookups.all()
    )
    return {
        "name": customer.display_name,
        "phone": customer.phone,
        "email": customer.email,
        "attributes": customer.attributes,
        "protected": customer.protected,
        "search_text": customer.search_text,
        "version": customer.version,
        "owner": customer.owner_id,
        "team": customer.team_id,
        "created_by": customer.created_by_id,
        "lookups": lookups,
        "template_version": customer.template_version_id,
    }


def test_the_fast_path_stores_what_create_customers_stores(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    rows = [member_row(n) for n in range(1, 4)]
    path = write_csv(tmp_path / "members.csv", rows)
    run = import_file(sales_user, member_template, path, mode="create")
    assert run.created == 3
    imported = {c.display_name: _stored(c) for c in Customer.objects.all()}
    audit = AuditEvent.objects.filter(object_type="customer", action="create").count()
    events = Event.objects.filter(name="customer.created").count()
    assert (audit, events) == (3, 3)
    member_template.refresh_from_db()
    assert member_template.customer_count == 3

    Customer.objects.all().delete()
    create_customers(
        actor=sales_user,
        template=member_template,
        rows=[
            {
                "display_name": r[0],
                "phone": r[1],
                "member_no": r[2],
                "id_number": r[3],
                "points": r[4],
            }
            for r in rows
        ],
    )
    checked = {c.display_name: _stored(c) for c in Customer.objects.all()}
    assert imported == checked
    # ciphertext on disk, never the value
    raw = Customer.objects.values_list("phone", flat=True).first()
    assert raw and raw.startswith("v1.") is False  # the model attribute decrypts …
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, protected FROM customers_customer")
        for phone, protected in cursor.fetchall():
            assert phone.startswith("v1.") and protected.startswith("v1.")


@override_settings(DOSSIER_IMPORT_PROCESSES=2)
def test_rows_prepared_by_two_processes_are_all_accounted_for(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    rows = [member_row(n) for n in range(1, 301)]
    for n in range(0, 300, 10):
        rows[n][1] = "1234"  # a tenth of the phones are wrong
    rows[201][2] = rows[105][2]  # a repeated member number, across batches
    path = write_csv(tmp_path / "members.csv", rows)
    run = import_file(sales_user, member_template, path, mode="create", batch_rows=20)
    assert run.status == ImportRun.COMPLETED and accounted(run)
    assert (run.rows, run.created, run.failed) == (300, 269, 31)
    errors = errors_by_line(run)
    assert errors[203] == {("member_no", "duplicate_in_file")}
    assert sum(1 for codes in errors.values() if ("phone", "invalid_phone") in codes) == 30
    assert Customer.objects.count() == 269
    assert CustomerLookup.objects.filter(field="member_no").count() == 269


def test_upsert_sends_rows_that_name_a_customer_the_checked_way(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    write_csv(tmp_path / "first.csv", [member_row(n) for n in range(1, 6)])
    import_file(sales_user, member_template, tmp_path / "first.csv", mode="create")
    rows = [member_row(n) for n in range(3, 9)]  # 3–5 exist, 6–8 are new
    rows[0][4] = "77"
    rows[1] = ["", rows[1][1], rows[1][2], "", ""]  # a partial change: no name, still matched
    path = write_csv(tmp_path / "second.csv", rows)
    run = import_file(sales_user, member_template, path, mode="upsert")
    assert (run.created, run.updated, run.unchanged, run.failed) == (3, 1, 2, 0)
    assert Customer.objects.get(attributes__member_no="M000003").attributes["points"] == 77


def test_a_value_taken_meanwhile_sends_the_batch_the_checked_way(
    sales_user: User,
    member_template: Template,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_csv(tmp_path / "first.csv", [member_row(1)])
    import_file(sales_user, member_template, tmp_path / "first.csv", mode="create")
    # the fast path's check misses the stored value, as if a rival committed just after it
    monkeypatch.setattr(bulk_load, "taken_values", lambda **kwargs: {})
    path = write_csv(tmp_path / "second.csv", [member_row(1), member_row(2)])
    run = import_file(sales_user, member_template, path, mode="create")
    assert (run.created, run.failed) == (1, 1)
    assert errors_by_line(run)[2] >= {("member_no", "not_unique")}
    assert Customer.objects.count() == 2


def test_a_version_published_mid_import_does_not_claim_rows_checked_against_the_last(
    sales_user: User, admin_user: User, member_template: Template, tmp_path: Path
) -> None:
    from dossier.templates.services import publish_draft, save_draft

    first_version = member_template.current_version_id
    fields = [
        {
            "key": f.key,
            "type": f.type,
            "unique": f.unique,
            "rules": dict(f.rules),
            "classification": f.classification,
        }
        for f in member_template.current_version.specs()  # type: ignore[union-attr]
        if f.key in {"phone", "member_no", "id_number", "level"}
    ]
    fields.append({"key": "points", "type": "integer", "rules": {"max_value": 10}})
    published: list[int] = []

    def publish_after_first_batch(done: int, expected: int | None) -> None:
        if not published:
            save_draft(actor=admin_user, template=member_template, fields=fields)
            publish_draft(actor=admin_user, template=member_template, note="points ≤ 10")
            published.append(done)

    path = write_csv(tmp_path / "members.csv", [member_row(n) for n in range(1, 41)])
    run = services.start_import(
        actor=sales_user,
        template=member_template,
        path=path,
        file_name=path.name,
        options=ImportOptions(mode="create", batch_rows=10),
        language="en",
    )
    run = services.execute_import(run=run, path=path, progress=publish_after_first_batch)
    member_template.refresh_from_db()
    assert member_template.current_version_id != first_version
    # every row was checked against the version in force when the run began, and says so
    assert (run.created, run.failed) == (40, 0)
    assert set(Customer.objects.values_list("template_version_id", flat=True)) == {first_version}
