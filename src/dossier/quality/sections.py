"""The data-quality section of a customer's page: completeness, freshness, missing fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from dossier.activity.models import CustomerFigures
from dossier.customers.access import may
from dossier.customers.models import Customer
from dossier.quality.refresh import refresh_quality
from dossier.quality.selectors import field_labels, quality_of


def _outdated(customer: Customer, refreshed_at: Any) -> bool:
    """Whether the profile or an interaction changed after the row was worked out.

    Interactions publish no event, so the page itself notices them.
    """
    if customer.updated_at > refreshed_at:
        return True
    interaction = (
        CustomerFigures.objects.filter(pk=customer.pk)
        .values_list("last_interaction_at", flat=True)
        .first()
    )
    return interaction is not None and interaction > refreshed_at


def customer_quality(request: HttpRequest, customer: Customer) -> Mapping[str, Any] | None:
    """The section's context; worked out again first when missing or outdated."""
    if not may(request.user, "customers.view_customer") or customer.erased_at is not None:
        return None
    row = quality_of(actor=request.user, customer=customer)
    if row is None or _outdated(customer, row.refreshed_at):
        refresh_quality(customer_ids=[customer.pk])
        row = quality_of(actor=request.user, customer=customer)
    if row is None:
        return None
    return {
        "quality": row,
        "missing_labels": field_labels(customer.template_version_id, list(row.missing)),
    }
