"""Feedback (suggestions, complaints, praise, with CSAT and NPS) and simple surveys.

What a customer wrote is personal data and encrypted at rest; kinds, scores and statuses are
plain columns for the figures and reports, and stay (the text blanked) through erasure.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossier.customers.models import Customer
from dossier.protection.fields import EncryptedJSONField, EncryptedTextField


class Kind(models.TextChoices):
    SUGGESTION = "suggestion", _("suggestion")
    COMPLAINT = "complaint", _("complaint")
    PRAISE = "praise", _("praise")


class Status(models.TextChoices):
    NEW = "new", _("new")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")


class Feedback(models.Model):
    """What a customer told us about us: a suggestion, a complaint or praise, maybe scored."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    #: customer satisfaction 1–5 and net promoter 0–10, when the customer gave them
    csat = models.PositiveSmallIntegerField(_("CSAT"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS"), null=True, blank=True)
    text = EncryptedTextField(_("text"), context="feedback.text")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default="new")
    resolution = EncryptedTextField(_("resolution"), context="feedback.resolution")
    #: the order it is about, as the shop names it (not a link: orders may live elsewhere)
    order_ref = models.CharField(_("order"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "feedback"
        indexes = [
            models.Index(
                fields=["customer", "-received_at", "-id"], name="feedback_customer_newest"
            ),
            models.Index(fields=["status", "kind", "-received_at"], name="feedback_status_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.received_at:%Y-%m-%d}"


class Survey(models.Model):
    """A short questionnaire: its questions, each of a type (csat, nps, choice, text).

    ``questions`` holds ``{"key", "text_zh", "text_en", "type", "choices", "required"}`` dicts;
    once answered a survey does not change (answers name its question keys).
    """

    id = models.BigAutoField(primary_key=True)
    title = models.CharField(_("title"), max_length=200)
    questions = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class SurveyResponse(models.Model):
    """One customer's answers to a survey.

    ``answers`` holds the scored and chosen answers (general data); ``text_answers`` what
    the customer wrote, encrypted. ``csat`` and ``nps`` repeat the survey's CSAT and NPS
    answers as columns, for the figures and the summary.
    """

    id = models.BigAutoField(primary_key=True)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict)
    text_answers = EncryptedJSONField(context="survey_response.text_answers")
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["survey", "-submitted_at", "-id"], name="response_survey_newest"),
            models.Index(fields=["customer", "-submitted_at"], name="response_customer_newest"),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} to survey {self.survey_id}"

    def every_answer(self) -> dict[str, Any]:
        """The chosen and the written answers together, by question key."""
        written: dict[str, Any] = cast(dict[str, Any], self.text_answers)
        return {**self.answers, **written}
