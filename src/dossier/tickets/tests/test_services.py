"""Tickets through the services: opening, every legal and illegal move, figures, events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import product
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone, translation

from dossier.activity import figures
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.audit.models import AuditEvent
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.followups.models import Task
from dossier.outbox.models import Event
from dossier.tickets import services, transitions
from dossier.tickets.models import Ticket, TicketTransition
from dossier.tickets.tests.conftest import move

pytestmark = pytest.mark.django_db

# a way to reach each state from "new" (the legal path)
PATH = {
    "new": [],
    "in_progress": ["in_progress"],
    "waiting_on_customer": ["in_progress", "waiting_on_customer"],
    "resolved": ["in_progress", "resolved"],
    "closed": ["in_progress", "resolved", "closed"],
}
ILLEGAL = [
    (a, b)
    for a, b in product(transitions.STATUSES, transitions.STATUSES)
    if not transitions.is_legal(a, b)
]


def open_tickets(customer: Any) -> int:
    row = CustomerFigures.objects.filter(pk=customer.pk).first()
    return row.open_tickets if row else 0


def test_opening_writes_ticket_history_timeline_figures_event_and_audit(
    owner: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    before = timezone.now()
    ticket = open_one(priority="urgent", order_ref="SO-20260301-0001", product_ref="SKU-X1")
    assert ticket.status == "new" and ticket.created_by == owner
    assert before + timedelta(hours=4) <= ticket.due_at <= timezone.now() + timedelta(hours=4)
    [row] = TicketTransition.objects.filter(ticket=ticket)
    assert (row.from_status, row.to_status, row.by, row.customer_id) == (
        "",
        "new",
        owner,
        customer.pk,
    )
    entry = TimelineEntry.objects.get(kind="ticket", object_id=str(ticket.pk))
    assert entry.summary == {"status": "new", "priority": "urgent"}  # no words of the customer
    assert open_tickets(customer) == 1
    event = Event.objects.get(name="ticket.changed", object_id=str(ticket.pk))
    assert (event.data, event.customer_id, event.actor_id) == (
        {"from": None, "to": "new"},
        customer.pk,
        owner.pk,
    )
    assert AuditEvent.objects.filter(object_type="ticket", object_id=str(ticket.pk)).count() == 1
    assert figures.verify() == []


@pytest.mark.parametrize(
    ("priority", "hours"), [("urgent", 4), ("high", 8), ("normal", 24), ("low", 72)]
)
def test_sla_due_time_is_computed_from_the_priority(
    open_one: Callable[..., Ticket], priority: str, hours: int
) -> None:
    ticket = open_one(priority=priority)
    assert ticket.due_at - ticket.created_at == timedelta(hours=hours)


def test_settings_override_the_sla_hours(open_one: Callable[..., Ticket], settings: Any) -> None:
    settings.DOSSIER_TICKET_SLA_HOURS = "urgent=1,low=240"
    assert open_one(priority="urgent").due_at - timezone.now() < timedelta(hours=1)
    low = open_one(priority="low")
    assert low.due_at - low.created_at == timedelta(hours=240)
    assert (lambda t: t.due_at - t.created_at)(open_one(priority="normal")) == timedelta(hours=24)
    settings.DOSSIER_TICKET_SLA_HOURS = "urgent=soon"
    with pytest.raises(ImproperlyConfigured, match="DOSSIER_TICKET_SLA_HOURS"):
        open_one(priority="urgent")


def test_the_description_is_encrypted_at_rest(open_one: Callable[..., Ticket]) -> None:
    ticket = open_one(description="客户王先生说屏幕碎了")
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM tickets_ticket WHERE id = %s", [ticket.pk])
        stored = cursor.fetchone()[0]
    assert "王先生" not in stored and stored
    assert Ticket.objects.get(pk=ticket.pk).description == "客户王先生说屏幕碎了"


def test_every_bad_field_is_reported_at_once_and_nothing_is_written(
    owner: User, customer: Any
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.open_ticket(
            actor=owner,
            customer_id=customer.pk,
            subject="  ",
            description="x" * 5001,
            priority="whenever",
            order_ref="A" * 65,
            product_ref="bad\x00ref",
        )
    found = {(e.field, e.code) for e in caught.value.errors}
    assert found == {
        ("subject", "required"),
        ("description", "too_long"),
        ("priority", "invalid_choice"),
        ("order_ref", "too_long"),
        ("product_ref", "control_characters"),
    }
    assert not Ticket.objects.exists() and not TimelineEntry.objects.exists()
    assert open_tickets(customer) == 0 and not Event.objects.filter(name="ticket.changed").exists()


def test_the_priority_may_be_named_by_its_label(open_one: Callable[..., Ticket]) -> None:
    assert open_one(priority="紧急").priority == "urgent"
    assert open_one(priority="Low").priority == "low"


def test_the_whole_workflow_with_reopen_keeps_figures_true(
    owner: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    expected_open = {"in_progress": 1, "waiting_on_customer": 1, "resolved": 0, "closed": 0}
    for state in ["in_progress", "waiting_on_customer", "in_progress", "resolved", "closed"]:
        ticket = services.transition_ticket(actor=owner, ticket_id=ticket.pk, to=state, note="ok")
        assert open_tickets(customer) == expected_open[state]
        assert figures.verify() == []
    reopened = services.transition_ticket(actor=owner, ticket_id=ticket.pk, to="in_progress")
    assert open_tickets(customer) == 1 and figures.verify() == []
    assert reopened.closed_at is None and reopened.resolved_at is None
    move(owner, reopened, "resolved", "in_progress", "resolved", "closed")
    assert open_tickets(customer) == 0 and figures.verify() == []
    history = list(
        TicketTransition.objects.filter(ticket=ticket).values_list("from_status", "to_status")
    )
    assert history == [
        ("", "new"),
        ("new", "in_progress"),
        ("in_progress", "waiting_on_customer"),
        ("waiting_on_customer", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
        ("closed", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
    ]
    entry = TimelineEntry.objects.get(kind="ticket", object_id=str(ticket.pk))
    assert entry.summary == {"status": "closed", "priority": "high"}
    changes = [e.data for e in Event.objects.filter(name="ticket.changed").order_by("id")]
    assert changes[-1] == {"from": "resolved", "to": "closed"} and len(changes) == 11


def test_figures_stay_true_over_many_tickets_and_customers(
    owner: User, customer: Any, make_customer: Callable[..., Any], open_one: Callable[..., Ticket]
) -> None:
    other = make_customer(owner)
    for state, path in PATH.items():
        move(owner, open_one(subject=state), *path)
        move(owner, services.open_ticket(actor=owner, customer_id=other.pk, subject=state), *path)
    assert open_tickets(customer) == 3 and open_tickets(other) == 3
    assert figures.verify() == []


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_an_illegal_move_is_refused_and_changes_nothing(
    owner: User, customer: Any, open_one: Callable[..., Ticket], current: str, target: str
) -> None:
    ticket = move(owner, open_one(), *PATH[current])
    history = list(TicketTransition.objects.filter(ticket=ticket).values_list("id", flat=True))
    events, audits = Event.objects.count(), AuditEvent.objects.count()
    tasks, figure = Task.objects.count(), open_tickets(customer)
    with pytest.raises(ValidationFailed) as caught:
        services.transition_ticket(actor=owner, ticket_id=ticket.pk, to=target, note="试试")
    error = caught.value
    assert (error.status, error.code) == (422, "illegal_transition")
    assert (error.extra["from"], error.extra["to"]) == (current, target)
    assert error.extra["allowed"] == transitions.next_states(current)
    assert [(e.field, e.code) for e in error.errors] == [("to", "illegal_transition")]
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.updated_at, stored.due_at) == (
        current,
        ticket.updated_at,
        ticket.due_at,
    )
    assert list(TicketTransition.objects.filter(ticket=ticket).values_list("id", flat=True)) == (
        history
    )
    assert (Event.objects.count(), AuditEvent.objects.count()) == (events, audits)
    assert (Task.objects.count(), open_tickets(customer)) == (tasks, figure)


def test_the_refusal_names_both_states_in_the_callers_language(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as chinese:
        services.transition_ticket(actor=owner, ticket_id=ticket.pk, to="closed")
    assert "“新建”" in chinese.value.message and "“已关闭”" in chinese.value.message
    assert "“新建”" in chinese.value.errors[0].message("zh-hans")
    with translation.override("en"), pytest.raises(ValidationFailed) as english:
        services.transition_ticket(actor=owner, ticket_id=ticket.pk, to="closed")
    assert english.value.message == "A ticket cannot go from “new” to “closed”."
    assert english.value.errors[0].message("en") == (
        "New status: a ticket cannot go from “new” to “closed”."
    )


def test_an_unknown_state_is_an_invalid_choice(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    with pytest.raises(ValidationFailed) as caught:
        services.transition_ticket(actor=owner, ticket_id=ticket.pk, to="archived")
    assert [(e.field, e.code) for e in caught.value.errors] == [("to", "invalid_choice")]
    assert TicketTransition.objects.filter(ticket=ticket).count() == 1


def test_a_move_from_a_state_the_ticket_has_left_is_a_conflict(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = move(owner, open_one(), "in_progress")
    with pytest.raises(Conflict) as caught:
        services.transition_ticket(
            actor=owner, ticket_id=ticket.pk, to="in_progress", from_status="new"
        )
    assert caught.value.code == "ticket_moved_on" and caught.value.extra["status"] == "in_progress"
    assert TicketTransition.objects.filter(ticket=ticket).count() == 2
    done = services.transition_ticket(
        actor=owner, ticket_id=ticket.pk, to="resolved", from_status="in_progress"
    )
    assert done.status == "resolved"


def test_closing_schedules_the_return_visit_for_the_customers_owner(
    make_user: Callable[..., User], customer: Any, owner: User, open_one: Callable[..., Ticket]
) -> None:
    manager = make_user("zhou.jie", "manager", team="east")
    ticket = move(manager, open_one(), "in_progress", "resolved")
    assert not Task.objects.exists()  # resolving is not closing
    closed = services.transition_ticket(actor=manager, ticket_id=ticket.pk, to="closed")
    task = Task.objects.get()
    assert (task.cause_kind, task.cause_id, task.customer_id) == (
        "ticket",
        str(ticket.pk),
        customer.pk,
    )
    assert task.assignee == owner and task.created_by == manager and task.status == "open"
    assert task.due_at == closed.closed_at + timedelta(days=3)
    assert TimelineEntry.objects.filter(kind="task", object_id=str(task.pk)).exists()
    # closed again after a reopen: a second return visit
    move(manager, closed, "in_progress", "resolved", "closed")
    assert Task.objects.filter(cause_kind="ticket", cause_id=str(ticket.pk)).count() == 2


def test_the_return_visit_delay_follows_settings(
    owner: User, open_one: Callable[..., Ticket], settings: Any
) -> None:
    settings.DOSSIER_TICKET_FOLLOW_UP_DAYS = "7"
    closed = move(owner, open_one(), "in_progress", "resolved", "closed")
    assert Task.objects.get().due_at == closed.closed_at + timedelta(days=7)
    settings.DOSSIER_TICKET_FOLLOW_UP_DAYS = "a week"
    resolved = move(owner, open_one(), "in_progress", "resolved")
    with pytest.raises(ImproperlyConfigured, match="FOLLOW_UP_DAYS"):
        services.transition_ticket(actor=owner, ticket_id=resolved.pk, to="closed")
    assert Ticket.objects.get(pk=resolved.pk).status == "resolved"  # nothing half done


def test_reopening_starts_a_new_sla_period(owner: User, open_one: Callable[..., Ticket]) -> None:
    ticket = move(owner, open_one(priority="urgent"), "in_progress", "resolved")
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - timedelta(days=2))
    reopened = services.transition_ticket(actor=owner, ticket_id=ticket.pk, to="in_progress")
    assert reopened.due_at - reopened.updated_at == timedelta(hours=4)


def test_another_teams_agent_gets_not_found_and_nothing_is_written(
    stranger: User, customer: Any, owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    with pytest.raises(NotFound):
        services.open_ticket(actor=stranger, customer_id=customer.pk, subject="x")
    with pytest.raises(NotFound):
        services.transition_ticket(actor=stranger, ticket_id=ticket.pk, to="in_progress")
    with pytest.raises(NotFound):
        services.assign_ticket(actor=stranger, ticket_id=ticket.pk, assignee=stranger)
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().status == "new" and Ticket.objects.get().assignee is None
    assert (
        TicketTransition.objects.count() == 1
        and Event.objects.filter(name="ticket.changed").count() == 1
    )


def test_marketing_may_look_but_not_work_and_analysts_see_nothing(
    marketing: User, analyst: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    with pytest.raises(PermissionDenied):
        services.open_ticket(actor=marketing, customer_id=customer.pk, subject="x")
    with pytest.raises(PermissionDenied):
        services.transition_ticket(actor=marketing, ticket_id=ticket.pk, to="in_progress")
    with pytest.raises(PermissionDenied):
        services.assign_ticket(actor=marketing, ticket_id=ticket.pk, assignee=marketing)
    with pytest.raises(NotFound):
        services.open_ticket(actor=analyst, customer_id=customer.pk, subject="x")
    with pytest.raises(NotFound):
        services.transition_ticket(actor=analyst, ticket_id=ticket.pk, to="in_progress")
    assert Ticket.objects.get().status == "new" and Ticket.objects.count() == 1


def test_assigning_goes_only_to_colleagues_who_may_work_on_the_customer(
    owner: User,
    stranger: User,
    marketing: User,
    make_user: Callable[..., User],
    open_one: Callable[..., Ticket],
) -> None:
    ticket = open_one()
    for who in (stranger, marketing):
        with pytest.raises(ValidationFailed) as caught:
            services.assign_ticket(actor=owner, ticket_id=ticket.pk, assignee=who)
        assert [(e.field, e.code) for e in caught.value.errors] == [
            ("assignee", "assignee_not_eligible")
        ]
    with pytest.raises(ValidationFailed) as unknown:
        services.assign_ticket(actor=owner, ticket_id=ticket.pk, assignee="nobody")
    assert unknown.value.errors[0].code == "unknown_user"
    manager = make_user("zhou.jie", "manager", team="east")
    assigned = services.assign_ticket(actor=owner, ticket_id=ticket.pk, assignee="zhou.jie")
    assert assigned.assignee == manager
    event = Event.objects.filter(name="ticket.changed").latest("id")
    assert event.data == {"from": "new", "to": "new", "assignee": "zhou.jie"}
    # the same colleague again changes nothing
    services.assign_ticket(actor=owner, ticket_id=ticket.pk, assignee=manager)
    assert Event.objects.filter(name="ticket.changed").count() == 2
    closed = move(owner, assigned, "in_progress", "resolved", "closed")
    with pytest.raises(Conflict):
        services.assign_ticket(actor=owner, ticket_id=closed.pk, assignee=owner)


def test_opening_for_a_colleague_checks_them(owner: User, stranger: User, customer: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.open_ticket(actor=owner, customer_id=customer.pk, subject="x", assignee=stranger)
    ticket = services.open_ticket(
        actor=owner, customer_id=customer.pk, subject="x", assignee=owner.username
    )
    assert ticket.assignee == owner
    assert Ticket.objects.count() == 1
