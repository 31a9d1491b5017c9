"""Data quality: each customer's completeness and freshness, and per-template policies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.customers.models import Customer
from dossier.templates.models import Template


class TemplateQualityPolicy(models.Model):
    """How one template's customers are scored: field weights and how fast records age.

    ``weights`` maps field keys to weights; a field not named weighs its default (required
    fields 3, optional 1, see ``scoring``). A weight of 0 leaves a field out of the score.
    """

    template = models.OneToOneField(
        Template, on_delete=models.CASCADE, primary_key=True, related_name="quality_policy"
    )
    weights = models.JSONField(default=dict, blank=True)
    #: months after which freshness has decayed to 0
    freshness_months = models.PositiveSmallIntegerField(default=12)
    #: months without update, verification or interaction after which a record is stale
    stale_months = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"quality policy of {self.template_id}"


class CustomerQuality(models.Model):
    """One customer's quality figures, worked out by ``services.refresh_quality``."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="quality"
    )
    completeness = models.SmallIntegerField(_("completeness"), default=0)
    #: keys of the template version's fields without a value, in the version's order
    missing = models.JSONField(default=list, blank=True)
    freshness = models.SmallIntegerField(_("freshness"), default=0)
    #: latest of: profile update, interaction, contact verification
    last_activity_at = models.DateTimeField(null=True, blank=True)
    stale = models.BooleanField(default=False)
    #: one of the customer's current contact values is verified
    verified = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # the list's sort and bounds by completeness (the customer id breaks ties)
            models.Index(fields=["completeness", "customer"], name="quality_completeness_order"),
            models.Index(
                fields=["last_activity_at"], condition=models.Q(stale=True), name="quality_stale"
            ),
        ]

    def __str__(self) -> str:
        return f"quality of {self.customer_id}"


class QualityRefresh(models.Model):
    """One full refresh: when, how many customers, how long it took."""

    id = models.BigAutoField(primary_key=True)
    started_at = models.DateTimeField()
    customers = models.IntegerField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"quality of {self.customers} at {self.started_at:%Y-%m-%d %H:%M}"


class QualityMonth(models.Model):
    """One month's quality figures of one template's customers of one owner in one team: the
    trend's history.

    Sums and counts, no customer in it: a month's row is written again by every full refresh
    of that month, so it holds the month's last figures. ``team_id`` and ``owner_id`` are
    plain ids, 0 for none (the key must be unique, and a NULL never equals another).
    """

    month = models.DateField()  # the month's first day (UTC)
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="+")
    team_id = models.IntegerField()
    owner_id = models.IntegerField()
    customers = models.IntegerField()
    completeness_sum = models.BigIntegerField()
    freshness_sum = models.BigIntegerField()
    verified = models.IntegerField()
    stale = models.IntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "template", "team_id", "owner_id"], name="quality_month_once"
            )
        ]
        indexes = [
            models.Index(fields=["team_id", "month"], name="quality_month_team"),
            models.Index(fields=["owner_id", "month"], name="quality_month_owner"),
        ]

    def __str__(self) -> str:
        return f"quality of {self.template_id}/{self.team_id}/{self.owner_id} in {self.month:%Y-%m}"
