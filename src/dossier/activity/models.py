"""A customer's timeline and the figures of their header, kept by the services that write.

Each app that adds to a customer's history (an order, a call, a complaint, a ticket …) writes
one timeline entry in the same transaction, and adjusts the customer's figures there too, so
the 360 page reads one index and one row instead of recomputing per view.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.customers.models import Customer


class TimelineEntry(models.Model):
    """One event in a customer's history, pointing at the row that holds it."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    #: registered kind ("order", "interaction", "feedback", "ticket", "opportunity" …)
    kind = models.CharField(max_length=30)
    object_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    #: a few non-personal facts to draw the line without loading the row (status, amount);
    #: never names, numbers or free text
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["customer", "-occurred_at", "-id"], name="timeline_customer_newest"
            ),
            models.Index(
                fields=["customer", "kind", "-occurred_at", "-id"], name="timeline_customer_kind"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="timeline_kind_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.occurred_at:%Y-%m-%d}"


class CustomerFigures(models.Model):
    """The key figures of one customer, each column kept by the app that owns its source rows."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    # purchases (orders app)
    first_purchase_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    order_count = models.IntegerField(_("orders"), default=0)
    total_spend = models.DecimalField(
        _("total spend"), max_digits=16, decimal_places=2, default=Decimal("0")
    )
    return_count = models.IntegerField(_("returns"), default=0)
    refund_total = models.DecimalField(
        _("refunded"), max_digits=16, decimal_places=2, default=Decimal("0")
    )
    # feedback app
    complaint_count = models.IntegerField(_("complaints"), default=0)
    csat_total = models.IntegerField(default=0)
    csat_count = models.IntegerField(default=0)
    last_nps = models.SmallIntegerField(_("last NPS"), null=True, blank=True)
    last_nps_at = models.DateTimeField(null=True, blank=True)
    # tickets app
    open_tickets = models.IntegerField(_("open tickets"), default=0)
    # interactions app
    last_interaction_at = models.DateTimeField(_("last interaction"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # the customer list's sorts and bounds by spend and last purchase (the customer id
        # breaks ties, so one index serves a keyset page)
        indexes = [
            models.Index(fields=["total_spend", "customer"], name="figures_spend_order"),
            models.Index(fields=["last_purchase_at", "customer"], name="figures_purchase_order"),
        ]

    def __str__(self) -> str:
        return f"figures of {self.customer_id}"

    @property
    def average_order_value(self) -> Decimal | None:
        """Spend per order, or None before the first order."""
        if not self.order_count:
            return None
        return (self.total_spend / self.order_count).quantize(Decimal("0.01"))

    @property
    def average_csat(self) -> Decimal | None:
        """Mean CSAT (1–5) to one decimal, or None before the first rating."""
        if not self.csat_count:
            return None
        return (Decimal(self.csat_total) / self.csat_count).quantize(Decimal("0.1"))
