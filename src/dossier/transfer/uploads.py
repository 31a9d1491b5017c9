"""The import wizard's writes: keep an uploaded file, confirm its mapping, queue the run.

An upload is personal data in plaintext until it is imported, so it is kept only as long
as needed: written owner-only under the data directory, deleted when its run ends or its
draft is discarded, and drafts nobody started are swept after a day.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.errors import Conflict, NotFound, ValidationFailed
from dossier.core.fields import FieldError
from dossier.core.request_ids import enqueue_with_request_id
from dossier.templates.models import Template
from dossier.transfer.importing.engine import field_errors
from dossier.transfer.importing.error_file import error_csv_chunks
from dossier.transfer.importing.plan import ImportOptions, plan_columns, suggested_mapping
from dossier.transfer.models import ImportBatch, ImportChange, ImportRun
from dossier.transfer.reading import FileRefused, open_table
from dossier.transfer.reading.files import SHEET_SUFFIXES, TEXT_SUFFIXES
from dossier.transfer.services import (
    check_may_import,
    forget_upload,
    may_manage_run,
    save_mapping,
)

#: the largest upload the wizard takes (the command line has no limit)
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
DRAFTS_KEPT = timedelta(days=1)


def upload_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _refuse(reason: str) -> ValidationFailed:
    return ValidationFailed(reason, errors=[FieldError("invalid_file", field="file", label=reason)])


@transaction.atomic
def upload_import(
    *, actor: User, template: Template, upload: UploadedFile, mode: str, language: str
) -> ImportRun:
    """Keep the uploaded file and open a draft run with the suggested mapping.

    422 naming the reason when the file cannot be read (nothing is kept then).
    """
    options = ImportOptions(mode=mode)
    if mode not in ("create", "update", "upsert"):
        raise ValidationFailed(
            _("Choose how to import."),
            errors=[FieldError("invalid_choice", field="mode", label="mode", value=mode)],
        )
    check_may_import(actor, template, mode)
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in TEXT_SUFFIXES | SHEET_SUFFIXES or not suffix:
        raise _refuse(_("Upload a CSV, XLSX, XLS or ODS file."))
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise _refuse(_("The file is larger than 200 MB; import it with the dossier command."))
    path = upload_folder() / f"{secrets.token_hex(16)}{suffix}"
    digest, size = hashlib.sha256(), 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            file.write(chunk)
    try:
        with open_table(path) as table:
            headers = table.headers
    except FileRefused as refusal:
        path.unlink(missing_ok=True)
        raise _refuse(refusal.message(language)) from None
    return ImportRun.objects.create(
        status=ImportRun.DRAFT,
        actor=actor,
        template=template,
        file_name=Path(upload.name or "upload").name[:255],
        file_sha256=digest.hexdigest(),
        file_size=size,
        stored_file=str(path),
        mapping=suggested_mapping(template, headers),
        options={**options.as_json(), "headers": list(headers)},
        language=language,
    )


def draft_for(actor: User, run_id: Any) -> ImportRun:
    """The actor's draft (404 for anyone else's; 409 once it has started)."""
    run = ImportRun.objects.select_related("template").filter(pk=run_id).first()
    if run is None or not may_manage_run(actor, run):
        raise NotFound(_("No such import."))
    if run.status != ImportRun.DRAFT:
        raise Conflict(_("The import has already started."))
    return run


@transaction.atomic
def configure_import(
    *,
    actor: User,
    run_id: Any,
    mapping: Mapping[str, str | None],
    mode: str,
    match_on: Sequence[str] = (),
    remember: bool = False,
) -> ImportRun:
    """Set the draft's mapping and options; 422 naming every mistake in them."""
    run = draft_for(actor, run_id)
    assert run.template is not None
    check_may_import(actor, run.template, mode)
    options = ImportOptions.from_json(run.options).chosen(mode=mode, match_on=match_on)
    headers = list(run.options.get("headers") or [])
    plan = plan_columns(template=run.template, headers=headers, mapping=mapping, options=options)
    run.mapping = plan.as_mapping()
    run.options = {**options.as_json(), "headers": headers}
    run.save(update_fields=["mapping", "options"])
    if remember:
        save_mapping(actor=actor, template=run.template, mapping=run.mapping)
    return run


@transaction.atomic
def queue_import(*, actor: User, run_id: Any) -> ImportRun:
    """Start the draft in the background (the worker runs it after this commits)."""
    from dossier.transfer.tasks import run_uploaded_import

    run = draft_for(actor, run_id)
    run.status = ImportRun.QUEUED
    run.save(update_fields=["status"])
    transaction.on_commit(lambda: enqueue_with_request_id(run_uploaded_import, run.pk))
    return run


@transaction.atomic
def discard_draft(*, actor: User, run_id: Any) -> None:
    """Forget a draft and delete its file."""
    run = draft_for(actor, run_id)
    forget_upload(run)
    run.delete()


def sweep_old_drafts() -> int:
    """Discard drafts nobody started within a day (the worker's clock calls it)."""
    old = ImportRun.objects.filter(
        status=ImportRun.DRAFT, created_at__lt=timezone.now() - DRAFTS_KEPT
    )
    count = 0
    for run in old:
        forget_upload(run)
        run.delete()
        count += 1
    return count


@transaction.atomic
def error_file_download(
    *, actor: User, run_id: Any, language: str
) -> tuple[ImportRun, Iterator[bytes]]:
    """The run's error file as CSV chunks, for its owner or an administrator; audited.

    The error rows hold the failed rows' original values (phones, ID numbers), so handing
    them out is an export of personal data and recorded as one.
    """
    run = ImportRun.objects.filter(pk=run_id).first() if str(run_id).isdecimal() else None
    if run is None or not may_manage_run(actor, run):
        raise NotFound(_("No such import."))
    record_audit(
        actor=actor,
        action="export",
        object_type="import_errors",
        object_id=run.pk,
        changes={"rows": run.failed, "format": "csv", "language": language},
    )
    return run, error_csv_chunks(field_errors(run), language)


def forget_old_import_data() -> int:
    """Delete what finished imports keep of people after the keeping period; runs touched.

    The failed rows' values (for the error file) and the values before (for the undo) are
    personal data: they go after ``DOSSIER_IMPORT_KEEP_DAYS`` (30). The run's record and
    counts stay; its undo is refused from then on. The worker's clock calls it.
    """
    days = getattr(settings, "DOSSIER_IMPORT_KEEP_DAYS", 30)
    cutoff = timezone.now() - timedelta(days=days)
    old = ImportRun.objects.filter(finished_at__lt=cutoff, data_forgotten_at__isnull=True)
    count = 0
    for run in old.iterator():
        with transaction.atomic():
            ImportBatch.objects.filter(run=run).update(errors="")
            ImportChange.objects.filter(run=run).delete()
            ImportRun.objects.filter(pk=run.pk).update(data_forgotten_at=timezone.now())
        count += 1
    return count
