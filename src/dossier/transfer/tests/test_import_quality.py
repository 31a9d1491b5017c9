"""An import reports how complete the customers it created or updated are (issue 18, item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from dossier.customers.models import Customer
from dossier.quality.models import CustomerQuality
from dossier.quality.refresh import completeness_of, refresh_quality
from dossier.templates.models import Template
from dossier.transfer.importing.brought import summed
from dossier.transfer.models import ImportRun
from dossier.transfer.selectors import brought_quality
from dossier.transfer.tests.import_helpers import import_file, member_row, write_csv

pytestmark = pytest.mark.django_db


def _rows(count: int, *, without_id_from: int) -> list[list[str]]:
    """Members 1…count; from ``without_id_from`` on, no ID number and no points."""
    rows = [member_row(n) for n in range(1, count + 1)]
    for row in rows[without_id_from - 1 :]:
        row[3] = row[4] = ""
    return rows


def _stored(ids: list[object]) -> tuple[int, dict[str, int]]:
    """The refresh's own verdict on these customers: average completeness, missing counts."""
    refresh_quality(customer_ids=ids)
    rows = list(CustomerQuality.objects.filter(pk__in=ids).values_list("completeness", "missing"))
    missing: dict[str, int] = {}
    for _score, keys in rows:
        for key in keys:
            missing[key] = missing.get(key, 0) + 1
    return round(sum(score for score, _keys in rows) / len(rows)), missing


def test_summing_batches_weighs_each_customer_once() -> None:
    total = summed(
        [
            {"customers": 2, "completeness_sum": 150, "missing": {"email": 2, "points": 1}},
            {"customers": 1, "completeness_sum": 30, "missing": {"points": 1}},
            {},
        ]
    )
    assert total == {
        "customers": 3,
        "average_completeness": 60,
        "missing": {"email": 2, "points": 2},
    }
    assert summed([])["average_completeness"] is None


def test_a_run_over_several_batches_reports_what_the_customers_lack(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "m.csv", _rows(7, without_id_from=4))
    run = import_file(sales_user, member_template, path, mode="create", batch_rows=2)
    assert run.status == ImportRun.COMPLETED and run.batches.count() == 4
    brought = run.options["quality"]
    assert brought["customers"] == 7
    assert brought["missing"]["id_number"] == 4 and brought["missing"]["points"] == 4
    average, missing = _stored(list(Customer.objects.values_list("pk", flat=True)))
    assert brought["average_completeness"] == average
    assert brought["missing"] == missing


def test_an_update_counts_the_customers_it_changed_as_they_are_now(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    import_file(
        sales_user, member_template, write_csv(tmp_path / "a.csv", _rows(4, without_id_from=1))
    )
    again = write_csv(
        tmp_path / "b.csv", [member_row(n) for n in (1, 2)] + _rows(4, without_id_from=1)[2:]
    )
    run = import_file(sales_user, member_template, again, mode="upsert", match_on=["member_no"])
    assert (run.updated, run.unchanged) == (2, 2)
    brought = run.options["quality"]
    assert brought["customers"] == 2
    assert "id_number" not in brought["missing"]
    changed = list(
        Customer.objects.filter(attributes__member_no__in=["M000001", "M000002"]).values_list(
            "pk", flat=True
        )
    )
    assert brought["average_completeness"] == _stored(changed)[0]


def test_a_dry_run_reports_what_the_file_would_bring_and_writes_nothing(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "m.csv", _rows(3, without_id_from=3))
    run = import_file(sales_user, member_template, path, mode="create", dry_run=True)
    assert Customer.objects.count() == 0
    assert run.options["quality"]["customers"] == 3
    assert run.options["quality"]["missing"]["id_number"] == 1


def test_a_file_of_failed_rows_brings_no_one(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    rows = [member_row(n) for n in (1, 2)]
    for row in rows:
        row[1] = "12345"  # not a phone
    run = import_file(sales_user, member_template, write_csv(tmp_path / "bad.csv", rows))
    assert run.failed == 2
    assert run.options["quality"] == {"customers": 0, "average_completeness": None, "missing": {}}


def test_the_json_summary_keeps_its_keys_and_adds_quality(
    sales_user: User,
    member_template: Template,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_csv(tmp_path / "m.csv", _rows(3, without_id_from=2))
    call_command(
        "import",
        "customers",
        str(path),
        "--template",
        "member",
        "--as",
        sales_user.username,
        "--json",
        "--mode",
        "create",
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(summary) == {
        "rows",
        "created",
        "updated",
        "unchanged",
        "failed",
        "errors_file",
        "run",
        "status",
        "quality",
    }
    assert (summary["rows"], summary["created"]) == (3, 3)
    assert summary["quality"]["customers"] == 3
    assert summary["quality"]["missing"]["id_number"] == 2


def test_the_run_page_names_the_missing_fields_in_the_readers_language(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "m.csv", _rows(3, without_id_from=2))
    run = import_file(sales_user, member_template, path, mode="create")
    client = Client(headers={"accept-language": "en"})
    client.force_login(sales_user)
    html = client.get(f"/transfer/imports/{run.pk}/").content.decode()
    section = html[html.index('id="brought-quality"') :]
    average = run.options["quality"]["average_completeness"]
    assert f"{average}% complete on average" in section
    assert "ID number" in section and "Points" in section and "E-mail" in section
    chinese = Client(headers={"accept-language": "zh-hans"})
    chinese.force_login(sales_user)
    html = chinese.get(f"/transfer/imports/{run.pk}/").content.decode()
    section = html[html.index('id="brought-quality"') :]
    assert "邮箱" in section and "E-mail" not in section


def test_a_refused_file_shows_no_completeness(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    run = import_file(sales_user, member_template, empty)
    assert run.status == ImportRun.REFUSED
    assert brought_quality(run) is None
    client = Client(headers={"accept-language": "en"})
    client.force_login(sales_user)
    assert 'id="brought-quality"' not in client.get(f"/transfer/imports/{run.pk}/").content.decode()


def test_the_fast_path_figure_is_what_reading_the_stored_customers_gives(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    # every pattern of empty cells over the columns that may be empty (not name, phone)
    rows = []
    for n in range(1, 17):
        row = member_row(n)
        for bit, column in enumerate((2, 3, 4)):
            if n >> bit & 1:
                row[column] = ""
        rows.append(row)
    path = write_csv(tmp_path / "m.csv", rows)
    run = import_file(sales_user, member_template, path, mode="create", batch_rows=5)
    ids = [pk for batch in run.batches.all() for pk in batch.created_customer_ids()]
    assert run.created == len(ids) > 10
    read = completeness_of(ids)
    brought = run.options["quality"]
    assert brought["customers"] == read["customers"]
    assert brought["average_completeness"] == round(read["completeness_sum"] / len(ids))
    assert brought["missing"] == dict(sorted(read["missing"].items(), key=lambda i: (-i[1], i[0])))
