"""REST endpoint of the audit log (read only: the log is append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Query, Router, Schema

from dossier.accounts.auth import ApiRequest
from dossier.audit.models import AuditEvent
from dossier.core.schemas import ERRORS, IsoDate, OneOf
from dossier.privacy.audit_log import AuditFilters, audit_events

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    customer_id: str | None
    changes: dict[str, Any]
    reason: str
    ip: str | None


class AuditPageOut(Schema):
    items: list[AuditEventOut]
    next_cursor: int | None


@router.get("", response={200: AuditPageOut, **ERRORS})
def list_events(
    request: ApiRequest,
    actor: str = Query("", description="User name."),
    action: Annotated[str, OneOf(AuditEvent.Action.values)] | None = None,
    customer: UUID | None = None,
    since: IsoDate | None = None,
    until: IsoDate | None = None,
    cursor: Annotated[int, Field(ge=1)] | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """Audit events, newest first (who, when, what, why); needs the audit permission.

    `until` is the last day included; `cursor` is `next_cursor` of the previous page.
    """
    filters = AuditFilters(
        actor=actor,
        action=action or "",
        customer=str(customer or ""),
        since=since,
        until=until,
    )
    page = audit_events(actor=request.user, filters=filters, cursor=cursor, limit=limit)
    items = [
        {
            "id": e.pk,
            "at": e.at,
            "actor": e.actor_name,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "customer_id": str(e.customer_id) if e.customer_id else None,
            "changes": e.changes,
            "reason": e.reason,
            "ip": e.ip,
        }
        for e in page.items
    ]
    return {"items": items, "next_cursor": page.next_cursor}
