"""Self-service update campaigns: a signed link to each customer, asking them to check their data.

A campaign goes draft → sending → sent → closed. Each recipient moves pending → sent →
opened → updated; those who could not be sent to end as "no channel" (no consent on the
campaign's channel) or "failed" (with the reason); those who did not update before the
campaign's window closed end as "no answer".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.accounts.models import Team
from dossier.consent.models import Channel, Purpose
from dossier.customers.models import Customer
from dossier.insights.models import Segment
from dossier.privacy.models import SelfServiceLink

#: a link travels in a text message or an e-mail; a call, WeChat or a letter cannot carry it
CHANNEL_CHOICES = [(str(c.value), c.label) for c in (Channel.SMS, Channel.EMAIL)]


class UpdateCampaign(models.Model):
    """One round of "please check your data" links to a segment or a list of customers."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        CLOSED = "closed", _("closed")

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="+", verbose_name=_("consent purpose")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=CHANNEL_CHOICES)
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: on whose authority the links were issued (corrections are saved as them)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    #: None: no reminder
    remind_after_days = models.PositiveSmallIntegerField(_("remind after days"), null=True)
    window_days = models.PositiveSmallIntegerField(_("days to answer"), default=14)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "closes_at"], name="outreach_campaign_state")]

    def __str__(self) -> str:
        return self.name


class UpdateRecipient(models.Model):
    """One customer of a campaign and how far they went."""

    class State(models.TextChoices):
        PENDING = "pending", _("not sent yet")
        SENT = "sent", _("sent")
        OPENED = "opened", _("opened")
        UPDATED = "updated", _("updated")
        NO_CHANNEL = "no_channel", _("no channel")
        FAILED = "failed", _("failed")
        NO_ANSWER = "no_answer", _("no answer")

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(
        UpdateCampaign, on_delete=models.CASCADE, related_name="recipients"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(
        SelfServiceLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: which issue of the customer's one link row is this campaign's (a newer one replaces it)
    link_issued_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    #: the keys the customer corrected (names only, never values)
    updated_fields = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="outreach_recipient_once")
        ]
        indexes = [
            models.Index(fields=["campaign", "state"], name="outreach_recipient_state"),
            models.Index(fields=["customer", "updated_at"], name="outreach_recipient_customer"),
            models.Index(fields=["link", "link_issued_at"], name="outreach_recipient_link"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.customer_id} {self.state}"
