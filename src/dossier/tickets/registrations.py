"""What the tickets app plugs into: the customer-data registry, the figures, the 360 page,
the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from dossier.activity.figures import FigureSource, register_figure_source
from dossier.activity.kinds import QuickAction, TimelineKind, register_kind, register_quick_action
from dossier.core.actors import MaybeActor
from dossier.customers.access import allows, restrict_owned
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.outbox.models import Event
from dossier.outbox.payloads import register_payload
from dossier.tickets import transitions
from dossier.tickets.models import Ticket, TicketTransition
from dossier.tickets.selectors import present, tickets_by_id


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def tickets_copy(customer: Customer) -> list[dict[str, Any]]:
    """The customer's tickets with their history (their copy of their data)."""
    tickets = Ticket.objects.filter(customer_id=customer.pk).prefetch_related("transitions")
    return [
        {
            "subject": t.subject,
            "description": t.description,
            "status": t.status,
            "priority": t.priority,
            "product_ref": t.product_ref,
            "order_ref": t.order_ref,
            "created_at": _when(t.created_at),
            "due_at": _when(t.due_at),
            "resolved_at": _when(t.resolved_at),
            "closed_at": _when(t.closed_at),
            "history": [
                {
                    "from": h.from_status or None,
                    "to": h.to_status,
                    "at": _when(h.at),
                    "note": h.note,
                }
                for h in t.transitions.all()
            ],
        }
        for t in tickets.order_by("created_at", "id")
    ]


def _forget_ticket_words(rows: QuerySet[Any]) -> None:
    # the customer's words go; status, priority and times stay, so counts and SLA figures
    # still add up after an erasure
    rows.update(subject="", description="")


def _forget_notes(rows: QuerySet[Any]) -> None:
    rows.update(note="")


def recount_open_tickets(customer_ids: Sequence[Any] | None) -> dict[Any, dict[str, Any]]:
    """Open tickets per customer, counted from the tickets (``dossier figures verify``)."""
    tickets = Ticket.objects.filter(status__in=transitions.OPEN_STATUSES)
    if customer_ids is not None:
        tickets = tickets.filter(customer_id__in=list(customer_ids))
    counted = tickets.values("customer_id").annotate(n=Count("id")).values_list("customer_id", "n")
    return {customer_id: {"open_tickets": n} for customer_id, n in counted}


def ticket_payload(receiver: MaybeActor, event: Event) -> dict[str, Any] | None:
    """A ticket as a webhook receiver may see it (the description only with personal data
    rights); None when they may not see its customer."""
    if not str(event.object_id).isdecimal():
        return None
    ticket = (
        restrict_owned(Ticket.objects.select_related("assignee"), receiver, "view")
        .filter(pk=int(event.object_id))
        .first()
    )
    if ticket is None:
        return None
    shown = present(ticket, receiver)
    for name in ("due_at", "created_at", "updated_at", "resolved_at", "closed_at"):
        shown[name] = _when(shown[name])
    shown.pop("id")
    shown.pop("next_states")
    shown["customer_id"] = str(shown["customer_id"])
    return shown


def _may_open(actor: MaybeActor, customer: Any) -> bool:
    return allows(actor, customer, "change") and customer.erased_at is None


def register_ticket_tables() -> None:
    """Tickets hold the customer's words (exported, anonymised on erasure, moved on merge);
    they count towards "open tickets", show on the timeline, and can be opened from the 360
    page; ``ticket.changed`` events show them as :func:`ticket_payload` says."""
    register(
        CustomerData(
            key="tickets",
            model=Ticket,
            export=tickets_copy,
            erasure="anonymise",
            anonymise=_forget_ticket_words,
            repoint=repoint_rows(CustomerData(key="tickets", model=Ticket)),
        )
    )
    register(
        CustomerData(
            key="ticket_history",
            model=TicketTransition,
            erasure="anonymise",
            anonymise=_forget_notes,
            repoint=repoint_rows(CustomerData(key="ticket_history", model=TicketTransition)),
        )
    )
    register_figure_source(
        FigureSource(key="tickets", columns=("open_tickets",), recount=recount_open_tickets)
    )
    register_kind(
        TimelineKind(
            key="ticket",
            label=_("Ticket"),
            template="tickets/timeline_entry.html",
            load=tickets_by_id,
        )
    )
    register_quick_action(
        QuickAction(
            key="open_ticket",
            label=_("Open a ticket"),
            template="tickets/quick_action.html",
            allowed=_may_open,
        )
    )
    register_payload("ticket", ticket_payload)
