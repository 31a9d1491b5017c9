"""The quality app's table in the customer-data registry, its list figure and page section."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from dossier.customers.listing import Figure, register_figure
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register
from dossier.customers.sections import Section, register_section
from dossier.quality.models import CustomerQuality


def quality_copy(customer: Customer) -> dict[str, Any] | None:
    """What the refresh worked out about the completeness and age of the customer's record."""
    row = CustomerQuality.objects.filter(pk=customer.pk).first()
    if row is None:
        return None
    return {
        "completeness": row.completeness,
        "missing_fields": list(row.missing),
        "freshness": row.freshness,
        "last_activity_at": row.last_activity_at.isoformat() if row.last_activity_at else None,
        "stale": row.stale,
        "contact_verified": row.verified,
        "worked_out_at": row.refreshed_at.isoformat(),
    }


def _drop_merged(source_id: Any, target_id: Any) -> int:
    # the survivor's figures are worked out again by the next refresh
    return int(CustomerQuality.objects.filter(pk=source_id).delete()[0])


def register_quality() -> None:
    """Registry entry (derived from the profile: it goes with erasure), list figure, section."""
    from dossier.quality.sections import customer_quality

    register(
        CustomerData(
            key="quality",
            model=CustomerQuality,
            export=quality_copy,
            erasure="delete",
            repoint=_drop_merged,
            derived=True,
        )
    )
    register_figure(Figure("completeness", _("Completeness"), "quality", "completeness", "int"))
    register_section(
        Section(
            key="quality",
            template="quality/_section.html",
            context=customer_quality,
            region="side",
            order=60,
        )
    )
