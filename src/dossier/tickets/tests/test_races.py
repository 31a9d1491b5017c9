"""Two people pressing the same button at the same instant: the row lock serves them in turn."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from dossier.activity import figures
from dossier.activity.models import CustomerFigures
from dossier.core.errors import ApplicationError
from dossier.followups.models import Task
from dossier.outbox.models import Event
from dossier.tickets import services
from dossier.tickets.models import Ticket, TicketTransition
from dossier.tickets.tests.conftest import move

THREADS = 6


def race(actor: User, ticket: Ticket, to: str) -> list[str]:
    """Send ``THREADS`` moves of one ticket to ``to`` at once; each one's outcome."""
    start = threading.Barrier(THREADS)
    outcomes: list[str] = [""] * THREADS

    def press(number: int) -> None:
        try:
            start.wait()
            services.transition_ticket(actor=actor, ticket_id=ticket.pk, to=to)
            outcomes[number] = "moved"
        except ApplicationError as error:
            outcomes[number] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.fixture
def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite runs one write transaction at a time (transaction_mode IMMEDIATE): the "
            "race needs PostgreSQL, where the row lock is what serialises the two"
        )


@pytest.mark.django_db(transaction=True)
def test_simultaneous_resolves_move_the_ticket_once(
    needs_postgresql: None, owner: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = move(owner, open_one(), "in_progress")
    outcomes = race(owner, ticket, "resolved")
    assert outcomes == ["illegal_transition"] * (THREADS - 1) + ["moved"]
    assert TicketTransition.objects.filter(ticket=ticket, to_status="resolved").count() == 1
    assert Event.objects.filter(name="ticket.changed").count() == 3
    assert CustomerFigures.objects.get(pk=customer.pk).open_tickets == 0
    assert figures.verify() == []


@pytest.mark.django_db(transaction=True)
def test_simultaneous_closes_schedule_one_return_visit(
    needs_postgresql: None, owner: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = move(owner, open_one(), "in_progress", "resolved")
    outcomes = race(owner, ticket, "closed")
    assert outcomes == ["illegal_transition"] * (THREADS - 1) + ["moved"]
    assert Task.objects.filter(cause_kind="ticket", cause_id=str(ticket.pk)).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"
