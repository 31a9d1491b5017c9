"""Webhook subscriptions and the log of what was sent to them.

A subscription belongs to a user (its owner): what its deliveries carry is what the owner may
see, masked as the owner's role requires. Deliveries keep no payload: the body is built at
each attempt from the data as it is then, so a retry after an erasure, or after the owner lost
access, sends nothing the owner may no longer see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.outbox.models import Event
from dossier.protection.fields import EncryptedTextField

#: the event name of a test delivery (not an outbox event)
PING = "ping"


class Subscription(models.Model):
    """Where to send which events, signed with a secret, seen through the owner's eyes."""

    id = models.BigAutoField(primary_key=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.CharField(_("target URL"), max_length=2000)
    #: names from outbox.models.EVENT_NAMES, in that order
    events = models.JSONField(_("events"), default=list)
    #: the HMAC key the receiver verifies signatures with; shown once, at creation
    secret = EncryptedTextField(_("secret"), context="webhook.secret")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["owner", "-id"], name="webhook_owner_id")]
        permissions = [("manage_subscription", "Can manage webhook subscriptions")]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event (or a ping) to send to one subscription, with its retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    id = models.BigAutoField(primary_key=True)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    #: None for a ping
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event_name = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    #: when the next attempt is due (pending only)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    #: when a worker took it to send (a claim older than a few minutes is a crashed worker's)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    #: why the last attempt failed, or why nothing was sent (skipped); never a payload
    last_error = models.CharField(max_length=200, blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["subscription", "-id"], name="delivery_subscription_id"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} → {self.subscription_id} ({self.status})"

    @property
    def is_ping(self) -> bool:
        return self.event_id is None


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery: what came back and how long it took."""

    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_once")
        ]

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
