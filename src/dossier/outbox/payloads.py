"""How an event's object is shown to one receiver: each app registers a builder per object type.

A builder gets the receiver (the subscription's owner) and the event and returns the JSON the
receiver may see (masked as their role requires), or None when they may not see the object
at all. The outbox names no app: apps register in ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dossier.core.actors import MaybeActor
from dossier.outbox.models import Event

Builder = Callable[[MaybeActor, Event], dict[str, Any] | None]
_BUILDERS: dict[str, Builder] = {}


def register_payload(object_type: str, builder: Builder) -> None:
    """Declare how events about ``object_type`` ("customer", "order" …) are shown."""
    _BUILDERS[object_type] = builder


def payload_for(receiver: MaybeActor, event: Event) -> dict[str, Any] | None:
    """The event as ``receiver`` may see it, or None when they may not see its object."""
    builder = _BUILDERS.get(event.object_type)
    data = builder(receiver, event) if builder is not None else {}
    if data is None:
        return None
    return {
        "id": event.pk,
        "event": event.name,
        "occurred_at": event.occurred_at.isoformat(),
        "customer_id": str(event.customer_id) if event.customer_id else None,
        "object": {"type": event.object_type, "id": event.object_id, **data},
        "changes": event.data,
    }
