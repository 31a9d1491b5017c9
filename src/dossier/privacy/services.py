"""The audit log's one write: append an event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

from .models import AuditEvent


def record_audit(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
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
    # only a real, logged-in user is recorded as the actor; None is the system itself
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=user.get_username() if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        customer_id=customer_id,
        changes=changes or {},
        reason=without(reason, forget)[:500],
        ip=ip or None,
        user_agent=user_agent[:300],
    )


def without(text: str, values: Sequence[str]) -> str:
    """``text`` with every occurrence of the given values (two characters or more) blanked."""
    for value in sorted(values, key=len, reverse=True):
        if len(value) >= 2 and value in text:
            text = text.replace(value, "***")
    return text
