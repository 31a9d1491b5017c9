"""The sales pipeline: stages per template scenario, opportunities and their stage history.

An opportunity belongs to a customer and sits in one stage of the customer's template
scenario. Stages are open (lead, qualified, proposal, negotiation …), won or lost; moving to a
won or lost stage closes the opportunity and needs a reason, moving back to an open stage
reopens it. Every move is kept as a :class:`StageChange`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dossier.customers.models import Customer
from dossier.protection.fields import EncryptedTextField
from dossier.templates.models import Scenario


class Stage(models.Model):
    """One column of a scenario's pipeline, with the probability an opportunity there starts at."""

    class Kind(models.TextChoices):
        OPEN = "open", _("open")
        WON = "won", _("won")
        LOST = "lost", _("lost")

    scenario = models.CharField(_("scenario"), max_length=32, choices=Scenario.choices)
    key = models.SlugField(_("key"), max_length=32)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    #: the probability (percent) an opportunity gets when it moves here
    probability = models.PositiveSmallIntegerField(_("probability"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OPEN)

    class Meta:
        ordering = ["scenario", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "key"], name="stage_scenario_key"),
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="stage_probability_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario}:{self.key}"

    @property
    def name(self) -> str:
        language = get_language() or "zh-hans"
        return self.name_zh if language.startswith("zh") or not self.name_en else self.name_en

    @property
    def closes(self) -> bool:
        """Whether an opportunity moved here is closed (won or lost)."""
        return self.kind != self.Kind.OPEN


class Opportunity(models.Model):
    """A possible sale to a customer: how much, how likely, by when, and what comes next."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("stage")
    )
    probability = models.PositiveSmallIntegerField(_("probability"), default=0)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    # free text typed by staff may name people: encrypted at rest, erased with the customer
    next_step = EncryptedTextField(_("next step"), context="opportunity.next_step")
    won_reason = EncryptedTextField(_("won reason"), context="opportunity.won_reason")
    lost_reason = EncryptedTextField(_("lost reason"), context="opportunity.lost_reason")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    stage_changed_at = models.DateTimeField(_("stage changed"))
    #: the last change of any kind (a move, an edit); the stale sweep looks at it
    last_activity_at = models.DateTimeField(_("last activity"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    #: when the stale sweep made a follow-up for it; cleared by the next activity
    stale_flagged_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["customer", "-id"], name="opportunity_customer"),
            models.Index(fields=["stage", "-stage_changed_at"], name="opportunity_stage"),
            models.Index(fields=["owner", "-id"], name="opportunity_owner"),
            # the stale sweep reads only open opportunities not yet flagged
            models.Index(
                fields=["last_activity_at"],
                condition=Q(closed_at__isnull=True, stale_flagged_at__isnull=True),
                name="opportunity_stale_watch",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="opportunity_probability_percent"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class StageChange(models.Model):
    """One move of an opportunity from a stage to another (the first has no ``from_stage``)."""

    id = models.BigAutoField(primary_key=True)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="history")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    probability = models.PositiveSmallIntegerField(default=0)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [
            models.Index(fields=["opportunity", "changed_at"], name="stage_change_opportunity"),
            models.Index(fields=["customer"], name="stage_change_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"
