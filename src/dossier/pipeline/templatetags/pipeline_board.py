"""Filters of the pipeline's pages: amounts as people read them, a customer's shown name."""

from __future__ import annotations

from typing import Any

from django import template

from dossier.core.fields.numbers import display_money

register = template.Library()


@register.filter
def money(value: Any, currency: str = "") -> str:
    """¥12,800.00 (or USD 99.00)."""
    return display_money(value, currency)


@register.filter
def name_of(names: dict[str, str], customer_id: Any) -> str:
    """The customer's name as the reader may see it ("—" when they may not)."""
    return names.get(str(customer_id), "—")
