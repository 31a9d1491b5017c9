"""Products, orders with their lines, refunds, and customers' ids in other systems.

Every table about a customer carries ``customer_id`` itself (lines and refunds too), so a
customer's rows are one index away and the customer-data registry can reach each table.
Orders hold no personal data: no address, no note; amounts and products only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossier.customers.ids import uuid7
from dossier.customers.models import Customer

ZERO = Decimal("0.00")


class Product(models.Model):
    """An item of the catalogue; order lines copy its sku and name when they are written."""

    id = models.BigAutoField(primary_key=True)
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=50, blank=True)
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        indexes = [models.Index(fields=["category", "sku"], name="product_category_sku")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Order(models.Model):
    """One purchase of a customer, as a shop system or staff recorded it."""

    class Channel(models.TextChoices):
        STORE = "store", _("store")
        WEB = "web", _("web shop")
        APP = "app", _("app")
        MINI_PROGRAM = "mini_program", _("mini program")
        PHONE = "phone", _("phone order")
        PARTNER = "partner", _("partner")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending payment")
        PAID = "paid", _("paid")
        SHIPPED = "shipped", _("shipped")
        COMPLETED = "completed", _("completed")
        RETURNED = "returned", _("returned")
        REFUNDED = "refunded", _("refunded")
        CANCELLED = "cancelled", _("cancelled")

    class Payment(models.TextChoices):
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        UNIONPAY = "unionpay", _("UnionPay")
        CARD = "card", _("bank card")
        CASH = "cash", _("cash")
        CASH_ON_DELIVERY = "cod", _("cash on delivery")
        TRANSFER = "transfer", _("bank transfer")
        OTHER = "other", _("other")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # the (customer, placed_at) index below serves the foreign key too
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    #: the system the order came from ("pos", "tmall", "dossier" …) and its id there
    source = models.CharField(_("source"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    store = models.CharField(_("store"), max_length=100, blank=True)
    placed_at = models.DateTimeField(_("placed at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    discount = models.DecimalField(_("discount"), default=ZERO, max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    #: the sum of the order's refunds, kept by the services that write them
    refunded = models.DecimalField(_("refunded"), default=ZERO, max_digits=14, decimal_places=2)
    #: items bought (the lines' quantities added up)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=Payment.choices, blank=True
    )
    #: the code of the campaign the order answers, if the shop knows it
    campaign = models.CharField(_("campaign"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="order_source_external")
        ]
        indexes = [
            models.Index(fields=["customer", "-placed_at", "-id"], name="order_customer_newest"),
            # the header's search finds an order by its number alone, whatever its source
            models.Index(fields=["external_id"], name="order_number"),
            # segments and reports over a period ("3 purchases in 90 days"): read from the
            # index alone on PostgreSQL (a covering index; SQLite keeps the date only)
            models.Index(
                fields=["placed_at"], include=["customer", "status"], name="order_placed_purchase"
            ),
        ]
        permissions = [("refund_order", "Can refund orders and take returns")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"

    @property
    def refundable(self) -> Decimal:
        """What may still be paid back: the total less earlier refunds."""
        return self.total - self.refunded


class OrderLine(models.Model):
    """One product (or a free-text item) of an order, with the sku and name of that day."""

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # the covering (customer) index below serves the foreign key too
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=1)
    # products are never deleted (they go inactive): no index needed for SET NULL
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    name = models.CharField(_("item"), max_length=200)
    qty = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(_("discount"), default=ZERO, max_digits=14, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)
    returned_qty = models.PositiveIntegerField(_("returned"), default=0)
    refunded = models.DecimalField(_("refunded"), default=ZERO, max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["order", "position"]
        indexes = [
            # a segment's "bought a 手机 in 365 days" probes each candidate's lines: their
            # products and orders come from the index alone on PostgreSQL, not the table
            models.Index(
                fields=["customer"], include=["product", "order"], name="orderline_customer_items"
            ),
            # the few lines with returns, for recounting a customer's returns
            models.Index(
                fields=["customer"],
                condition=models.Q(returned_qty__gt=0),
                name="orderline_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.qty}"

    @property
    def refundable(self) -> Decimal:
        return self.line_total - self.refunded


class Refund(models.Model):
    """Money paid back on an order, or on one of its lines."""

    class Reason(models.TextChoices):
        # reasons are codes, not free text: nothing personal to erase later
        RETURNED = "returned", _("goods returned")
        DAMAGED = "damaged", _("damaged or faulty")
        WRONG_ITEM = "wrong_item", _("wrong item")
        NOT_AS_DESCRIBED = "not_as_described", _("not as described")
        LATE = "late", _("late delivery")
        PRICE_ADJUSTMENT = "price_adjustment", _("price adjustment")
        CHANGED_MIND = "changed_mind", _("changed mind")
        ORDER_REFUNDED = "order_refunded", _("order refunded in full")
        OTHER = "other", _("other")

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"refund {self.amount} of {self.order_id}"


class CustomerExternalId(models.Model):
    """A customer's id in another system (a shop's member number), for orders that name it."""

    source = models.CharField(_("source"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=64)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="external_ids")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="customer_external_id_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"
