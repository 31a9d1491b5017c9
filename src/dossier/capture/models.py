"""Public capture forms and what was sent through them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dossier.accounts.models import Team
from dossier.customers.models import Customer
from dossier.templates.models import Template


class VerifyVia(models.TextChoices):
    NONE = "", _("no check")
    SMS = "sms", _("phone (SMS code)")
    EMAIL = "email", _("e-mail (code)")


class CaptureForm(models.Model):
    """A public form built from a template's chosen fields, published at /f/<slug>/."""

    slug = models.SlugField(_("link name"), max_length=64, unique=True)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="+")
    #: keys of the template's fields the form asks for, in order
    fields = models.JSONField(default=list)
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    intro = models.TextField(_("introduction"), max_length=2000, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: purpose keys offered as tick boxes, recorded on ``consent_channel``
    consents = models.JSONField(default=list)
    consent_channel = models.CharField(_("consent channel"), max_length=16, blank=True)
    notice_version = models.CharField(_("privacy notice version"), max_length=50, blank=True)
    #: the customer's "source" choice (store, event, web …); the form itself is on the submission
    source = models.CharField(_("source"), max_length=32, default="web")
    #: "lead" makes leads; blank leaves the template's default
    lifecycle = models.CharField(_("lifecycle"), max_length=32, default="lead", blank=True)
    verify_via = models.CharField(
        _("verify by code"), max_length=8, choices=VerifyVia.choices, blank=True, default=""
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.slug

    @property
    def require_verification(self) -> bool:
        return bool(self.verify_via)

    @property
    def title(self) -> str:
        language = get_language() or "zh-hans"
        return self.title_zh if language.startswith("zh") or not self.title_en else self.title_en


class Status(models.TextChoices):
    #: waiting for the code; the values wait in ``pending_values``, no customer yet
    PENDING = "pending", _("waiting for the code")
    CREATED = "created", _("new customer")
    #: likely someone on file: attached to them, their owner has a task
    MATCHED = "matched", _("matched an existing customer")
    EXPIRED = "expired", _("code never confirmed")


class CaptureSubmission(models.Model):
    """One submission of a capture form (the customer's provenance)."""

    #: what the submitter's browser holds to confirm the code (not guessable, not sequential)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(CaptureForm, on_delete=models.PROTECT, related_name="submissions")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    #: keyed hash of the client address: counts abuse without keeping the address
    client_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    #: purpose keys ticked
    consents = models.JSONField(default=list)
    #: the submitted values while the code is awaited; emptied when confirmed or expired
    pending_values = models.JSONField(default=dict, blank=True)
    code_digest = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["form", "created_at"], name="capture_form_created")]

    def __str__(self) -> str:
        return f"{self.form_id} {self.status} {self.created_at:%Y-%m-%d}"

    @property
    def source_label(self) -> str:
        return f"form:{self.form.slug}"
