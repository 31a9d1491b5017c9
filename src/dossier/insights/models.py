"""Saved segments and the nightly scores of each customer (RFM, grade, churn risk, CLV)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.accounts.models import Team
from dossier.customers.models import Customer


class Segment(models.Model):
    """A named rule tree; its members are whoever matches it now (never a stored list)."""

    class Visibility(models.TextChoices):
        PERSONAL = "personal", _("only me")
        TEAM = "team", _("my team")
        EVERYONE = "everyone", _("everyone")

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    #: the rule tree as the editor or the API sent it (checked by ``rules.parse_rules``)
    rules = models.JSONField(_("rules"))
    visibility = models.CharField(
        _("shared with"), max_length=16, choices=Visibility.choices, default=Visibility.TEAM
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the size at the last count (of all customers, not of one viewer's), for the reports
    last_count = models.IntegerField(null=True, blank=True)
    last_counted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "name"], name="segment_owner_name")]
        permissions = [("view_report", "Can see the reports (aggregates of customers)")]

    def __str__(self) -> str:
        return self.name


class CustomerScore(models.Model):
    """What the nightly refresh worked out for one customer: RFM, grade, churn risk, CLV."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="score"
    )
    recency_days = models.IntegerField(null=True, blank=True)
    frequency = models.IntegerField(default=0)
    monetary = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    r_score = models.SmallIntegerField(null=True, blank=True)
    f_score = models.SmallIntegerField(null=True, blank=True)
    m_score = models.SmallIntegerField(null=True, blank=True)
    #: a key of ``rfm.SEGMENTS`` ("champions" …), empty before the first purchase
    rfm_segment = models.CharField(_("RFM segment"), max_length=24, blank=True, db_index=True)
    #: A–D, empty when the customer's template has no grading
    grade = models.CharField(_("grade"), max_length=1, blank=True, db_index=True)
    #: 0–100; its reasons as codes (``churn.REASONS``)
    churn_risk = models.SmallIntegerField(_("churn risk"), null=True, blank=True)
    churn_reasons = models.JSONField(default=list, blank=True)
    p_alive = models.FloatField(null=True, blank=True)
    expected_purchases = models.FloatField(null=True, blank=True)
    clv = models.DecimalField(_("lifetime value"), max_digits=16, decimal_places=2, null=True)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"score of {self.customer_id}"


class ScoreRefresh(models.Model):
    """One run of the scores' refresh: when, for how many buyers, how long it took."""

    id = models.BigAutoField(primary_key=True)
    started_at = models.DateTimeField()
    customers = models.IntegerField()
    seconds = models.FloatField()
    #: whether the purchase model (BG/NBD, Gamma-Gamma) could be fitted, and its parameters
    model = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"scores of {self.customers} at {self.started_at:%Y-%m-%d %H:%M}"


class TagRule(models.Model):
    """A tag kept by a segment: its members get the tag, those who leave lose it (nightly)."""

    id = models.BigAutoField(primary_key=True)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="tag_rules")
    tag = models.ForeignKey("customers.Tag", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_applied_at = models.DateTimeField(null=True, blank=True)
    last_added = models.IntegerField(default=0)
    last_removed = models.IntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["segment", "tag"], name="tag_rule_once")]

    def __str__(self) -> str:
        return f"{self.segment} → {self.tag}"

    @property
    def source(self) -> str:
        """What the tag's links say made them ("rule:<id>:<segment name>")."""
        return f"rule:{self.pk}:{self.segment.name}"[:120]


class ProductAffinity(models.Model):
    """How often buyers of one product bought another too (the nightly co-purchase count)."""

    id = models.BigAutoField(primary_key=True)
    product = models.ForeignKey("orders.Product", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("orders.Product", on_delete=models.CASCADE, related_name="+")
    #: customers who bought both, and customers who bought ``product``
    together = models.IntegerField()
    buyers = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "other"], name="affinity_once")]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.other_id}: {self.together}/{self.buyers}"

    @property
    def share(self) -> float:
        return self.together / self.buyers if self.buyers else 0.0


class GradeThresholds(models.Model):
    """The A/B/C thresholds an administrator or manager set for one template scenario.

    A scenario without a row keeps the thresholds of the settings or the defaults
    (``grading.DEFAULT_THRESHOLDS``); ``"*"`` stands for every scenario without its own.
    Each grade takes a minimum spend and a minimum lifetime value (reaching either is enough).
    """

    scenario = models.CharField(_("scenario"), max_length=32, primary_key=True)
    a_spend = models.DecimalField(max_digits=16, decimal_places=2)
    a_value = models.DecimalField(max_digits=16, decimal_places=2)
    b_spend = models.DecimalField(max_digits=16, decimal_places=2)
    b_value = models.DecimalField(max_digits=16, decimal_places=2)
    c_spend = models.DecimalField(max_digits=16, decimal_places=2)
    c_value = models.DecimalField(max_digits=16, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grade thresholds")
        verbose_name_plural = _("grade thresholds")

    def __str__(self) -> str:
        return f"grade thresholds of {self.scenario}"

    def as_thresholds(self) -> dict[str, tuple[float, float]]:
        """As ``grading.grades`` takes them: grade → (minimum spend, minimum lifetime value)."""
        return {
            g: (
                float(getattr(self, f"{g.lower()}_spend")),
                float(getattr(self, f"{g.lower()}_value")),
            )
            for g in "ABC"
        }


class ChurnMonth(models.Model):
    """How many scored buyers, and how many at high churn risk, at the last refresh of a month.

    One row per month, template, team and owner, written by the nightly refresh (the month's
    row replaced at each refresh, so a past month holds its last state). Counts only: no
    customer is named, so the history outlives erasure without keeping anyone's data.
    """

    id = models.BigAutoField(primary_key=True)
    #: the first day of the month, in the business's time zone
    month = models.DateField()
    template = models.ForeignKey(
        "templates.Template", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    scored = models.IntegerField()
    at_risk = models.IntegerField()
    risk_total = models.BigIntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "id"]
        indexes = [models.Index(fields=["month", "template"], name="churn_month_template")]

    def __str__(self) -> str:
        return f"churn of {self.month:%Y-%m}: {self.at_risk}/{self.scored}"
