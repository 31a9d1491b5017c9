"""Interactions: every contact with a customer (a call, a visit, a WeChat chat) and internal notes.

What was said is personal data: the subject, the notes and the next step are encrypted at
rest. How, when, how long and with what outcome are plain columns: they feed the timeline,
the figures and reports, and they stay (with the text blanked) when the customer is erased.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.customers.models import Customer
from dossier.protection.fields import EncryptedTextField


class Channel(models.TextChoices):
    PHONE = "phone", _("phone call")
    HOTLINE = "hotline", _("hotline")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    SOCIAL = "social", _("social media")
    VISIT = "visit", _("visit")
    MEETING = "meeting", _("meeting")
    LIVE_CHAT = "live_chat", _("live chat")
    NOTE = "note", _("internal note")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("inbound")
    OUTBOUND = "outbound", _("outbound")
    INTERNAL = "internal", _("internal")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("resolved")
    FOLLOW_UP = "follow_up", _("needs follow-up")
    NO_ANSWER = "no_answer", _("no answer")
    VOICEMAIL = "voicemail", _("left a message")
    NOT_INTERESTED = "not_interested", _("not interested")
    ESCALATED = "escalated", _("escalated")


class Interaction(models.Model):
    """One contact with a customer, or an internal note about them."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("time"))
    duration_seconds = models.PositiveIntegerField(_("duration"), null=True, blank=True)
    subject = EncryptedTextField(_("subject"), context="interaction.subject")
    notes = EncryptedTextField(_("notes"), context="interaction.notes")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    next_step = EncryptedTextField(_("next step"), context="interaction.next_step")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("staff member"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["customer", "-occurred_at", "-id"], name="interaction_customer_newest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_contact(self) -> bool:
        """Whether it was contact with the customer (an internal note is not)."""
        return is_contact(self.channel, self.direction)


def is_contact(channel: str, direction: str) -> bool:
    """The rule of ``last_interaction_at``: notes and internal entries do not count."""
    return channel != Channel.NOTE and direction != Direction.INTERNAL
