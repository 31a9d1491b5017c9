"""Duplicate scans, the review queue of likely duplicates, and merges that can be undone.

Nothing here holds a customer's values in plaintext: a pair's explanation keeps which field
agreed and how strongly, and pages show the values from the customers themselves, masked as
the viewer's role requires. A merge's before-state keeps encrypted values as their stored
envelopes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.protection.fields import EncryptedJSONField


class DuplicateScan(models.Model):
    """One run of the duplicate scan over every customer."""

    QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"
    STATUSES = [
        (QUEUED, _("queued")),
        (RUNNING, _("running")),
        (COMPLETED, _("completed")),
        (FAILED, _("failed")),
    ]

    status = models.CharField(max_length=16, choices=STATUSES, default=QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    customers = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    groups = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]


class DuplicateGroup(models.Model):
    """Customers the scan (or an entry check) found likely to be one: a review-queue item."""

    OPEN, MERGED, DISMISSED = "open", "merged", "dismissed"
    STATUSES = [(OPEN, _("to review")), (MERGED, _("merged")), (DISMISSED, _("not duplicates"))]

    scan = models.ForeignKey(
        DuplicateScan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=STATUSES, default=OPEN, db_index=True)
    #: sorted member ids joined: one open group per set of customers across scans
    members_key = models.CharField(max_length=64, db_index=True)
    score = models.FloatField(default=0)
    #: every compared pair: {"a", "b", "score", "decision", "rule", "reasons": [...]}, where a
    #: reason is {"field", "outcome", "weight", "via", "similarity"}: never the values
    pairs = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    merge = models.ForeignKey(
        "Merge", null=True, blank=True, on_delete=models.SET_NULL, related_name="groups"
    )

    class Meta:
        ordering = ["-score", "id"]


class DuplicateMember(models.Model):
    """One customer of a duplicate group (access control filters groups through these)."""

    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="members")
    customer_id = models.UUIDField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "customer_id"], name="duplicate_member_once")
        ]


class Merge(models.Model):
    """Customers merged into a survivor; undone by restoring every row it changed."""

    survivor_id = models.UUIDField(db_index=True)
    merged_ids = models.JSONField(default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    #: survivorship rule and the customer each field's value came from
    rule = models.CharField(max_length=16, default="manual")
    choices = models.JSONField(default=dict)
    #: customer id → table label → sha256 of its rows as the merge left them: an un-merge
    #: goes ahead only while nothing has changed them since
    after_digests = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]


class MergeSnapshot(models.Model):
    """One customer's rows before a merge (customer, lookups and every re-pointed table).

    Personal data: it goes with the customer's erasure, after which the merge cannot be undone.
    """

    merge = models.ForeignKey(Merge, on_delete=models.CASCADE, related_name="snapshots")
    customer_id = models.UUIDField(db_index=True)
    survivor = models.BooleanField(default=False)
    #: table label → rows, each column as stored (encrypted columns as their envelope and
    #: value: see ``snapshots``); the whole is encrypted, so rotation re-seals it
    rows = EncryptedJSONField(context="merge.snapshot")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merge", "customer_id"], name="merge_snapshot_once")
        ]
