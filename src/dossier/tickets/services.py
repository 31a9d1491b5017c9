"""Writing service tickets: open one, move it through its states, hand it to a colleague.

Each write is one transaction: the ticket, its history row, its timeline entry, the
customer's open-ticket count, the ``ticket.changed`` event and the audit event together.
A move takes the ticket's row lock first, so two people pressing buttons at the same
instant are served one after the other, and the second is judged on the first's result.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossier.activity.figures import add_to_figures
from dossier.activity.services import record_entry, update_entry
from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import Conflict, NotFound, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec, validate_values
from dossier.core.fields.messages import Words
from dossier.customers.access import customer_for, restrict_owned
from dossier.followups.assignees import check_assignee, user_named
from dossier.followups.services import schedule_follow_up
from dossier.outbox.services import publish
from dossier.tickets import sla, transitions
from dossier.tickets.models import PRIORITY_LABELS, STATUS_LABELS, Ticket, TicketTransition

TIMELINE_KIND = "ticket"
OBJECT_TYPE = "ticket"
EVENT = "ticket.changed"
TARGET = FieldLabel("to", "新状态", "New status")
#: days from closing a ticket to its return visit (回访), unless settings say otherwise
FOLLOW_UP_DAYS = 3


def _words(label: Any) -> Words:
    """A translated label in both languages (errors are rendered in the caller's language)."""
    with translation.override("en"):
        english = str(label)
    with translation.override("zh-hans"):
        chinese = str(label)
    return Words(english, chinese)


def _choices(labels: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"value": key, "label_en": _words(label).en, "label_zh": _words(label).zh}
        for key, label in labels.items()
    ]


@cache
def ticket_specs() -> list[FieldSpec]:
    """A ticket's own fields, checked by the same validator as customers' values."""
    return [
        FieldSpec("subject", "text", "主题", "Subject", required=True, rules={"max_length": 200}),
        FieldSpec("description", "long_text", "描述", "Description", rules={"max_length": 5000}),
        FieldSpec(
            "priority",
            "choice",
            "优先级",
            "Priority",
            required=True,
            default=sla.NORMAL,
            rules={"choices": _choices(PRIORITY_LABELS)},
        ),
        FieldSpec("product_ref", "text", "产品", "Product", rules={"max_length": 64}),
        FieldSpec("order_ref", "text", "订单", "Order", rules={"max_length": 64}),
    ]


@cache
def move_specs() -> list[FieldSpec]:
    """The fields of a move: the state to go to and a note."""
    return [
        FieldSpec(
            "to",
            "choice",
            TARGET.label_zh,
            TARGET.label_en,
            required=True,
            rules={"choices": _choices(STATUS_LABELS)},
        ),
        FieldSpec("note", "long_text", "备注", "Note", rules={"max_length": 2000}),
    ]


def sla_hours() -> dict[str, float]:
    """Hours to the SLA due time by priority: defaults, or ``DOSSIER_TICKET_SLA_HOURS``."""
    try:
        return sla.parse_hours(getattr(settings, "DOSSIER_TICKET_SLA_HOURS", None))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DOSSIER_TICKET_SLA_HOURS: {exc}") from None


def follow_up_after() -> timedelta:
    """How long after closing a ticket its return visit is due (a setting, in days)."""
    value = getattr(settings, "DOSSIER_TICKET_FOLLOW_UP_DAYS", FOLLOW_UP_DAYS)
    try:
        days = float(value)
    except (TypeError, ValueError):
        days = -1.0
    if not 0 <= days <= 365:
        raise ImproperlyConfigured(f"DOSSIER_TICKET_FOLLOW_UP_DAYS: {value!r} is not 0–365 days")
    return timedelta(days=days)


def _summary(ticket: Ticket) -> dict[str, Any]:
    # what the timeline may show without loading the row: no subject, no description
    return {"status": ticket.status, "priority": ticket.priority}


def _history(ticket: Ticket, before: str, after: str, actor: Any, at: datetime, note: str) -> None:
    user = person(actor)
    TicketTransition.objects.create(
        ticket=ticket,
        customer_id=ticket.customer_id,
        from_status=before,
        to_status=after,
        by=user,
        by_name=actor.get_username() if actor is not None else "",
        at=at,
        note=note,
    )


def _checked(values: dict[str, Any], specs: list[FieldSpec], message: str) -> dict[str, Any]:
    result = validate_values(values, specs)
    if result.errors:
        raise ValidationFailed(message, errors=result.errors)
    return result.clean


def open_ticket(
    *,
    actor: MaybeActor,
    customer_id: Any,
    subject: str,
    description: str = "",
    priority: str = sla.NORMAL,
    assignee: User | str | None = None,
    product_ref: str = "",
    order_ref: str = "",
) -> Ticket:
    """Open a ticket about a customer the actor may change; its SLA due time follows priority."""
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change")
        if customer.erased_at is not None:
            raise _erased()
        values = {
            "subject": subject,
            "description": description,
            "priority": priority,
            "product_ref": product_ref,
            "order_ref": order_ref,
        }
        clean = _checked(values, ticket_specs(), _("The ticket is not valid."))
        if isinstance(assignee, str):
            assignee = user_named(assignee)
        if assignee is not None:
            check_assignee(customer_id=customer.pk, user=assignee)
        now = timezone.now()
        ticket = Ticket.objects.create(
            customer=customer,
            subject=clean["subject"],
            description=clean["description"] or "",
            priority=clean["priority"],
            due_at=sla.due_at(now, clean["priority"], sla_hours()),
            assignee=assignee,
            product_ref=clean["product_ref"] or "",
            order_ref=clean["order_ref"] or "",
            created_by=person(actor),
            created_at=now,
            updated_at=now,
        )
        _history(ticket, "", ticket.status, actor, now, "")
        record_entry(
            customer_id=customer.pk,
            kind=TIMELINE_KIND,
            object_id=ticket.pk,
            occurred_at=now,
            summary=_summary(ticket),
        )
        add_to_figures(customer_id=customer.pk, open_tickets=1)
        publish(
            name=EVENT,
            actor=actor,
            customer_id=customer.pk,
            object_type=OBJECT_TYPE,
            object_id=ticket.pk,
            data={"from": None, "to": ticket.status},
        )
        record_audit(
            actor=actor,
            action="create",
            object_type=OBJECT_TYPE,
            object_id=ticket.pk,
            customer_id=customer.pk,
            changes={"status": [None, ticket.status], "priority": ticket.priority},
        )
    return ticket


def _erased() -> Conflict:
    return Conflict(_("This customer's personal data has been erased."), code="customer_erased")


def _ticket_to_change(actor: MaybeActor, ticket_id: Any) -> tuple[Ticket, bool]:
    """The ticket, row-locked, if the actor may change its customer (404 unseen, 403 seen
    only), and whether that customer's personal data has been erased."""
    seen = restrict_owned(Ticket.objects.all(), actor, "view").filter(pk=ticket_id)
    customer_id = seen.values_list("customer_id", flat=True).first()
    if customer_id is None:
        raise NotFound(_("No such ticket."), code="ticket_not_found")
    customer = customer_for(actor, customer_id, "change")  # PermissionDenied: may only look
    locked = Ticket.objects.select_for_update(of=("self",)).select_related("assignee")
    return locked.get(pk=ticket_id), customer.erased_at is not None


def illegal_move(current: str, target: str) -> ValidationFailed:
    """The 422 for a move the transition table does not allow, naming both states."""
    before, after = _words(STATUS_LABELS[current]), _words(STATUS_LABELS[target])
    language = translation.get_language() or "zh-hans"
    return ValidationFailed(
        _("A ticket cannot go from “%(from)s” to “%(to)s”.")
        % {"from": before.label(language), "to": after.label(language)},
        code="illegal_transition",
        errors=[FieldError("illegal_transition", spec=TARGET, from_state=before, to_state=after)],
        extra={"from": current, "to": target, "allowed": transitions.next_states(current)},
    )


def transition_ticket(
    *,
    actor: MaybeActor,
    ticket_id: Any,
    to: str,
    note: str = "",
    from_status: str | None = None,
) -> Ticket:
    """Move a ticket to ``to`` if the transition table allows it (422 naming both otherwise).

    ``from_status``: the state the caller saw; if the ticket has moved on since, 409 and
    nothing changes (a double click, or a colleague was faster). Closing schedules the
    return visit (回访) for the customer's owner; reopening starts a new SLA period.

    Once the customer's personal data is erased, a ticket may only be wound down (new → in
    progress → resolved → closed), without a note (409 ``customer_erased`` otherwise): nothing
    new is written about them, yet an open ticket need not stay overdue for ever. No return
    visit follows its closing.
    """
    with transaction.atomic():
        ticket, erased = _ticket_to_change(actor, ticket_id)
        clean = _checked({"to": to, "note": note}, move_specs(), _("The change is not valid."))
        current, target = ticket.status, clean["to"]
        if from_status and from_status != current:
            raise Conflict(
                _("The ticket has moved on: it is now “%(status)s”.")
                % {"status": STATUS_LABELS[current]},
                code="ticket_moved_on",
                extra={"status": current},
            )
        if not transitions.is_legal(current, target):
            raise illegal_move(current, target)
        if erased and (clean["note"] or not transitions.winds_down(current, target)):
            raise _erased()
        now = timezone.now()
        was_open = ticket.is_open
        ticket.status = target
        ticket.updated_at = now
        if transitions.is_reopening(current, target):
            ticket.due_at = sla.due_at(now, ticket.priority, sla_hours())
            ticket.resolved_at = ticket.closed_at = None
        if target == transitions.RESOLVED:
            ticket.resolved_at = now
        if target == transitions.CLOSED:
            ticket.closed_at = now
        ticket.save(update_fields=["status", "updated_at", "due_at", "resolved_at", "closed_at"])
        _history(ticket, current, target, actor, now, clean["note"] or "")
        update_entry(kind=TIMELINE_KIND, object_id=ticket.pk, summary=_summary(ticket))
        change = int(ticket.is_open) - int(was_open)
        if change:
            add_to_figures(customer_id=ticket.customer_id, open_tickets=change)
        publish(
            name=EVENT,
            actor=actor,
            customer_id=ticket.customer_id,
            object_type=OBJECT_TYPE,
            object_id=ticket.pk,
            data={"from": current, "to": target},
        )
        record_audit(
            actor=actor,
            action="update",
            object_type=OBJECT_TYPE,
            object_id=ticket.pk,
            customer_id=ticket.customer_id,
            changes={"status": [current, target]},
        )
        if target == transitions.CLOSED and not erased:
            schedule_follow_up(
                actor=actor,
                customer_id=ticket.customer_id,
                title=_("Return visit after ticket #%(number)s") % {"number": ticket.pk},
                due_at=now + follow_up_after(),
                cause_kind=OBJECT_TYPE,
                cause_id=ticket.pk,
            )
    return ticket


def assign_ticket(*, actor: MaybeActor, ticket_id: Any, assignee: User | str) -> Ticket:
    """Hand a ticket (not closed) to a colleague who may work on its customer (not once the
    customer's personal data is erased: 409 ``customer_erased``; resolve or close it)."""
    with transaction.atomic():
        ticket, erased = _ticket_to_change(actor, ticket_id)
        if erased:
            raise _erased()
        if ticket.status == transitions.CLOSED:
            raise Conflict(_("A closed ticket cannot be assigned."), code="ticket_closed")
        if isinstance(assignee, str):
            assignee = user_named(assignee)
        check_assignee(customer_id=ticket.customer_id, user=assignee)
        if ticket.assignee_id == assignee.pk:
            return ticket
        before = ticket.assignee.get_username() if ticket.assignee else None
        ticket.assignee = assignee
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["assignee", "updated_at"])
        publish(
            name=EVENT,
            actor=actor,
            customer_id=ticket.customer_id,
            object_type=OBJECT_TYPE,
            object_id=ticket.pk,
            data={"from": ticket.status, "to": ticket.status, "assignee": assignee.get_username()},
        )
        record_audit(
            actor=actor,
            action="update",
            object_type=OBJECT_TYPE,
            object_id=ticket.pk,
            customer_id=ticket.customer_id,
            changes={"assignee": [before, assignee.get_username()]},
        )
    return ticket
