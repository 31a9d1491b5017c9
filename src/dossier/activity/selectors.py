"""Reading a customer's timeline and figures, for an actor who may see the customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from dossier.activity import kinds as registered
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.core.actors import MaybeActor
from dossier.core.keyset import decode_cursor, encode_cursor
from dossier.customers.access import customer_for


@dataclass
class TimelinePage:
    """One page of a timeline, newest first; ``next_cursor`` is None on the last page."""

    entries: list[TimelineEntry]
    rows: dict[tuple[str, str], Any]
    next_cursor: str | None


def timeline_page(
    *,
    actor: MaybeActor,
    customer_id: Any,
    kinds: list[str] | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> TimelinePage:
    """One page of the customer's timeline, newest first, optionally of some kinds only."""
    customer = customer_for(actor, customer_id)
    entries = TimelineEntry.objects.filter(customer_id=customer.pk)
    if kinds:
        entries = entries.filter(kind__in=kinds)
    if cursor:
        when, pk = decode_cursor(cursor)
        entries = entries.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, id__lt=pk))
    page = list(entries.order_by("-occurred_at", "-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return TimelinePage(
        entries=page,
        rows=_load_rows(actor, page),
        next_cursor=encode_cursor(page[-1].occurred_at, page[-1].pk) if more and page else None,
    )


def _load_rows(actor: MaybeActor, entries: list[TimelineEntry]) -> dict[tuple[str, str], Any]:
    by_kind: dict[str, list[str]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry.object_id)
    rows: dict[tuple[str, str], Any] = {}
    for key, ids in by_kind.items():
        found = registered.kind(key)
        if found is None or found.load is None:
            continue
        for object_id, row in found.load(actor, ids).items():
            rows[(key, str(object_id))] = row
    return rows


def figures_of(*, actor: MaybeActor, customer_id: Any) -> CustomerFigures:
    """The customer's figures (zeros before anything happened)."""
    customer = customer_for(actor, customer_id)
    found = CustomerFigures.objects.filter(pk=customer.pk).first()
    return found if found is not None else CustomerFigures(customer_id=customer.pk)
