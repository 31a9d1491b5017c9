"""The consent ledger: purposes, append-only consent events and double opt-in confirmations.

State machine of one customer × purpose × channel, read from its events in order:

    (nothing) ──granted──▶ GRANTED ──withdrawn──▶ WITHDRAWN ──granted──▶ GRANTED …
        └──────withdrawn──────────────────────────▲ (an explicit refusal)

``granted`` and ``withdrawn`` are the *decisive* actions: the latest of them is the state.
``requested`` (a double opt-in code was sent) never changes the state; the customer's
confirmation appends a ``granted`` event with source ``double_opt_in``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dossier.audit.append_only import AppendOnlyModel
from dossier.customers.models import Customer


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone call")
    WECHAT = "wechat", _("WeChat")
    POST = "post", _("Post")
    #: only for purposes that do not depend on a channel (sensitive data, third parties)
    ANY = "any", _("All channels")


CONTACT_CHANNELS = [c for c in Channel if c != Channel.ANY]


class Action(models.TextChoices):
    REQUESTED = "requested", _("confirmation requested")
    GRANTED = "granted", _("granted")
    WITHDRAWN = "withdrawn", _("withdrawn")


DECISIVE_ACTIONS = (Action.GRANTED, Action.WITHDRAWN)


class Source(models.TextChoices):
    FORM = "form", _("web form")
    IMPORT = "import", _("import")
    API = "api", _("API")
    SELF_SERVICE = "self_service", _("self-service")
    STAFF = "staff", _("recorded by staff")
    DOUBLE_OPT_IN = "double_opt_in", _("double opt-in")


class Purpose(models.Model):
    """Something customers consent to (marketing, sharing with third parties …)."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    #: separate consent for sensitive personal information (PIPL art. 29)
    sensitive_data = models.BooleanField(_("sensitive personal information"), default=False)
    #: a grant from a web form or the API must be confirmed by the customer with a code
    requires_double_opt_in = models.BooleanField(_("requires double opt-in"), default=False)
    #: consent is given per channel (e-mail, SMS …); otherwise once, on channel "any"
    per_channel = models.BooleanField(_("per channel"), default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = get_language() or "zh-hans"
        return self.name_zh if language.startswith("zh") or not self.name_en else self.name_en

    @property
    def description(self) -> str:
        language = get_language() or "zh-hans"
        chinese = language.startswith("zh") or not self.description_en
        return self.description_zh if chinese else self.description_en

    def channels(self) -> list[str]:
        """The channels consent to this purpose is recorded on."""
        return [str(c) for c in CONTACT_CHANNELS] if self.per_channel else [str(Channel.ANY)]


class ConsentEvent(AppendOnlyModel):
    """One thing that happened to a customer's consent: append-only, the ledger's evidence."""

    # indexed by "consent_customer", which starts with customer_id
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="events")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    notice_version = models.CharField(_("notice version"), max_length=50, blank=True)
    #: ip, user_agent, staff (user name), reference, confirmation (id), deliver_via
    evidence = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # PROTECT: a user who recorded consent is deactivated, never deleted (SET_NULL would
    # UPDATE the ledger, which the database refuses)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["purpose", "channel", "customer"], name="consent_purpose_channel"),
            models.Index(fields=["customer", "purpose", "channel"], name="consent_customer"),
        ]
        permissions = [("manage_consent", "Can record consent for customers")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose_id}/{self.channel} {self.action}"


class ConsentConfirmation(models.Model):
    """A double opt-in code sent to a customer: only its keyed hash is kept, with an expiry."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    code_digest = models.CharField(max_length=64, unique=True)
    deliver_via = models.CharField(max_length=16)
    request_event = models.OneToOneField(
        ConsentEvent, on_delete=models.PROTECT, related_name="confirmation"
    )
    grant_event = models.OneToOneField(
        ConsentEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    #: set when the consent was withdrawn or a newer code was sent before this one was used
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "purpose", "channel"], name="confirmation_subject")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose_id}/{self.channel} until {self.expires_at}"
