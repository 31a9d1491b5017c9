"""Verified contact values, the one-time codes that prove them, and each template's rule.

No value is stored in plaintext: a verification names the value by its blind index
(``protection.disclosure.lookup_digest``), the same digest ``customers.CustomerLookup`` keeps
for the customer's current value. A verification counts only while the two are equal, so
editing the value clears it without any code having to remember to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.customers.models import Customer
from dossier.templates.models import Template


class Method(models.TextChoices):
    CODE = "code", _("Code sent and read back")
    SELF_SERVICE = "self_service", _("Confirmed by the customer")
    STAFF_CALL = "staff_call", _("Confirmed by a phone call")
    IMPORT = "import", _("Verified before import")


class ContactVerification(models.Model):
    """One value of a contact field of a customer was verified (the value by its digest)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    field = models.CharField(max_length=64)
    #: blind index of the verified value (``lookup_digest(type, value)``)
    digest = models.CharField(max_length=64)
    verified_at = models.DateTimeField()
    method = models.CharField(max_length=16, choices=Method.choices)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "field", "digest"], name="verification_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field} {self.method} {self.verified_at}"


class VerificationCode(models.Model):
    """A one-time code sent to a value: only a keyed hash is kept, with an expiry.

    ``customer`` is empty for a value checked before any customer exists (a public capture
    form); ``field`` then holds the field type ("phone" or "email").
    """

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    field = models.CharField(max_length=64)
    #: blind index of the value the code went to: a code proves that value, no other
    value_digest = models.CharField(max_length=64)
    code_digest = models.CharField(max_length=64)
    via = models.CharField(max_length=8)  # "sms" or "email"
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    #: a newer code was sent, or too many wrong codes were tried
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "field", "created_at"], name="verification_code_sent"),
            models.Index(fields=["value_digest", "created_at"], name="verification_code_value"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field} until {self.expires_at}"


class RequiredVerification(models.Model):
    """A contact field of a template that must be verified before a customer counts as active."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "field"], name="required_verification")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} {self.field}"
