"""Follow-ups (回访/跟进): tasks about a customer, due at a time, for a member of staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossier.customers.models import Customer
from dossier.protection.fields import EncryptedTextField


class Task(models.Model):
    """Something to do about a customer by a time; may name what caused it (a complaint …)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks")
    #: may name the customer or their affairs: personal, encrypted at rest (at most 200
    #: characters, checked by the service)
    title = EncryptedTextField(_("title"), context="followups.task_title")
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("assignee"),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    #: what caused it ("feedback", "ticket", "opportunity" … and that row's id); empty: by hand
    cause_kind = models.CharField(max_length=30, blank=True)
    cause_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # not auto_now_add: demo data and imports bring their own times
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    #: when task.due was announced for it (the sweep announces each task once)
    due_announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_due"),
            models.Index(fields=["customer", "status"], name="task_customer_status"),
            models.Index(fields=["cause_kind", "cause_id"], name="task_cause"),
            # the due sweep reads only open tasks not announced yet
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="open", due_announced_at__isnull=True),
                name="task_due_unannounced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.due_at:%Y-%m-%d %H:%M})"
