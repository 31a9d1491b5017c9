"""Words for an order's codes on pages: status, channel, payment method, refund reason."""

from __future__ import annotations

from typing import Any

from django import template

from dossier.orders.models import Order, Refund

register = template.Library()

_STATUS = dict(Order.Status.choices)
_CHANNEL = dict(Order.Channel.choices)
_PAYMENT = dict(Order.Payment.choices)
_REASON = dict(Refund.Reason.choices)


@register.filter
def status_label(code: Any) -> Any:
    """An order status in the page's language ("paid" → "已付款")."""
    return _STATUS.get(str(code), code)


@register.filter
def channel_label(code: Any) -> Any:
    return _CHANNEL.get(str(code), code)


@register.filter
def payment_label(code: Any) -> Any:
    return _PAYMENT.get(str(code), code) if code else "—"


@register.filter
def reason_label(code: Any) -> Any:
    return _REASON.get(str(code), code)
