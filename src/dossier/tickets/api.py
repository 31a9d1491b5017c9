"""REST endpoints of service tickets (mounted at /api/v1/tickets). Thin: parse, call, return."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, OneOf, RecordId
from dossier.followups.schemas import Cursor
from dossier.tickets import selectors, services, transitions
from dossier.tickets.schemas import (
    AssignIn,
    TicketIn,
    TicketOut,
    TicketPageOut,
    TransitionIn,
)

router = Router(tags=["tickets"])


def _full(request: ApiRequest, ticket_id: int) -> dict[str, Any]:
    ticket = selectors.ticket_for(actor=request.user, ticket_id=ticket_id)
    return {
        **selectors.present(ticket, request.user),
        "history": selectors.present_history(ticket, request.user),
    }


@router.get("", response={200: TicketPageOut, **ERRORS})
def list_tickets(
    request: ApiRequest,
    status: Annotated[str, OneOf(("", *transitions.STATUSES), checked=True)] = "",
    assignee: str = Query("", description='A user name, or "me".'),
    overdue: bool = Query(False, description="Only open tickets past their SLA due time."),
    customer_id: UUID | None = None,
    cursor: Cursor = "",
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """Tickets of customers you may see: newest first; with `overdue=true` most overdue first."""
    filters = selectors.TicketFilters(
        status=status, assignee=assignee, overdue=overdue, customer_id=customer_id
    )
    page = selectors.ticket_list(
        actor=request.user, filters=filters, cursor=cursor or None, limit=limit
    )
    return {
        "items": [selectors.present(t, request.user) for t in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post("", response={201: TicketOut, **ERRORS})
def open_ticket(request: ApiRequest, payload: TicketIn) -> Any:
    """Open a ticket about a customer you may change; the SLA due time follows the priority."""
    ticket = services.open_ticket(
        actor=request.user,
        customer_id=payload.customer_id,
        subject=payload.subject,
        description=payload.description,
        priority=payload.priority,
        assignee=payload.assignee or None,
        product_ref=payload.product_ref,
        order_ref=payload.order_ref,
    )
    return Status(201, _full(request, ticket.pk))


@router.get("/{ticket_id}", response={200: TicketOut, **ERRORS})
def get_ticket(request: ApiRequest, ticket_id: RecordId) -> Any:
    """One ticket with its history of states."""
    return _full(request, ticket_id)


@router.post("/{ticket_id}/transition", response={200: TicketOut, **ERRORS})
def transition_ticket(request: ApiRequest, ticket_id: RecordId, payload: TransitionIn) -> Any:
    """Move a ticket to another state. A move the workflow does not allow is a 422 with code
    `illegal_transition` naming both states (`from`, `to`, and the `allowed` ones)."""
    services.transition_ticket(
        actor=request.user,
        ticket_id=ticket_id,
        to=payload.to,
        note=payload.note,
        from_status=payload.from_status,
    )
    return _full(request, ticket_id)


@router.post("/{ticket_id}/assign", response={200: TicketOut, **ERRORS})
def assign_ticket(request: ApiRequest, ticket_id: RecordId, payload: AssignIn) -> Any:
    """Hand a ticket to a colleague who may work on its customer (422 otherwise)."""
    services.assign_ticket(actor=request.user, ticket_id=ticket_id, assignee=payload.assignee)
    return _full(request, ticket_id)
