"""The audit log's one write: append an event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.core.actors import MaybeActor, SystemActor, person
from dossier.core.bulk_insert import insert_rows, uses_copy


def record_audit(
    *,
    actor: MaybeActor | AbstractBaseUser | None,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    customer_id: Any = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    ip: str | None = None,
    user_agent: str = "",
    forget: Sequence[str] = (),
) -> AuditEvent:
    """Append one audit event. Call it inside the service's transaction.

    ``forget``: the customer's personal values (see ``customers.values.personal_strings``);
    a reason typed by staff that repeats one is recorded with it replaced by ``***``, since
    the append-only log could never forget it after an erasure.
    """
    return AuditEvent.objects.create(
        actor=person(actor),  # type: ignore[arg-type]
        actor_name=_actor_name(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        customer_id=customer_id,
        changes=changes or {},
        reason=without(reason, forget)[:500],
        ip=ip or None,
        user_agent=user_agent[:300],
    )


def _actor_name(actor: Any) -> str:
    # a signed-in person by user name, a system job as "system:<job>", no one as ""
    if isinstance(actor, SystemActor):
        return actor.get_username()
    user = person(actor)
    return user.get_username() if user is not None else ""


def without(text: str, values: Sequence[str]) -> str:
    """``text`` with every occurrence of the given values (two characters or more) blanked."""
    for value in sorted(values, key=len, reverse=True):
        if len(value) >= 2 and value in text:
            text = text.replace(value, "***")
    return text


def record_audit_many(
    *,
    actor: MaybeActor | AbstractBaseUser | None,
    events: Iterable[Mapping[str, Any]],
) -> list[AuditEvent]:
    """Append many events by one actor in one insert (a batch: one event per customer).

    Each event holds the keyword arguments of :func:`record_audit` other than the actor.
    """
    user, name = person(actor), _actor_name(actor)  # type: ignore[arg-type]
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=user,
            actor_name=name,
            action=event["action"],
            object_type=event.get("object_type", ""),
            object_id=str(event.get("object_id") or ""),
            customer_id=event.get("customer_id"),
            changes=event.get("changes") or {},
            reason=event.get("reason", "")[:500],
            ip=event.get("ip") or None,
            user_agent=event.get("user_agent", "")[:300],
        )
        for event in events
    )


AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "customer_id",
    "changes",
    "reason",
    "ip",
    "user_agent",
)


def record_audit_batch(
    *,
    actor: MaybeActor | AbstractBaseUser | None,
    events: Iterable[Mapping[str, Any]],
) -> None:
    """Append many events as :func:`record_audit_many` does, without a model per event.

    On PostgreSQL the rows stream with COPY (a retention batch's thousand "delete" events);
    elsewhere it is :func:`record_audit_many`. The events' ids are not returned.
    """
    if not uses_copy():
        record_audit_many(actor=actor, events=events)
        return
    user, name = person(actor), _actor_name(actor)  # type: ignore[arg-type]
    user_id, now = getattr(user, "pk", None), timezone.now()
    insert_rows(
        AuditEvent,
        AUDIT_COLUMNS,
        (
            (
                now,
                user_id,
                name,
                event["action"],
                event.get("object_type", ""),
                str(event.get("object_id") or ""),
                event.get("customer_id"),
                event.get("changes") or {},
                event.get("reason", "")[:500],
                event.get("ip") or None,
                event.get("user_agent", "")[:300],
            )
            for event in events
        ),
    )
