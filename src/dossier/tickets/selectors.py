"""Reading service tickets: one with its history, lists by status / assignee / overdue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import may, restrict_owned
from dossier.followups.paging import decode_cursor, encode_cursor
from dossier.protection.disclosure import may_see_personal
from dossier.tickets import transitions
from dossier.tickets.models import Ticket, TicketTransition

MAX_PAGE_SIZE = 200
STATUS = FieldLabel("status", "状态", "Status")


@dataclass(frozen=True)
class TicketFilters:
    """What a ticket list is narrowed to; ``assignee`` is a user name, or "me"."""

    status: str = ""
    assignee: str = ""
    overdue: bool = False
    customer_id: Any = None


@dataclass
class TicketPage:
    """One page of tickets; ``next_cursor`` is None on the last page."""

    items: list[Ticket]
    next_cursor: str | None


def _visible(actor: MaybeActor) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("assignee", "customer", "customer__template")
    return restrict_owned(tickets, actor, "view")


def ticket_for(*, actor: MaybeActor, ticket_id: Any) -> Ticket:
    """One ticket of a customer the actor may see, or NotFound."""
    found = _visible(actor).filter(pk=ticket_id).first()
    if found is None:
        raise NotFound(_("No such ticket."), code="ticket_not_found")
    return found


def history(ticket: Ticket) -> list[TicketTransition]:
    """The ticket's changes of state, oldest first (the caller has loaded it for an actor)."""
    return list(ticket.transitions.select_related("by").order_by("at", "id"))


def is_overdue(ticket: Ticket, now: datetime | None = None) -> bool:
    """Whether the ticket still needs work after its SLA due time."""
    return ticket.is_open and ticket.due_at < (now or timezone.now())


def _filtered(actor: MaybeActor, filters: TicketFilters, now: datetime) -> QuerySet[Ticket]:
    tickets = _visible(actor)
    if filters.status:
        if filters.status not in transitions.STATUSES:
            raise ValidationFailed(
                _("The filter is not valid."),
                errors=[FieldError("invalid_choice", spec=STATUS, value=filters.status[:40])],
            )
        tickets = tickets.filter(status=filters.status)
    if filters.assignee == "me":
        tickets = tickets.filter(assignee_id=actor.pk)
    elif filters.assignee:
        tickets = tickets.filter(assignee__username=filters.assignee.replace("\x00", ""))
    if filters.customer_id is not None:
        tickets = tickets.filter(customer_id=filters.customer_id)
    if filters.overdue:
        tickets = tickets.filter(status__in=transitions.OPEN_STATUSES, due_at__lt=now)
    return tickets


def ticket_list(
    *,
    actor: MaybeActor,
    filters: TicketFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> TicketPage:
    """A page of tickets the actor may see: newest first, or (overdue) most overdue first.

    Overdue: still open (new, in progress, waiting on the customer) after the SLA due time.
    Raises PermissionDenied for actors who may not see customers at all (analysts).
    """
    if not may(actor, "customers.view_customer"):
        raise PermissionDenied(_("You may not see customers' tickets."))
    filters = filters or TicketFilters()
    now = now or timezone.now()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    tickets = _filtered(actor, filters, now)
    key = "due_at" if filters.overdue else "created_at"
    order: Sequence[str] = ("due_at", "id") if filters.overdue else ("-created_at", "-id")
    if cursor:
        moment, pk = decode_cursor(cursor)
        if filters.overdue:
            tickets = tickets.filter(Q(due_at__gt=moment) | Q(due_at=moment, id__gt=pk))
        else:
            tickets = tickets.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    rows = list(tickets.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return TicketPage(
        items=rows,
        next_cursor=encode_cursor(getattr(last, key), last.pk) if more and last else None,
    )


def present(ticket: Ticket, actor: MaybeActor, *, now: datetime | None = None) -> dict[str, Any]:
    """A ticket as the actor may see it: the subject and description (the customer's own
    words) and the notes only to those who may see personal data; ``masked`` names what was
    held back."""
    personal = may_see_personal(actor)
    return {
        "id": ticket.pk,
        "customer_id": ticket.customer_id,
        "subject": ticket.subject if personal else None,
        "description": ticket.description if personal else None,
        "masked": [] if personal else ["subject", "description", "note"],
        "status": ticket.status,
        "priority": ticket.priority,
        "due_at": ticket.due_at,
        "overdue": is_overdue(ticket, now),
        "assignee": ticket.assignee.get_username() if ticket.assignee else None,
        "product_ref": ticket.product_ref,
        "order_ref": ticket.order_ref,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "next_states": transitions.next_states(ticket.status),
    }


def present_history(ticket: Ticket, actor: MaybeActor) -> list[dict[str, Any]]:
    """The ticket's history as the actor may see it (notes masked as the description is)."""
    personal = may_see_personal(actor)
    return [
        {
            "from_status": row.from_status or None,
            "to_status": row.to_status,
            "by": row.by.get_username() if row.by else (row.by_name or None),
            "at": row.at,
            "note": row.note if personal else None,
        }
        for row in history(ticket)
    ]


def tickets_by_id(actor: MaybeActor, ids: Sequence[str]) -> dict[str, Ticket]:
    """The tickets among ``ids`` the actor may see (the timeline draws the others from summary)."""
    numbers = [int(pk) for pk in ids if str(pk).isdecimal()]
    return {str(t.pk): t for t in _visible(actor).filter(pk__in=numbers)}
