"""The audit log's one write: append an event."""

from __future__ import annotations

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
) -> AuditEvent:
    """Append one audit event. Call it inside the service's transaction."""
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
        reason=reason[:500],
        ip=ip or None,
        user_agent=user_agent[:300],
    )
