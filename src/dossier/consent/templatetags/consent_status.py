"""``{% consent_summary customer %}``: a customer's consent as the ledger has it, for any page."""

from __future__ import annotations

from typing import Any

from django import template

from dossier.consent.selectors import customer_states

register = template.Library()


@register.inclusion_tag("consent/_summary.html")
def consent_summary(customer: Any) -> dict[str, Any]:
    """Every purpose × channel with its current status: the one place consent is shown from."""
    return {"customer": customer, "states": customer_states(customer)}
