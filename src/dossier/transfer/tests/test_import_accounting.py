"""The import accounts for every row: created, updated, unchanged or failed, with the reason."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.customers.models import Customer
from dossier.templates.models import Template
from dossier.transfer.importing.engine import field_errors
from dossier.transfer.importing.error_file import write_error_file
from dossier.transfer.models import ImportBatch, ImportRun
from dossier.transfer.tests.import_helpers import (
    HEADER,
    accounted,
    errors_by_line,
    id_number,
    import_file,
    member_row,
    write_csv,
)

pytestmark = pytest.mark.django_db


def test_a_file_with_every_kind_of_trouble_is_accounted_for_row_by_row(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    rows: list[list[str]] = [member_row(n) for n in range(1, 41)]
    rows[3][1] = "12345"  # line 5: a phone that is none
    rows[7][3] = id_number(8)[:-1] + ("0" if id_number(8)[-1] != "0" else "1")  # bad check digit
    rows[9] = rows[9][:3]  # line 11: too few cells
    rows[11] = [*rows[11], "extra"]  # line 13: too many
    rows[13][2] = rows[2][2]  # line 15: the member number of line 4
    rows[15][1] = "＋８６ １３９-０００００-０１６"  # full width, +86, dashes: a valid phone
    rows[17][0] = '=HYPERLINK("http://x")'  # a formula-looking name is stored as text
    rows.insert(20, ["", "", "", "", ""])  # a blank line (line 22)
    rows.insert(25, HEADER)  # the header again (line 27)
    path = write_csv(tmp_path / "members.csv", rows, encoding="utf-8-sig")

    run = import_file(sales_user, member_template, path, mode="create")

    assert run.status == ImportRun.COMPLETED
    assert (run.rows, run.created, run.failed) == (40, 35, 5)
    assert accounted(run)
    assert errors_by_line(run) == {
        5: {("phone", "invalid_phone")},
        9: {("id_number", "id_card_checksum")},
        11: {("row", "too_few_cells")},
        13: {("row", "too_many_cells")},
        15: {("member_no", "duplicate_in_file")},
    }
    assert run.options["reading"]["blank_lines"] == 1
    assert run.options["reading"]["repeated_headers"] == [27]
    assert Customer.objects.count() == 35
    formula = Customer.objects.get(attributes__member_no="M000018")
    assert formula.display_name.startswith("=HYPERLINK")
    assert Customer.objects.filter(attributes__member_no="M000016").get().phone == "+8613900000016"


def test_the_error_file_names_row_column_value_and_reason_in_either_language(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    rows = [member_row(1), member_row(2)]
    rows[1][1] = "=1+2"
    path = write_csv(tmp_path / "members.csv", rows)
    run = import_file(sales_user, member_template, path, mode="create")
    for language, reason in [("en", "Phone"), ("zh-hans", "手机")]:
        out = tmp_path / f"errors-{language}.csv"
        write_error_file(str(out), field_errors(run), language)
        text = out.read_text(encoding="utf-8-sig")
        lines = list(csv.reader(text.splitlines()))
        assert len(lines) == 2
        line, column, field, value, code, message = lines[1]
        assert (line, column, field, code) == ("3", "手机号", "phone", "invalid_phone")
        # the original value, made inert for a spreadsheet
        assert value == "'=1+2"
        assert reason in message


def test_gbk_files_and_spreadsheet_dates_and_booleans_are_read(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    header = ["客户名称", "联系电话", "会员号"]
    rows = [["张三", "13900000001", "M000001"], ["李四", "13900000002", "M000002"]]
    path = write_csv(tmp_path / "gbk.csv", rows, header=header, encoding="gbk")
    run = import_file(sales_user, member_template, path, mode="create")
    assert (run.created, run.failed) == (2, 0)
    assert run.options["reading"]["encoding"].lower() in {"gbk", "gb18030", "gb2312"}
    assert set(Customer.objects.values_list("display_name", flat=True)) == {"张三", "李四"}


def test_the_same_file_twice_changes_nothing_the_second_time(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    rows = [member_row(n) for n in range(1, 11)]
    rows[4][1] = "bad"
    path = write_csv(tmp_path / "members.csv", rows)
    first = import_file(sales_user, member_template, path, mode="upsert")
    events = AuditEvent.objects.filter(object_type="customer").count()
    second = import_file(sales_user, member_template, path, mode="upsert")
    assert (first.created, first.failed) == (9, 1)
    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 0, 9, 1)
    assert AuditEvent.objects.filter(object_type="customer").count() == events
    assert Customer.objects.filter(version=1).count() == 9


def test_a_dry_run_checks_every_row_and_writes_none(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    rows = [member_row(n) for n in range(1, 6)]
    rows[0][1] = "bad"
    path = write_csv(tmp_path / "members.csv", rows)
    run = import_file(sales_user, member_template, path, mode="create", dry_run=True)
    assert (run.rows, run.created, run.failed) == (5, 4, 1)
    assert Customer.objects.count() == 0
    assert ImportBatch.objects.get(run=run).created_ids == b""


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (b"", "empty.csv", "empty"),
        (b"\x00\x01\x02\x03\xff\xfe\x00\x00" * 64, "binary.csv", "binary"),
        (b"PK\x03\x04not really a zip file at all", "fake.xlsx", "spreadsheet"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_one_line_reason(
    sales_user: User,
    member_template: Template,
    tmp_path: Path,
    content: bytes,
    name: str,
    reason: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    run = import_file(sales_user, member_template, path, mode="create")
    assert run.status == ImportRun.REFUSED
    assert reason in run.reason.lower() and "\n" not in run.reason
    assert Customer.objects.count() == 0


def test_a_spreadsheet_with_date_serials_and_a_duplicated_header(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "手机号", "手机号", "会员编号", "生日"])
    sheet.append(["张三", "13900000001", "13800000000", "M000001", 32939])  # a serial
    sheet.append(["李四", "13900000002", "", "M000002", datetime(1991, 4, 5)])  # a date cell
    sheet.append(["王五", "13900000003", "", "M000003", "1992年5月6日"])
    path = tmp_path / "members.xlsx"
    book.save(path)
    run = import_file(sales_user, member_template, path, mode="create")
    assert (run.rows, run.created, run.failed) == (3, 3, 0)
    # the second 手机号 column is not imported: the first one fills the field
    assert Customer.objects.get(attributes__member_no="M000001").phone == "+8613900000001"
    birthdays = dict(Customer.objects.values_list("display_name", "birthday"))
    assert {name: day.isoformat() for name, day in birthdays.items()} == {
        "张三": "1990-03-07",
        "李四": "1991-04-05",
        "王五": "1992-05-06",
    }
