"""Writing one batch of an import, and its record, in one transaction.

Rows that create customers go the fast way (:func:`load_new_customers`: prepared in worker
processes, inserted with COPY); rows that may change a customer go through
:func:`upsert_customers`, which matches, merges and checks them one by one. In upsert
mode a prepared row whose keys nobody holds is new; a row that failed preparation might
still be a partial change of someone, so it goes the checked way and gets its verdict there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dossier.core.fields import FieldError
from dossier.customers.services import BatchResult, upsert_customers
from dossier.customers.services.bulk_load import (
    PreparedCustomer,
    PreparedRows,
    load_new_customers,
)
from dossier.customers.services.storage import UniqueValueTaken, taken_values
from dossier.quality.refresh import completeness_of, completeness_of_filled
from dossier.templates.models import Template
from dossier.transfer.importing.duplicates import refuse_sure_duplicates
from dossier.transfer.importing.plan import ColumnPlan, ImportOptions
from dossier.transfer.importing.rows import FileKeys, FileRow
from dossier.transfer.models import ImportBatch, ImportChange, ImportRun, error_row, pack_ids


class DryRun(Exception):
    """Rolls a dry run's writes back once their outcome is known."""


def sort_rows(
    rows: Sequence[FileRow], prepared: PreparedRows, keys: FileKeys
) -> tuple[list[tuple[FileRow, PreparedCustomer]], list[FileRow]]:
    """Attach preparation results; mark repeats of an earlier row's key. Returns the prepared
    rows and the rows that failed preparation (without a reading error or repeat)."""
    ready = {item.row: item for item in prepared.ready}
    failed: dict[int, list[FieldError]] = {}
    for error in prepared.errors:
        failed.setdefault(error.row or 0, []).append(error)
    good, unprepared = [], []
    for row in rows:
        if row.errors:
            continue
        item = ready.get(row.line)
        if item is not None:
            keys.check_digests(row, item.lookups)
            if not row.errors:
                good.append((row, item))
        else:
            keys.check(row)
            if not row.errors:
                row.errors = failed.get(row.line, [])
                unprepared.append(row)
    return good, unprepared


def write_batch(
    *,
    run: ImportRun,
    plan: ColumnPlan,
    options: ImportOptions,
    number: int,
    rows: Sequence[FileRow],
    prepared: PreparedRows,
    keys: FileKeys,
    match_on: Sequence[str],
) -> int:
    """Write one batch and its record in one transaction; the rows it accounted for."""
    template = cast(Template, run.template)
    good, unprepared = sort_rows(rows, prepared, keys)
    fast, checked = _split(options, template, good, unprepared, match_on, plan)
    fast = refuse_sure_duplicates(
        actor=cast(User, run.actor), template=template, plan=plan, new=fast
    )
    try:
        return _write(run, plan, options, number, rows, fast, checked, match_on)
    except UniqueValueTaken:
        # another writer took a value meanwhile: let the checked path sort the rows out
        for row, _item in fast:
            row.errors = []
        checked = sorted(checked + [row for row, _item in fast], key=lambda r: r.line)
        return _write(run, plan, options, number, rows, [], checked, match_on)


def _write(
    run: ImportRun,
    plan: ColumnPlan,
    options: ImportOptions,
    number: int,
    rows: Sequence[FileRow],
    fast: list[tuple[FileRow, PreparedCustomer]],
    checked: list[FileRow],
    match_on: Sequence[str],
) -> int:
    actor, template = cast(User, run.actor), cast(Template, run.template)
    result, created_ids = BatchResult(), []
    brought: dict[str, Any] = {}
    with transaction.atomic():
        try:
            with transaction.atomic():
                if fast:
                    loaded = load_new_customers(
                        actor=actor,
                        template=template,
                        prepared=[item for _row, item in fast],
                        specs=list(plan.specs.values()),
                        version_id=plan.version_id,
                    )
                    created_ids = [pk for _line, pk in loaded.created]
                    by_line = {row.line: row for row, _item in fast}
                    for error in loaded.errors:
                        by_line[error.row or 0].errors.append(error)
                if checked:
                    for row in checked:
                        row.errors = []  # the checked path gives its own verdict
                    result = upsert_customers(
                        actor=actor,
                        template=template,
                        rows=[row.values for row in checked],
                        match_on=list(match_on) or "id",
                        create_missing=options.mode != "update",
                    )
                # measured before a dry run's rollback: a trial shows what the file would bring
                brought = _completeness(run, plan, fast, created_ids, result)
                if options.dry_run:
                    raise DryRun
        except DryRun:
            pass
        for error in result.errors:
            if error.row is not None:
                checked[error.row - 1].errors.append(error)
        created_ids += [c.pk for c in result.created]
        counts = {
            "rows": len(rows),
            "created": len(created_ids),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
            "failed": sum(1 for row in rows if row.errors),
        }
        if counts["rows"] != sum(counts.values()) - counts["rows"]:
            raise AssertionError(f"import batch {number} lost rows: {counts}")
        ImportBatch.objects.create(
            run=run,
            number=number,
            first_line=rows[0].line,
            last_line=rows[-1].line,
            created_ids=b"" if options.dry_run else pack_ids(created_ids),
            errors=cast(Any, _error_rows(plan, rows)),
            quality=brought,
            **counts,
        )
        if not options.dry_run:
            ImportChange.objects.bulk_create(
                ImportChange(
                    run=run,
                    customer_id=c.pk,
                    version=c.version,
                    before=cast(Any, result.before[c.pk]),
                )
                for c in result.updated
            )
        ImportRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now(), **{key: F(key) + value for key, value in counts.items()}
        )
    return counts["rows"]


def _completeness(
    run: ImportRun,
    plan: ColumnPlan,
    fast: list[tuple[FileRow, PreparedCustomer]],
    created_ids: list[Any],
    result: BatchResult,
) -> dict[str, Any]:
    """How complete the batch's customers are: those created the fast way from what their
    preparation saw filled (nothing read back), the rest read as stored."""
    filled = {item.pk: item.filled for _row, item in fast}
    figures = []
    if created_ids:
        figures.append(
            completeness_of_filled(
                template_id=cast(int, run.template_id),
                version_id=cast(int, plan.version_id),
                filled=[filled[pk] for pk in created_ids],
            )
        )
    checked = [*(c.pk for c in result.created), *(c.pk for c in result.updated)]
    if checked:
        figures.append(completeness_of(checked))
    missing: dict[str, int] = {}
    for figure in figures:
        for key, count in figure["missing"].items():
            missing[key] = missing.get(key, 0) + count
    return {
        "customers": sum(f["customers"] for f in figures),
        "completeness_sum": sum(f["completeness_sum"] for f in figures),
        "missing": missing,
    }


def _split(
    options: ImportOptions,
    template: Template,
    good: list[tuple[FileRow, PreparedCustomer]],
    unprepared: list[FileRow],
    match_on: Sequence[str],
    plan: ColumnPlan,
) -> tuple[list[tuple[FileRow, PreparedCustomer]], list[FileRow]]:
    """Which rows create customers the fast way, and which go the checked way."""
    if options.mode == "create":
        return good, []
    if options.mode == "update" or "id" in match_on:
        return [], sorted([row for row, _item in good] + unprepared, key=lambda r: r.line)
    wanted: dict[str, set[str]] = {}
    for _row, item in good:
        for key in match_on:
            if key in item.lookups:
                wanted.setdefault(key, set()).add(item.lookups[key])
    held = taken_values(template=template, wanted=wanted) if wanted else {}
    fast, checked = [], list(unprepared)
    for row, item in good:
        if any((key, item.lookups.get(key)) in held for key in match_on):
            checked.append(row)
        else:
            fast.append((row, item))
    return fast, sorted(checked, key=lambda r: r.line)


def _error_rows(plan: ColumnPlan, rows: Sequence[FileRow]) -> list[list[Any]]:
    return [
        error_row(
            row.line,
            plan.header_of(error.field),
            error.field,
            row.cells.get(error.field),
            error.code,
            (error.message("en"), error.message("zh-hans")),
        )
        for row in rows
        for error in row.errors
    ]
