"""Demo tickets: every state, legal histories, figures and timeline in step, bulk writes."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossier.activity import figures
from dossier.activity.models import TimelineEntry
from dossier.core import roles
from dossier.followups.models import Task
from dossier.tickets import transitions
from dossier.tickets.demo import fill_demo
from dossier.tickets.models import Ticket, TicketTransition

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    owner: User, make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> tuple[list[tuple[Any, int | None]], list[User]]:
    desk = make_user("desk", roles.SERVICE, team="east")
    customers = [make_customer(owner) for _ in range(12)]
    return [(c.pk, c.owner_id) for c in customers], [owner, desk]


def test_demo_tickets_come_in_every_state_with_legal_histories(world: Any) -> None:
    customers, users = world
    made = fill_demo(customers=customers, users=users, rng=random.Random(7), per_customer=6)
    assert made == Ticket.objects.count() and 50 <= made <= 100
    states = Counter(Ticket.objects.values_list("status", flat=True))
    assert set(states) == set(transitions.STATUSES)
    for ticket in Ticket.objects.prefetch_related("transitions"):
        steps = [(h.from_status, h.to_status) for h in ticket.transitions.order_by("at", "id")]
        assert steps[0] == ("", "new")
        assert all(transitions.is_legal(a, b) for a, b in steps[1:]), steps
        assert steps[-1][1] == ticket.status
        assert ticket.due_at > ticket.created_at
        assert (ticket.closed_at is not None) == (ticket.status == "closed")
    assert any(
        ("closed", "in_progress") in {(h.from_status, h.to_status) for h in t.transitions.all()}
        for t in Ticket.objects.prefetch_related("transitions")
    )
    assert TimelineEntry.objects.filter(kind="ticket").count() == made
    assert figures.verify() == []
    words = {t.description for t in Ticket.objects.all()}
    assert all(words) and any("屏幕" in w or "不制冷" in w or "换货" in w for w in words)


def test_recently_closed_tickets_have_their_return_visit(world: Any) -> None:
    customers, users = world
    fill_demo(customers=customers, users=users, rng=random.Random(3), per_customer=8)
    for task in Task.objects.filter(cause_kind="ticket"):
        ticket = Ticket.objects.get(pk=int(task.cause_id))
        assert ticket.status == "closed" and task.customer_id == ticket.customer_id
    assert TimelineEntry.objects.filter(kind="task").count() == Task.objects.count()


def test_demo_writes_in_bulk_not_row_by_row(world: Any) -> None:
    customers, users = world
    with CaptureQueriesContext(connection) as queries:
        made = fill_demo(customers=customers, users=users, rng=random.Random(1), per_customer=5)
    assert made > 40
    assert len(queries) < 40  # a handful of statements a chunk, whatever the number of rows


def test_the_same_seed_gives_the_same_tickets(world: Any) -> None:
    customers, users = world
    fill_demo(customers=customers, users=users, rng=random.Random(5), per_customer=2)
    first = sorted(Ticket.objects.values_list("subject", "status", "priority"))
    TicketTransition.objects.all().delete()
    Ticket.objects.all().delete()
    fill_demo(customers=customers, users=users, rng=random.Random(5), per_customer=2)
    assert sorted(Ticket.objects.values_list("subject", "status", "priority")) == first
