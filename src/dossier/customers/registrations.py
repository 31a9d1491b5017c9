"""The customers app's own tables in the customer-data registry."""

from __future__ import annotations

from typing import Any

from dossier.customers.models import CustomerLookup, CustomerShare, CustomerTag
from dossier.customers.registry import CustomerData, register


def _move_links(model: Any, other: str) -> Any:
    """Merge hook for link tables unique per (customer, other): move, skipping duplicates."""

    def repoint(source_id: Any, target_id: Any) -> int:
        held = model.objects.filter(customer_id=target_id).values_list(other, flat=True)
        moving = model.objects.filter(customer_id=source_id).exclude(**{f"{other}__in": held})
        moved = int(moving.update(customer_id=target_id))
        model.objects.filter(customer_id=source_id).delete()
        return moved

    return repoint


def register_customer_tables() -> None:
    """Lookups go with erasure (they identify); tags and shares are general and stay."""
    register(CustomerData(key="lookups", model=CustomerLookup, erasure="delete"))
    register(
        CustomerData(
            key="tags",
            model=CustomerTag,
            export=None,  # the profile section of a copy lists the tags already
            erasure="keep",
            repoint=_move_links(CustomerTag, "tag_id"),
        )
    )
    register(
        CustomerData(
            key="shares",
            model=CustomerShare,
            erasure="keep",
            repoint=_move_links(CustomerShare, "user_id"),
        )
    )
