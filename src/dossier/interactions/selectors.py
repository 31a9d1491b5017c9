"""Reading interactions: only of customers the actor may see, and only by those who may read
personal data (what was said cannot be masked, so marketing and analysts read none of it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.core.keyset import page_after
from dossier.customers.access import customer_for, restrict_owned
from dossier.interactions.models import Interaction
from dossier.protection.disclosure import may_see_personal

MAX_PAGE_SIZE = 200


@dataclass
class InteractionPage:
    items: list[Interaction]
    next_cursor: str | None


def _refuse_unless_personal(actor: MaybeActor) -> None:
    if not may_see_personal(actor):
        raise PermissionDenied(_("You may not read this customer's interactions."))


def _is_id(value: Any) -> bool:
    return str(value).isdecimal() and str(value).isascii() and 0 < int(str(value)) < 2**63


def interaction_for(
    actor: MaybeActor, interaction_id: Any, action: str = "view", *, lock: bool = False
) -> Interaction:
    """One interaction the actor may ``action``: 404 if its customer is unseen, else 403."""
    rows: QuerySet[Interaction] = Interaction.objects.select_related("customer", "staff")
    if lock:
        rows = rows.select_for_update(of=("self",))
    found = None
    if _is_id(interaction_id):
        found = restrict_owned(rows, actor, action).filter(pk=interaction_id).first()
        if found is None and action != "view":
            seen = restrict_owned(Interaction.objects.all(), actor, "view")
            if seen.filter(pk=interaction_id).exists():
                raise PermissionDenied(_("You may not change this customer."))
    if found is None:
        raise NotFound(_("No such interaction."), code="interaction_not_found")
    _refuse_unless_personal(actor)
    return found


def customer_interactions(
    *, actor: MaybeActor, customer_id: Any, cursor: str | None = None, limit: int = 50
) -> InteractionPage:
    """A customer's interactions, newest first, a page at a time."""
    customer = customer_for(actor, customer_id)
    _refuse_unless_personal(actor)
    rows = Interaction.objects.filter(customer_id=customer.pk).select_related("staff")
    items, next_cursor = page_after(
        rows, cursor, time_field="occurred_at", limit=max(1, min(limit, MAX_PAGE_SIZE))
    )
    return InteractionPage(items=items, next_cursor=next_cursor)


def interactions_for_timeline(actor: MaybeActor, ids: Sequence[str]) -> dict[str, Interaction]:
    """The rows behind timeline entries that the actor may read (the others draw from the
    entry's summary alone)."""
    if not may_see_personal(actor):
        return {}
    wanted = [int(pk) for pk in ids if _is_id(pk)]
    rows = restrict_owned(Interaction.objects.select_related("staff"), actor, "view")
    return {str(row.pk): row for row in rows.filter(pk__in=wanted)}
