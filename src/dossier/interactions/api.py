"""REST endpoints of interactions (mounted at /api/v1/interactions). Thin: parse, call, return."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.keyset import TimeCursor
from dossier.core.schemas import ERRORS, RecordId
from dossier.interactions import selectors, services
from dossier.interactions.models import Interaction
from dossier.interactions.schemas import (
    InteractionIn,
    InteractionOut,
    InteractionPageOut,
    InteractionPatch,
)

router = Router(tags=["interactions"])


def _out(row: Interaction) -> dict[str, Any]:
    return {
        "id": row.pk,
        "customer_id": str(row.customer_id),
        "channel": row.channel,
        "direction": row.direction,
        "occurred_at": row.occurred_at,
        "duration_seconds": row.duration_seconds,
        "subject": row.subject,
        "notes": row.notes,
        "outcome": row.outcome,
        "next_step": row.next_step,
        "staff": row.staff.get_username() if row.staff else None,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


@router.post("", response={201: InteractionOut, **ERRORS})
def log_interaction(request: ApiRequest, payload: InteractionIn) -> Any:
    """Log a contact with a customer you may change (or an internal note about them)."""
    row = services.log_interaction(actor=request.user, **payload.dict())
    return Status(201, _out(selectors.interaction_for(request.user, row.pk)))


@router.get("", response={200: InteractionPageOut, **ERRORS})
def list_interactions(
    request: ApiRequest,
    customer_id: UUID,
    cursor: TimeCursor = "",
    limit: int = Query(50, ge=1, le=selectors.MAX_PAGE_SIZE),
) -> Any:
    """A customer's interactions, newest first; `next_cursor` pages on."""
    page = selectors.customer_interactions(
        actor=request.user, customer_id=customer_id, cursor=cursor or None, limit=limit
    )
    return {"items": [_out(row) for row in page.items], "next_cursor": page.next_cursor}


@router.get("/{interaction_id}", response={200: InteractionOut, **ERRORS})
def get_interaction(request: ApiRequest, interaction_id: RecordId) -> Any:
    return _out(selectors.interaction_for(request.user, interaction_id))


@router.patch("/{interaction_id}", response={200: InteractionOut, **ERRORS})
def update_interaction(
    request: ApiRequest, interaction_id: RecordId, payload: InteractionPatch
) -> Any:
    """Correct some fields; those not sent (or null) stay as they are."""
    services.update_interaction(
        actor=request.user,
        interaction_id=interaction_id,
        values=payload.dict(exclude_none=True),
    )
    return _out(selectors.interaction_for(request.user, interaction_id))


@router.delete("/{interaction_id}", response={204: None, **ERRORS})
def delete_interaction(request: ApiRequest, interaction_id: RecordId) -> Any:
    services.delete_interaction(actor=request.user, interaction_id=interaction_id)
    return Status(204, None)
