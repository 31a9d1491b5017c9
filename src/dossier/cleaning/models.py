"""Cleaning runs and the suggestions they make, for people to accept or reject."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.accounts.models import Team
from dossier.customers.models import Customer
from dossier.protection.fields import EncryptedTextField


class CleaningRun(models.Model):
    """One pass over the customers its starter may change: what it looked at and found.

    ``unparsed`` lists addresses reported instead of split (customer id and problem code);
    ``failures`` lists the profiles a re-validation found invalid, in the shape of a profile
    migration's report (customer id, then field, code and message of each error). Neither
    holds a value.
    """

    ADDRESSES, TYPOS, REVALIDATE = "addresses", "typos", "revalidate"
    KINDS = [
        (ADDRESSES, _("Standardise addresses")),
        (TYPOS, _("Fix typing slips")),
        (REVALIDATE, _("Re-validate profiles")),
    ]
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [
        (QUEUED, _("queued")),
        (RUNNING, _("running")),
        (DONE, _("done")),
        (FAILED, _("failed")),
    ]

    kind = models.CharField(max_length=16, choices=KINDS)
    state = models.CharField(max_length=16, choices=STATES, default=QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the starter's team when the run began: their manager sees the run too
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    examined = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    unparsed = models.JSONField(default=list, blank=True)
    failures = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    #: the starter's language: the report's messages are written in it
    language = models.CharField(max_length=16, default="zh-hans")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class CleaningSuggestion(models.Model):
    """A proposed change of one field of one customer, with the reason for it.

    Both values are stored encrypted (the address is personal data); ``base_version`` is the
    customer's version they were read from, so accepting after someone else changed the
    customer is a conflict instead of an overwrite.
    """

    PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
    STATES = [(PENDING, _("pending")), (ACCEPTED, _("accepted")), (REJECTED, _("rejected"))]

    run = models.ForeignKey(CleaningRun, on_delete=models.CASCADE, related_name="suggestions")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=64)
    current_value = EncryptedTextField(context="cleaning.current")
    suggested_value = EncryptedTextField(context="cleaning.suggested")
    reason = models.CharField(max_length=32)
    base_version = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=STATES, default=PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["customer_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "customer", "field"], name="cleaning_once")
        ]
        indexes = [models.Index(fields=["customer", "state"], name="cleaning_customer_state")]
