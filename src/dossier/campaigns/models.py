"""Campaigns: a message on one channel for one consent purpose, and the customers it reaches.

A customer becomes a member only while the consent ledger says they may be contacted on the
campaign's channel for its purpose, and no restriction or objection keeps them out of
marketing. A member then moves invited → responded → converted; a conversion may name the
order it led to (by reference: the orders app is not a dependency of this one).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.consent.models import CONTACT_CHANNELS, Purpose
from dossier.customers.models import Customer

#: the channels a campaign may use: those the consent ledger records consent on
CHANNEL_CHOICES = [(str(c.value), c.label) for c in CONTACT_CHANNELS]


class Campaign(models.Model):
    """A marketing campaign (双十一会员日 …): channel, consent purpose, status and dates."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=CHANNEL_CHOICES)
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="+", verbose_name=_("consent purpose")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class CampaignMember(models.Model):
    """One customer in a campaign, and how far they went (invited, responded, converted)."""

    class Status(models.TextChoices):
        INVITED = "invited", _("invited")
        RESPONDED = "responded", _("responded")
        CONVERTED = "converted", _("converted")

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.INVITED
    )
    invited_at = models.DateTimeField(_("invited"))
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    #: the order a conversion led to, as the orders app or a shop system names it
    order_ref = models.CharField(_("order reference"), max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_member_once")
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="campaign_member_status"),
            models.Index(fields=["customer"], name="campaign_member_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.customer_id} {self.status}"


#: how far each member status is along the way (a member never moves back)
STATUS_RANK = {
    CampaignMember.Status.INVITED: 0,
    CampaignMember.Status.RESPONDED: 1,
    CampaignMember.Status.CONVERTED: 2,
}
