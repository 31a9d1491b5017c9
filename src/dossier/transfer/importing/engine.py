"""Running an import: read the file once, write it batch by batch, account for every row.

Each batch is one transaction holding the customers it wrote, its :class:`ImportBatch`
(outcome, error rows, the ids created) and the changed customers' values before
(:class:`ImportChange`). The batch row is the checkpoint: a run started again (a worker
killed, a machine restarted) skips the batches on record and goes on with the next row.
Two workers on one run cannot both commit a batch: ``(run, number)`` is unique.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.errors import ApplicationError, PermissionDenied
from dossier.core.fields import FieldError
from dossier.customers import search_index
from dossier.customers.services import BatchResult, create_customers, upsert_customers
from dossier.matching.services.reviewing import review_new_customers
from dossier.templates.models import Template
from dossier.transfer.importing.brought import summed
from dossier.transfer.importing.parallel import prepared_chunks, processes
from dossier.transfer.importing.plan import (
    ColumnPlan,
    ImportOptions,
    plan_columns,
)
from dossier.transfer.importing.rows import FileRow, file_keys, file_rows, row_shape
from dossier.transfer.importing.writing import DryRun, sort_rows, write_batch
from dossier.transfer.models import ImportRun
from dossier.transfer.reading import FileRefused, Row, Table, open_table

logger = logging.getLogger(__name__)

#: called after every batch with (rows accounted for so far, rows expected or None)
Progress = Callable[[int, int | None], None]


def run_import(run: ImportRun, path: str | Path, *, progress: Progress | None = None) -> ImportRun:
    """Import the file of ``run`` (queued, or running and resumed); returns the run, finished.

    A file that cannot be read ends the run ``refused`` with a one-line reason; a mapping
    with mistakes raises ValidationFailed before anything is written.
    """
    options = ImportOptions.from_json(run.options)
    template = run.template
    assert template is not None and run.actor is not None
    search_index.ensure_indexes()  # a large load killed outright left them to the next run
    try:
        table = open_table(
            path, encoding=options.encoding, sheet=options.sheet, delimiter=options.delimiter
        )
    except FileRefused as refusal:
        return finish_run(run, ImportRun.REFUSED, reason=refusal.message(run.language))
    with table:
        plan = plan_columns(
            template=template, headers=table.headers, mapping=run.mapping, options=options
        )
        if run.status == ImportRun.QUEUED:
            ImportRun.objects.filter(pk=run.pk).update(
                status=ImportRun.RUNNING,
                started_at=timezone.now(),
                heartbeat_at=timezone.now(),
                mapping=plan.as_mapping(),
                expected_rows=_expected_rows(path, table),
            )
            run.refresh_from_db()
        try:
            with search_index.deferred_for_load(_new_rows(run, options)):
                _import_rows(run, table, plan, options, progress)
        except ApplicationError as stop:  # the actor lost a permission mid-run, say
            return finish_run(run, ImportRun.FAILED, reason=stop.message, table=table)
    return finish_run(run, ImportRun.COMPLETED, table=table)


def _new_rows(run: ImportRun, options: ImportOptions) -> int | None:
    """About how many customers the rest of the run may create (None: not known)."""
    if options.dry_run or options.mode == "update" or run.expected_rows is None:
        return 0
    return max(run.expected_rows - run.rows, 0)


def _expected_rows(path: str | Path, table: Table) -> int | None:
    """About how many data rows a CSV holds (its line count), for the progress bar."""
    if table.source != "csv":
        return None
    lines = 0
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - table.header_number, 0) + 1


def _import_rows(
    run: ImportRun,
    table: Table,
    plan: ColumnPlan,
    options: ImportOptions,
    progress: Progress | None,
) -> None:
    done = run.batches.aggregate(last=Max("last_line"), number=Max("number"))
    resume_after, number = done["last"] or 0, done["number"] or 0
    match_on, keys = file_keys(plan, options)
    accounted = run.rows
    chunks = _chunks(table, options.batch_rows)
    # a small file is prepared in this process: forking would cost more than it saves
    small = run.expected_rows is not None and run.expected_rows <= 2 * options.batch_rows
    workers = 1 if small else processes()
    shape = row_shape(plan, encoding=table.encoding)
    specs = list(plan.specs.values())
    for chunk, prepared in prepared_chunks(chunks, shape, specs, workers=workers):
        if chunk[-1].line <= resume_after:
            # committed before a restart: only its keys matter, for the repeats after it
            sort_rows(chunk, prepared, keys)
            continue
        number += 1
        check_still_active(run)
        accounted += write_batch(
            run=run,
            plan=plan,
            options=options,
            number=number,
            rows=chunk,
            prepared=prepared,
            keys=keys,
            match_on=match_on,
        )
        if progress is not None:
            progress(accounted, run.expected_rows)


def check_still_active(run: ImportRun) -> None:
    """Stop a run whose user was deactivated meanwhile (before its next batch)."""
    if run.actor_id is None or not User.objects.filter(pk=run.actor_id, is_active=True).exists():
        raise PermissionDenied(_("The user who started the import is no longer active."))


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _apply(
    run: ImportRun, options: ImportOptions, rows: Sequence[FileRow], match_on: Sequence[str]
) -> BatchResult:
    actor, template = run.actor, run.template
    assert isinstance(actor, User) and isinstance(template, Template)
    values = [row.values for row in rows]
    if options.mode == "create":
        return create_customers(actor=actor, template=template, rows=values)
    return upsert_customers(
        actor=actor,
        template=template,
        rows=values,
        match_on=list(match_on),
        create_missing=options.mode == "upsert",
    )


def finish_run(
    run: ImportRun, status: str, *, reason: str = "", table: Table | None = None
) -> ImportRun:
    """Close the run: final status, what the reading skipped, one audit event."""
    reading: dict[str, Any] = {}
    if table is not None:
        counts = table.counts
        reading = {
            "source": table.source,
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "sheet": table.sheet,
            "blank_lines": counts.blank_lines,
            "repeated_headers": counts.repeated_headers[:100],
            "ragged_rows": counts.ragged_rows,
            "bad_byte_rows": counts.bad_byte_rows,
        }
    brought = summed(run.batches.values_list("quality", flat=True))
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            status=status,
            reason=reason[:2000],
            finished_at=timezone.now(),
            options={**run.options, "reading": reading, "quality": brought},
        )
        run.refresh_from_db()
        if status == ImportRun.COMPLETED:
            run.expected_rows = run.rows
            run.save(update_fields=["expected_rows"])
        record_audit(
            actor=run.actor,
            action="import",
            object_type="import_run",
            object_id=run.pk,
            changes={
                **run.summary(),
                "status": status,
                "file": run.file_name,
                "sha256": run.file_sha256,
                "dry_run": bool(run.options.get("dry_run")),
            },
        )
    if status == ImportRun.COMPLETED and run.created and not run.options.get("dry_run"):
        _review_created(run)
    return run


def _review_created(run: ImportRun) -> None:
    """Queue what the run created that looks like customers on file (the duplicates page)."""
    template = run.template
    if run.kind != "customers" or template is None or template.duplicate_policy == "allow":
        return
    created = [pk for batch in run.batches.all() for pk in batch.created_customer_ids()]
    groups = review_new_customers(customer_ids=created)
    ImportRun.objects.filter(pk=run.pk).update(options={**run.options, "likely_duplicates": groups})
    run.options["likely_duplicates"] = groups


@dataclass
class PreviewRow:
    """One of the first rows of a file, and what importing it would do."""

    line: int
    cells: tuple[Any, ...]
    outcome: str  # created / updated / unchanged / failed
    errors: list[FieldError] = field(default_factory=list)


def preview(run: ImportRun, path: str | Path, *, limit: int = 20) -> list[PreviewRow]:
    """The file's first ``limit`` data rows with their outcome; nothing is written.

    Raises FileRefused (the file cannot be read) or ValidationFailed (mapping mistakes).
    """
    options = ImportOptions.from_json(run.options)
    assert run.template is not None
    with open_table(
        path, encoding=options.encoding, sheet=options.sheet, delimiter=options.delimiter
    ) as table:
        plan = plan_columns(
            template=run.template, headers=table.headers, mapping=run.mapping, options=options
        )
        raw = list(islice(iter(table), limit))
    rows = list(file_rows(raw, plan, encoding=table.encoding))
    match_on, keys = file_keys(plan, options)
    for row in rows:
        if not row.errors:
            keys.check(row)
    ready = [row for row in rows if not row.errors]
    result = BatchResult()
    try:
        with transaction.atomic():
            if ready:
                result = _apply(run, options, ready, match_on)
            raise DryRun
    except DryRun:
        pass
    for error in result.errors:
        if error.row is not None:
            ready[error.row - 1].errors.append(error)
    line_of = {pk: ready[number - 1].line for pk, number in result.rows.items()}
    by_line = {line_of[c.pk]: "created" for c in result.created}
    by_line |= {line_of[c.pk]: "updated" for c in result.updated}
    by_line |= {line_of[c.pk]: "unchanged" for c in result.unchanged}
    return [
        PreviewRow(
            line=item.line,
            cells=source.cells,
            outcome="failed" if item.errors else by_line.get(item.line, "failed"),
            errors=item.errors,
        )
        for item, source in zip(rows, raw, strict=True)
    ]


def field_errors(run: ImportRun) -> Iterator[list[Any]]:
    """Every error row of the run, in file order (decrypted; for the error file)."""
    for batch in run.batches.order_by("number").iterator(chunk_size=50):
        yield from cast(list[list[Any]], batch.errors or [])


__all__ = ["FieldError", "field_errors", "run_import"]
