"""Publishing events: inside the writing service's transaction, announced after its commit."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from dossier.core.actors import MaybeActor
from dossier.core.bulk_insert import (
    copy_escaped,
    copy_text,
    insert_rows,
    preparers,
    reserve_ids,
    uses_copy,
)
from dossier.outbox.models import EVENT_NAMES, Event

#: called with the new events' ids after the transaction that wrote them commits
Listener = Callable[[list[int]], None]
_LISTENERS: list[Listener] = []
#: the event names a listener cares about (absent: all)
_NAMES: dict[Listener, frozenset[str]] = {}


def listen(listener: Listener, *, names: Collection[str] | None = None) -> None:
    """Be told of every committed event (the webhooks app registers its fan-out here).

    ``names``: told only of commits that wrote one of these events (given all their ids),
    so a batch of other events (a bulk sync's orders) costs the listener nothing.
    """
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    if names is not None:
        _NAMES[listener] = frozenset(names)


def unlisten(listener: Listener) -> None:
    """Stop telling ``listener`` (tests)."""
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)
    _NAMES.pop(listener, None)


def _actor_id(actor: MaybeActor | None) -> int | None:
    pk = getattr(actor, "pk", None)
    return pk if isinstance(pk, int) else None


def _announce(ids: list[int], names: frozenset[str]) -> None:
    for listener in list(_LISTENERS):
        wanted = _NAMES.get(listener)
        if wanted is None or not wanted.isdisjoint(names):
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


def _announce_after_commit(ids: list[int], names: Iterable[str]) -> None:
    if _LISTENERS and ids:
        written = frozenset(names)
        transaction.on_commit(lambda: _announce(ids, written))


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
    _announce_after_commit([e.pk for e in created], [e.name for e in created])
    return created


NULL = "\\N"  # COPY's text for no value
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

    ``data_json`` (the data as JSON text, ready) may stand for ``data``. On PostgreSQL the
    ids are drawn from the table's sequence first and the rows streamed with COPY, a line of
    its text a row (a bulk sync's thousand events); on SQLite one ``executemany``; elsewhere
    it is :func:`publish_many`.
    """
    if not uses_copy() and connection.vendor != "sqlite":
        return [e.pk for e in publish_many(actor=actor, events=[_parsed(e) for e in events])]
    names = [_checked_name(event) for event in events]
    if not names:
        return []
    actor_id, now = _actor_id(actor), timezone.now()
    if uses_copy():
        ids = reserve_ids(Event, len(names))
        copy_text(Event, EVENT_COLUMNS, _copy_lines(ids, names, events, actor_id, now))
    else:
        rows = (
            (
                name,
                event.get("customer_id"),
                event.get("object_type", ""),
                str(event.get("object_id") or ""),
                actor_id,
                _parsed(event).get("data") or {},
                now,
            )
            for name, event in zip(names, events, strict=True)
        )
        ids = _insert_numbered(rows, len(names))
    _announce_after_commit(ids, names)
    return ids


def _parsed(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event with ``data_json`` read back into ``data`` (the paths that take values)."""
    if "data_json" not in event:
        return event
    return {**event, "data": json.loads(event["data_json"])}


def _copy_lines(
    ids: Sequence[int],
    names: Sequence[str],
    events: Sequence[Mapping[str, Any]],
    actor_id: int | None,
    now: Any,
) -> str:
    """The events as lines of COPY's text format (:data:`EVENT_COLUMNS`)."""
    tail = f"\t{NULL if actor_id is None else actor_id}\t"
    stamp = str(now)
    out = []
    for pk, name, event in zip(ids, names, events, strict=True):
        customer = event.get("customer_id")
        data = event.get("data_json")
        if data is None:
            data = json.dumps(event.get("data") or {})
        out.append(
            f"{pk}\t{name}\t{NULL if customer is None else customer}\t"
            f"{copy_escaped(event.get('object_type', ''))}\t"
            f"{copy_escaped(str(event.get('object_id') or ''))}"
            f"{tail}{copy_escaped(data)}\t{stamp}\n"
        )
    return "".join(out)


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
