"""Writing a customer's timeline: called by the services of the apps that own the events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from dossier.activity.models import TimelineEntry
from dossier.core.bulk_insert import insert_rows


def record_entry(
    *,
    customer_id: Any,
    kind: str,
    object_id: Any,
    occurred_at: datetime,
    summary: Mapping[str, Any] | None = None,
) -> TimelineEntry:
    """Add one event to a customer's timeline, in the caller's transaction."""
    return TimelineEntry.objects.create(
        customer_id=customer_id,
        kind=kind,
        object_id=str(object_id),
        occurred_at=occurred_at,
        summary=dict(summary or {}),
    )


def record_entries(entries: Iterable[Mapping[str, Any]]) -> int:
    """Add many events in one insert; an event already on a timeline is left as it is.

    Each holds ``record_entry``'s keyword arguments. Returns how many were given.
    """
    rows = [
        TimelineEntry(
            customer_id=e["customer_id"],
            kind=e["kind"],
            object_id=str(e["object_id"]),
            occurred_at=e["occurred_at"],
            summary=dict(e.get("summary") or {}),
        )
        for e in entries
    ]
    TimelineEntry.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


ENTRY_COLUMNS = ("customer_id", "kind", "object_id", "occurred_at", "summary", "created_at")


def record_new_entries(entries: Iterable[Mapping[str, Any]]) -> None:
    """Add the events of objects just created (a bulk sync): one stream, no model per entry.

    Unlike :func:`record_entries` nothing is skipped: an object written in this very
    transaction cannot have an entry yet, and an entry already there is an error.
    """
    now = timezone.now()
    insert_rows(
        TimelineEntry,
        ENTRY_COLUMNS,
        (
            (
                e["customer_id"],
                e["kind"],
                str(e["object_id"]),
                e["occurred_at"],
                e.get("summary") or {},
                now,
            )
            for e in entries
        ),
    )


def update_entry(
    *,
    kind: str,
    object_id: Any,
    summary: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> int:
    """Redraw an entry whose row changed (a ticket's status); returns how many were updated."""
    changes: dict[str, Any] = {}
    if summary is not None:
        changes["summary"] = dict(summary)
    if occurred_at is not None:
        changes["occurred_at"] = occurred_at
    if not changes:
        return 0
    return TimelineEntry.objects.filter(kind=kind, object_id=str(object_id)).update(**changes)


def remove_entries(*, kind: str, object_ids: Sequence[Any]) -> int:
    """Take events off timelines (their rows were deleted)."""
    ids = [str(pk) for pk in object_ids]
    return int(TimelineEntry.objects.filter(kind=kind, object_id__in=ids).delete()[0])
