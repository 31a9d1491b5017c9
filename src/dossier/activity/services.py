"""Writing a customer's timeline: called by the services of the apps that own the events."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from dossier.activity.models import TimelineEntry
from dossier.core.bulk_insert import copy_escaped, copy_text, insert_rows, uses_copy


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

    Each holds ``record_entry``'s keyword arguments; ``summary_json`` (the summary as JSON
    text, ready) may stand for ``summary``. Unlike :func:`record_entries` nothing is skipped:
    an object written in this very transaction cannot have an entry yet, and an entry
    already there is an error.
    """
    now = timezone.now()
    if uses_copy():  # one line of COPY's text a row: no adapting value by value
        stamp = str(now)
        copy_text(
            TimelineEntry,
            ENTRY_COLUMNS,
            "".join(
                f"{e['customer_id']}\t{copy_escaped(e['kind'])}\t"
                f"{copy_escaped(str(e['object_id']))}\t{e['occurred_at']}\t"
                f"{copy_escaped(_summary_json(e))}\t{stamp}\n"
                for e in entries
            ),
        )
        return
    insert_rows(
        TimelineEntry,
        ENTRY_COLUMNS,
        (
            (
                e["customer_id"],
                e["kind"],
                str(e["object_id"]),
                e["occurred_at"],
                json.loads(e["summary_json"]) if "summary_json" in e else e.get("summary") or {},
                now,
            )
            for e in entries
        ),
    )


def _summary_json(entry: Mapping[str, Any]) -> str:
    ready = entry.get("summary_json")
    return ready if ready is not None else json.dumps(entry.get("summary") or {})


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
