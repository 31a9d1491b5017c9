"""Every write of the import: start a run, run it (or take over a stalled one), undo it,
remember a mapping."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached
from dossier.audit.services import record_audit
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import may
from dossier.customers.models import Customer
from dossier.customers.services import check_may_create, remove_created_customers, upsert_customers
from dossier.templates.models import Template
from dossier.transfer.importing.engine import Progress, run_import
from dossier.transfer.importing.orders import run_order_import
from dossier.transfer.importing.plan import ImportOptions, template_specs
from dossier.transfer.models import ImportChange, ImportRun, SavedMapping


def file_digest(path: str | Path) -> tuple[str, int]:
    """The file's sha256 (hex) and size."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_may_import(actor: User, template: Template, mode: str) -> None:
    """403 unless the actor may write customers of the template the way ``mode`` does."""
    if mode == "update":
        if not may(actor, "customers.change_customer"):
            raise PermissionDenied(_("You may not change customers."))
        return
    check_may_create(actor, template)


@transaction.atomic
def start_order_import(
    *,
    actor: User,
    path: str | Path,
    file_name: str,
    source: str = "import",
    mapping: Mapping[str, str | None] | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
    sheet: str | None = None,
    language: str = "zh-hans",
) -> ImportRun:
    """Record a queued run of an order file (a row per order line)."""
    if not may(actor, "orders.add_order"):
        raise PermissionDenied(_("You may not record orders."))
    sha256, size = file_digest(path)
    return ImportRun.objects.create(
        kind="orders",
        actor=actor,
        file_name=Path(file_name).name[:255],
        file_sha256=sha256,
        file_size=size,
        mapping=dict(mapping or {}),
        options={"source": source, "dry_run": dry_run, "encoding": encoding, "sheet": sheet},
        language=language,
    )


@transaction.atomic
def start_import(
    *,
    actor: User,
    template: Template,
    path: str | Path,
    file_name: str,
    mapping: Mapping[str, str | None] | None = None,
    options: ImportOptions | None = None,
    stored_file: str = "",
    language: str = "zh-hans",
) -> ImportRun:
    """Record a queued run of the file; :func:`execute_import` (or a worker) runs it."""
    options = options or ImportOptions()
    check_may_import(actor, template, options.mode)
    sha256, size = file_digest(path)
    return ImportRun.objects.create(
        kind="customers",
        actor=actor,
        template=template,
        file_name=Path(file_name).name[:255],
        file_sha256=sha256,
        file_size=size,
        stored_file=stored_file,
        mapping=dict(mapping or {}),
        options=options.as_json(),
        language=language,
    )


def execute_import(
    *, run: ImportRun, path: str | Path | None = None, progress: Progress | None = None
) -> ImportRun:
    """Run (or resume) a queued or claimed run; the file is ``path`` or the stored upload."""
    source = Path(path) if path is not None else Path(run.stored_file)
    if run.actor is None or not run.actor.is_active:
        run = _stop(run, _("The user who started the import is no longer active."))
    elif run.kind == "orders":
        run = run_order_import(run, source, progress=progress)
    else:
        run = run_import(run, source, progress=progress)
    if run.finished:
        forget_upload(run)
    return run


def forget_upload(run: ImportRun) -> None:
    """Delete the run's uploaded file (once it is imported, refused or discarded)."""
    if run.stored_file:
        Path(run.stored_file).unlink(missing_ok=True)
        ImportRun.objects.filter(pk=run.pk).update(stored_file="")
        run.stored_file = ""


def _stop(run: ImportRun, reason: str) -> ImportRun:
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.FAILED, reason=reason, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def stale_after() -> timedelta:
    """How long a running import may go without a heartbeat before another worker takes it."""
    return timedelta(seconds=getattr(settings, "DOSSIER_IMPORT_STALE_SECONDS", 120))


@transaction.atomic
def claim_run(run_id: int) -> ImportRun | None:
    """Take a queued run, or a running one whose worker went quiet; None if someone has it."""
    run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.finished:
        return None
    quiet = run.heartbeat_at is None or run.heartbeat_at < timezone.now() - stale_after()
    if run.status == ImportRun.RUNNING and not quiet:
        return None
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["heartbeat_at"])
    return run


def stalled_runs() -> list[int]:
    """Runs with an uploaded file whose worker stopped (killed, restarted) mid-run."""
    cutoff = timezone.now() - stale_after()
    return list(
        ImportRun.objects.filter(status=ImportRun.RUNNING, heartbeat_at__lt=cutoff)
        .exclude(stored_file="")
        .values_list("pk", flat=True)
    )


def may_manage_run(actor: User, run: ImportRun) -> bool:
    return run.actor_id == actor.pk or role_of_cached(actor) == roles.ADMIN


@dataclass
class UndoOutcome:
    removed: int = 0
    restored: int = 0
    kept: dict[str, int] = field(default_factory=dict)

    def keep(self, reason: str, count: int = 1) -> None:
        if count:
            self.kept[reason] = self.kept.get(reason, 0) + count


def undo_import(*, actor: User, run_id: int) -> UndoOutcome:
    """Remove what the run created and restore what it changed, batch by batch; audited.

    Only customers nobody changed since are touched; the others are counted as kept, with
    the reason. Erased customers stay erased (their values before were deleted with them).
    Running it again after an interruption finishes the job.
    """
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or not may_manage_run(actor, run):
        raise NotFound(_("No such import."))
    if run.options.get("dry_run"):
        raise Conflict(_("A dry run wrote nothing: there is nothing to undo."))
    if run.kind != "customers":
        # orders are never deleted: a wrong one is cancelled or refunded on its own page
        raise Conflict(_("An order import cannot be undone; cancel or refund the orders."))
    if run.status in {ImportRun.QUEUED, ImportRun.RUNNING}:
        raise Conflict(_("The import is still running; undo it once it has finished."))
    if run.status == ImportRun.UNDONE:
        raise Conflict(_("The import has already been undone."))
    if run.data_forgotten_at is not None:
        raise Conflict(_("The import's undo data was deleted when its keeping period ended."))
    outcome = UndoOutcome()
    for batch in run.batches.order_by("-number"):
        ids = batch.created_customer_ids()
        if ids:
            removal = remove_created_customers(
                actor=actor, customer_ids=ids, reason=f"import {run.pk} undone"
            )
            outcome.removed += len(removal.removed)
            for reason in removal.kept.values():
                outcome.keep(reason)
    _restore_changed(actor, run, outcome)
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.UNDONE, undone_at=timezone.now(), undone_by=actor
        )
        record_audit(
            actor=actor,
            action="import_undo",
            object_type="import_run",
            object_id=run.pk,
            changes={"removed": outcome.removed, "restored": outcome.restored, **outcome.kept},
        )
    return outcome


def _restore_changed(actor: User, run: ImportRun, outcome: UndoOutcome) -> None:
    template = run.template
    assert template is not None
    specs = template_specs(template)
    while True:
        changes = list(ImportChange.objects.filter(run=run).order_by("pk")[:500])
        if not changes:
            return
        with transaction.atomic():
            current = dict(
                Customer.objects.select_for_update()
                .filter(pk__in=[c.customer_id for c in changes], deleted_at__isnull=True)
                .values_list("pk", "version")
            )
            rows = []
            for change in changes:
                version = current.get(change.customer_id)
                if version is None:
                    outcome.keep("gone")
                elif version != change.version:
                    outcome.keep("changed")
                else:
                    before: dict[str, Any] = cast(dict[str, Any], change.before) or {}
                    rows.append(
                        {"id": str(change.customer_id), **{k: before.get(k) for k in specs}}
                    )
            if rows:
                result = upsert_customers(
                    actor=actor, template=template, rows=rows, create_missing=False
                )
                outcome.restored += len(result.updated) + len(result.unchanged)
                outcome.keep("refused", len(result.rejected_rows))
            ImportChange.objects.filter(pk__in=[c.pk for c in changes]).delete()


@transaction.atomic
def save_mapping(*, actor: User, template: Template, mapping: Mapping[str, str | None]) -> None:
    """Remember the headers' fields for the template's next import (only known fields)."""
    specs = template_specs(template)
    unknown = [key for key in mapping.values() if key and key not in specs and key != "id"]
    if unknown:
        raise ValidationFailed(
            _("The mapping names fields the template does not have."),
            errors=[FieldError("unknown_field", field="mapping", label=k) for k in unknown],
        )
    saved, _created = SavedMapping.objects.get_or_create(template=template)
    saved.mapping = {**saved.mapping, **{h: k for h, k in mapping.items() if k}}
    saved.updated_by = actor
    saved.save()


def summary(run: ImportRun, errors_file: str = "") -> dict[str, Any]:
    """The one-object summary of the CLI's ``--json`` (and the API); ``quality``: how complete
    the customers it created or updated are (None until the run is finished)."""
    return {
        **run.summary(),
        "errors_file": errors_file,
        "run": run.pk,
        "status": run.status,
        "quality": run.options.get("quality"),
    }
