"""Publishing events: inside the writing service's transaction, announced after its commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction

from dossier.core.actors import MaybeActor
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


def publish_many(*, actor: MaybeActor | None, events: Iterable[Mapping[str, Any]]) -> list[Event]:
    """Record many events in one insert (a batch); each holds ``publish``'s keyword arguments."""
    rows = []
    for event in events:
        if event["name"] not in EVENT_NAMES:
            raise ValueError(f"unknown event name {event['name']!r}")
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
    if _LISTENERS:
        if any(e.pk is None for e in created):  # a backend that does not return ids
            raise RuntimeError("the database did not return the new events' ids")
        ids = [e.pk for e in created]
        transaction.on_commit(lambda: _announce(ids))
    return created
