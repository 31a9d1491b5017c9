"""Import runs: what was read, what became of every row, and what it takes to undo it.

A run is written batch by batch. Each :class:`ImportBatch` row is saved in the same
transaction as the customers it wrote, so it is the checkpoint: a worker killed mid-run
resumes after the last batch on record, and no row is applied twice or lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.protection.fields import EncryptedJSONField
from dossier.templates.models import Template


class ImportRun(models.Model):
    """One file imported (or being imported) by one user."""

    DRAFT, QUEUED, RUNNING, COMPLETED = "draft", "queued", "running", "completed"
    REFUSED, FAILED, UNDONE = "refused", "failed", "undone"
    STATUSES = [
        (DRAFT, _("draft")),
        (QUEUED, _("queued")),
        (RUNNING, _("running")),
        (COMPLETED, _("completed")),
        (REFUSED, _("file refused")),
        (FAILED, _("failed")),
        (UNDONE, _("undone")),
    ]
    MODES = ["create", "update", "upsert"]

    kind = models.CharField(max_length=16, default="customers")
    status = models.CharField(max_length=16, choices=STATUSES, default=QUEUED, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(Template, null=True, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.BigIntegerField(default=0)
    #: the uploaded copy a background run reads (under the data directory); "" for the CLI
    stored_file = models.CharField(max_length=500, blank=True)
    #: header → field key (None: the column is not imported)
    mapping = models.JSONField(default=dict)
    #: mode, match_on, encoding, sheet, delimiter, dry_run
    options = models.JSONField(default=dict)
    language = models.CharField(max_length=16, default="zh-hans")

    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    #: data rows the reading found so far and, once known, in all (for the progress bar)
    expected_rows = models.PositiveIntegerField(null=True, blank=True)
    #: why the file could not be read (one line), or what stopped the run
    reason = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: the worker holding the run and when it last said so (a dead worker's run is taken over)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    #: when the error rows' values and the undo data were deleted (the keeping period ended)
    data_forgotten_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["actor", "-id"], name="import_run_actor")]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.file_name})"

    @property
    def finished(self) -> bool:
        return self.status in {self.COMPLETED, self.REFUSED, self.FAILED, self.UNDONE}

    def summary(self) -> dict[str, Any]:
        """The counts the CLI's ``--json`` prints and the API returns."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }


class ImportBatch(models.Model):
    """One committed batch of a run: its rows' outcome, the checkpoint, the error rows.

    ``errors`` holds the failed rows' original values (a mistyped phone is still someone's
    phone), so it is encrypted; ``created_ids`` packs the new customers' ids (16 bytes each)
    for the undo, which needs no more about them.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    #: file lines (CSV) or sheet rows of the batch's first and last data rows
    first_line = models.PositiveIntegerField()
    last_line = models.PositiveIntegerField()
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    created_ids = models.BinaryField(default=b"")
    #: how complete the customers it created or updated are (``quality.completeness_of``)
    quality = models.JSONField(default=dict, blank=True)
    #: [line, column header, field key, original value, code, message en, message zh]
    errors = EncryptedJSONField(context="transfer.import_errors", default=list)

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="import_batch_once")]

    def created_customer_ids(self) -> list[uuid.UUID]:
        data = bytes(self.created_ids)
        return [uuid.UUID(bytes=data[i : i + 16]) for i in range(0, len(data), 16)]


def pack_ids(ids: Iterable[uuid.UUID]) -> bytes:
    return b"".join(i.bytes for i in ids)


class ImportChange(models.Model):
    """A customer an import changed, with its values before (encrypted), for the undo.

    Registered as customer data: an erasure deletes these rows, so an undo can never bring
    erased values back.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="changes")
    customer_id = models.UUIDField(db_index=True)
    #: the customer's version the import left; an undo restores only if nobody changed it since
    version = models.PositiveIntegerField()
    before = EncryptedJSONField(context="transfer.import_before")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "customer_id"], name="import_change_once")
        ]


def error_row(
    line: int, column: str, field: str, value: Any, code: str, messages: Sequence[str]
) -> list[Any]:
    """One entry of :attr:`ImportBatch.errors`."""
    shown = "" if value is None else str(value)
    return [line, column, field, shown[:1000], code, messages[0], messages[1]]


class SavedMapping(models.Model):
    """The column names a template's imports used, remembered for the next file."""

    template = models.OneToOneField(Template, on_delete=models.CASCADE, related_name="+")
    #: header → field key, as last confirmed
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
