"""Writing import files and running them, for the import tests."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from stdnum.cn import ric

from dossier.templates.models import Template
from dossier.transfer import services
from dossier.transfer.importing.engine import field_errors
from dossier.transfer.importing.plan import ImportOptions
from dossier.transfer.models import ImportRun

HEADER = ["姓名", "手机号", "会员编号", "身份证号", "积分"]


def id_number(n: int) -> str:
    first17 = f"110105{date(1950, 1, 1) + timedelta(n // 1000):%Y%m%d}{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def member_row(n: int) -> list[str]:
    return [f"客户{n}", f"139{n:08d}", f"M{n:06d}", id_number(n), str(n % 100)]


def write_csv(
    path: Path, rows: list[list[Any]], *, header: list[str] = HEADER, encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def import_file(
    actor: User,
    template: Template,
    path: Path,
    *,
    mapping: dict[str, str | None] | None = None,
    **options: Any,
) -> ImportRun:
    """Start and run an import of ``path``, as the CLI does; the finished run."""
    run = services.start_import(
        actor=actor,
        template=template,
        path=path,
        file_name=path.name,
        mapping=mapping,
        options=ImportOptions(**options),
        language="en",
    )
    return services.execute_import(run=run, path=path)


def errors_by_line(run: ImportRun) -> dict[int, set[tuple[str, str]]]:
    """{file line: {(field, code)}} of every error the run recorded."""
    found: dict[int, set[tuple[str, str]]] = {}
    for line, _column, field, _value, code, _en, _zh in field_errors(run):
        found.setdefault(line, set()).add((field, code))
    return found


def accounted(run: ImportRun) -> bool:
    return run.rows == run.created + run.updated + run.unchanged + run.failed
