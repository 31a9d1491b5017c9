"""The loyalty programme: its settings, the points ledger, tiers and coupons.

The points ledger is append-only: a balance is the sum of a customer's entries, and nothing
once written is changed or deleted. The one exception is the owner: when two customers are
merged, the merged one's entries move to the survivor (``customer_id`` only; on PostgreSQL a
trigger refuses any other change, and any delete, see migration ``0002``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossier.audit.append_only import AppendOnlyModel, AppendOnlyQuerySet
from dossier.customers.models import Customer
from dossier.orders.models import Order

#: the only column of a ledger entry a merge may rewrite
MOVABLE = frozenset({"customer", "customer_id"})


class Programme(models.Model):
    """The programme's one row of settings: how orders earn points and how long they last."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    active = models.BooleanField(_("active"), default=False)
    #: points per currency unit spent (1: one point per ¥1), rounded down per order
    points_per_unit = models.DecimalField(
        _("points per unit spent"), max_digits=8, decimal_places=4, default=Decimal("1")
    )
    #: months an earned point stays valid, counted from the purchase
    validity_months = models.PositiveSmallIntegerField(_("validity in months"), default=12)
    #: orders placed before this do not earn (switching the programme on does not reward
    #: years of history); None: every order
    earn_from = models.DateTimeField(_("earn from"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="loyalty_programme_single"),
            models.CheckConstraint(
                condition=models.Q(points_per_unit__gte=0), name="loyalty_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return "loyalty programme"


class LedgerQuerySet(AppendOnlyQuerySet):
    """Refuses bulk changes, save for moving entries to another customer (a merge)."""

    def update(self, **kwargs: Any) -> int:
        if kwargs and set(kwargs) <= MOVABLE:
            return int(models.QuerySet.update(self, **kwargs))
        return super().update(**kwargs)


class Reason(models.TextChoices):
    # written by Dossier
    ORDER = "order", _("purchase")
    REFUND = "refund", _("refund")
    EXPIRED = "expired", _("expired")
    # chosen by staff: redeeming
    DISCOUNT = "discount", _("discount on a purchase")
    GIFT = "gift", _("exchanged for a gift")
    # chosen by staff: adjusting
    GOODWILL = "goodwill", _("goodwill")
    CORRECTION = "correction", _("correction")
    PROMOTION = "promotion", _("promotion")
    MIGRATION = "migration", _("moved from another system")
    OTHER = "other", _("other")


#: the reasons staff may give, by kind of entry
STAFF_REASONS = {
    "redeem": (Reason.DISCOUNT, Reason.GIFT, Reason.OTHER),
    "adjust": (
        Reason.GOODWILL,
        Reason.CORRECTION,
        Reason.PROMOTION,
        Reason.MIGRATION,
        Reason.OTHER,
    ),
}


class PointsEntry(AppendOnlyModel):
    """One movement of a customer's points: earned, redeemed, expired or adjusted."""

    class Kind(models.TextChoices):
        EARN = "earn", _("earned")
        REDEEM = "redeem", _("redeemed")
        EXPIRE = "expire", _("expired")
        ADJUST = "adjust", _("adjusted")

    id = models.BigAutoField(primary_key=True)
    # served by the (customer, created_at) index
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    #: signed: earned and added points are positive, the rest negative
    points = models.IntegerField(_("points"))
    #: a code, never free text: the ledger cannot forget what it holds (a staff member's
    #: note goes to the audit log, which replaces the customer's own values as it writes)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    #: the money the entry is about: what an order earned on, or what a refund paid back
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    #: when earned points lapse (None: never, or not points that were earned)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # PROTECT: SET_NULL would UPDATE the ledger; users are deactivated, never deleted
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    # a subclass of the base's manager: the same refusals, and the move a merge needs
    objects = LedgerQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            # an order earns once
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(kind="earn"), name="loyalty_order_earns_once"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="earn", points__gt=0)
                    | models.Q(kind__in=["redeem", "expire"], points__lt=0)
                    | (models.Q(kind="adjust") & ~models.Q(points=0))
                ),
                name="loyalty_points_sign",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True) | models.Q(points__gt=0),
                name="loyalty_only_gains_expire",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="loyalty_entry_customer"),
            models.Index(
                fields=["order"],
                condition=models.Q(order__isnull=False),
                name="loyalty_entry_order",
            ),
        ]
        permissions = [
            ("redeem_points", "Can redeem customers' points"),
            ("adjust_points", "Can add or take away points by hand"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"


class Tier(models.Model):
    """A level of the programme, reached by points earned over the last twelve months."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    min_points = models.PositiveIntegerField(_("minimum points (12 months)"), unique=True)

    class Meta:
        ordering = ["min_points"]

    def __str__(self) -> str:
        return self.name


class CustomerTier(models.Model):
    """A customer's tier as the last recompute found it (derived: rebuilt, never edited)."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    tier = models.ForeignKey(Tier, null=True, on_delete=models.SET_NULL, related_name="+")
    points = models.IntegerField(_("points (12 months)"))
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tier_id}"


class CouponCampaign(models.Model):
    """A batch of coupons: what each is worth, from what spend, and when it may be used."""

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("amount off")
        PERCENT = "percent", _("percent off")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    min_spend = models.DecimalField(
        _("minimum spend"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="loyalty_campaign_dates",
            ),
            models.CheckConstraint(
                condition=models.Q(value__gt=0)
                & (models.Q(kind="amount") | models.Q(value__lte=100)),
                name="loyalty_campaign_value",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Coupon(models.Model):
    """One customer's coupon of a campaign: a unique code, used at most once."""

    campaign = models.ForeignKey(CouponCampaign, on_delete=models.PROTECT, related_name="coupons")
    # served by the (customer, campaign) constraint
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "campaign"], name="loyalty_coupon_once_per_campaign"
            )
        ]
        permissions = [("redeem_coupon", "Can redeem customers' coupons")]

    def __str__(self) -> str:
        return self.code
