"""Publishing events: inside the writing service's transaction, announced after its commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from dossier.core.actors import MaybeActor
from dossier.core.bulk_insert import insert_rows, preparers, reserve_ids, uses_copy
from dossier.outbox.models import EVENT_NAMES, Event

#: called with the new events' ids after the transaction that wrote them commits
Listener = Callable[[list[int]], None]
_LISTENERS: list[Listener] = []


def listen(listener: Listener) -> None:
    """Be told of every committed event (the webhooks app registers its fan-out here)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def unlisten(listener: Listener) -> None:
    """Stop telling ``listener`` (tests)."""
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def _actor_id(actor: MaybeActor | None) -> int | None:
    pk = getattr(actor, "pk", None)
    return pk if isinstance(pk, int) else None


def _announce(ids: list[int]) -> None:
    for listener in list(_LISTENERS):
        listener(ids)


def publish(
    *,
    name: str,
    actor: MaybeActor | None,
    customer_id: Any = None,
    object_type: str = "",
    object_id: Any = "",
    data: Mapping[str, Any] | None = None,
) -> Event:
    """Record that ``name`` happened; listeners hear of it once the caller's transaction commits."""
    return publish_many(
        actor=actor,
        events=[
            {
                "name": name,
                "customer_id": customer_id,
                "object_type": object_type,
                "object_id": object_id,
                "data": data,
            }
        ],
    )[0]


def _checked_name(event: Mapping[str, Any]) -> str:
    name = event["name"]
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event name {name!r}")
    return str(name)


def _announce_after_commit(ids: list[int]) -> None:
    if _LISTENERS and ids:
        transaction.on_commit(lambda: _announce(ids))


def publish_many(*, actor: MaybeActor | None, events: Iterable[Mapping[str, Any]]) -> list[Event]:
    """Record many events in one insert (a batch); each holds ``publish``'s keyword arguments."""
    rows = []
    for event in events:
        _checked_name(event)
        rows.append(
            Event(
                name=event["name"],
                customer_id=event.get("customer_id"),
                object_type=event.get("object_type", ""),
                object_id=str(event.get("object_id") or ""),
                actor_id=_actor_id(actor),
                data=dict(event.get("data") or {}),
            )
        )
    if not rows:
        return []
    created = Event.objects.bulk_create(rows)
    if _LISTENERS and any(e.pk is None for e in created):  # a backend that returns no ids
        raise RuntimeError("the database did not return the new events' ids")
    _announce_after_commit([e.pk for e in created])
    return created


EVENT_COLUMNS = (
    "id",
    "name",
    "customer_id",
    "object_type",
    "object_id",
    "actor_id",
    "data",
    "occurred_at",
)


def publish_batch(*, actor: MaybeActor | None, events: Sequence[Mapping[str, Any]]) -> list[int]:
    """Record many events as :func:`publish_many` does, without a model per event; their ids.

    On PostgreSQL the ids are drawn from the table's sequence first and the rows streamed
    with COPY (a bulk sync's thousand events); on SQLite one ``executemany``; elsewhere it is
    :func:`publish_many`.
    """
    if not uses_copy() and connection.vendor != "sqlite":
        return [e.pk for e in publish_many(actor=actor, events=events)]
    names = [_checked_name(event) for event in events]
    if not names:
        return []
    actor_id, now = _actor_id(actor), timezone.now()
    rows = (
        (
            name,
            event.get("customer_id"),
            event.get("object_type", ""),
            str(event.get("object_id") or ""),
            actor_id,
            event.get("data") or {},
            now,
        )
        for name, event in zip(names, events, strict=True)
    )
    if uses_copy():
        ids = reserve_ids(Event, len(names))
        insert_rows(Event, EVENT_COLUMNS, ((pk, *row) for pk, row in zip(ids, rows, strict=True)))
    else:
        ids = _insert_numbered(rows, len(names))
    _announce_after_commit(ids)
    return ids


def _insert_numbered(rows: Iterable[tuple[Any, ...]], count: int) -> list[int]:
    """SQLite: insert the rows (:data:`EVENT_COLUMNS` but the id) in one statement and work out
    their ids. In a transaction SQLite has one writer: the ids it gave are the last ``count``."""
    prepare_customer, prepare_data, prepare_time = preparers(
        Event, ["customer_id", "data", "occurred_at"]
    )
    times: dict[Any, Any] = {}
    prepared = []
    for name, customer_id, object_type, object_id, actor_id, data, at in rows:
        if at not in times:
            times[at] = prepare_time(at)
        prepared.append(
            (name, prepare_customer(customer_id), object_type, object_id, actor_id,
             prepare_data(data), times[at])
        )  # fmt: skip
    with transaction.atomic():
        insert_rows(Event, EVENT_COLUMNS[1:], prepared, prepared=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_insert_rowid()")
            last = int(cursor.fetchone()[0])
    return list(range(last - count + 1, last + 1))
