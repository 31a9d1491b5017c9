"""A bulk action: one change asked for many customers, its progress and what undo needs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BulkAction(models.Model):
    """One action on a selection of customers (a list of ids or the list's filters).

    ``cursor`` is the last customer id handled (customers are handled in id order), so a
    worker that stops part-way resumes after it. ``undo`` holds, per customer changed, what
    it had before and the version the change left (undo restores only customers still at it).
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Kind(models.TextChoices):
        ADD_TAG = "add_tag", _("Add tag")
        REMOVE_TAG = "remove_tag", _("Remove tag")
        CHANGE_OWNER = "change_owner", _("Change owner")
        CHANGE_LIFECYCLE = "change_lifecycle", _("Change lifecycle")
        EXPORT = "export", _("Export")
        DELETE = "delete", _("Delete")
        ADD_TO_CAMPAIGN = "add_to_campaign", _("Add to campaign")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_actions"
    )
    action = models.CharField(_("action"), max_length=32, choices=Kind.choices)
    parameters = models.JSONField(default=dict, blank=True)
    #: the list's filters, when the selection is "everything matching"
    filters = models.JSONField(null=True, blank=True)
    #: the customer ids chosen, when the selection is a list (sorted, once each)
    ids = models.JSONField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    #: {"customer", "code", "reason"} of customers left as they were (at most MAX_LISTED)
    failures = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    cursor = models.CharField(max_length=64, blank=True, default="")
    #: customer id → {"before": …, "version": …} for the actions undo can reverse
    undo = models.JSONField(default=dict, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: what undo did: {"restored": n, "skipped": [{"customer", "code", "reason"}]}
    undo_report = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["actor", "-id"], name="bulk_actor_newest")]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def busy(self) -> bool:
        """Running, or being undone: a page showing it asks again."""
        return not self.finished or (self.undone_at is not None and not self.undo_report)

    @property
    def handled(self) -> int:
        return self.done + self.failed

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.handled * 100 // self.total)
