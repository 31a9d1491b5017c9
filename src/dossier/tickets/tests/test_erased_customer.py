"""Once a customer's personal data is erased, their tickets take no new words: no notes, no
hand-over, no reopening; they may only be wound down to closed (no return visit follows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core.errors import Conflict
from dossier.followups.models import Task
from dossier.privacy.erasure import erase_customer
from dossier.tickets import services
from dossier.tickets.models import Ticket, TicketTransition
from dossier.tickets.tests.conftest import move

pytestmark = pytest.mark.django_db
NOTE = "她丈夫李四说打 13800138000"


@pytest.fixture
def erased_ticket(open_one: Callable[..., Ticket], customer: Any, admin_user: User) -> Ticket:
    ticket = open_one()
    erase_customer(actor=admin_user, customer_id=customer.pk)
    return ticket


def _notes() -> list[str]:
    return [row.note for row in TicketTransition.objects.all()]


def test_a_note_on_an_erased_customers_ticket_is_refused(
    owner: User, erased_ticket: Ticket
) -> None:
    for current, target in (("new", "in_progress"), ("in_progress", "resolved")):
        with pytest.raises(Conflict) as caught:
            services.transition_ticket(
                actor=owner, ticket_id=erased_ticket.pk, to=target, note=NOTE
            )
        assert caught.value.code == "customer_erased"
        assert Ticket.objects.get(pk=erased_ticket.pk).status == current
        services.transition_ticket(actor=owner, ticket_id=erased_ticket.pk, to=target)
    assert all("13800138000" not in note for note in _notes())


def test_reopening_or_handing_on_an_erased_customers_ticket_is_refused(
    owner: User, erased_ticket: Ticket
) -> None:
    move(owner, erased_ticket, "in_progress", "resolved")
    with pytest.raises(Conflict) as caught:
        services.transition_ticket(actor=owner, ticket_id=erased_ticket.pk, to="in_progress")
    assert caught.value.code == "customer_erased"
    with pytest.raises(Conflict) as waiting:
        # waiting on a customer whose data is gone: not a way to the end
        Ticket.objects.filter(pk=erased_ticket.pk).update(status="in_progress")
        services.transition_ticket(
            actor=owner, ticket_id=erased_ticket.pk, to="waiting_on_customer"
        )
    assert waiting.value.code == "customer_erased"
    with pytest.raises(Conflict) as handed:
        services.assign_ticket(actor=owner, ticket_id=erased_ticket.pk, assignee=owner)
    assert handed.value.code == "customer_erased"
    assert Ticket.objects.get(pk=erased_ticket.pk).assignee is None


def test_an_erased_customers_ticket_may_still_be_closed_without_a_return_visit(
    owner: User, erased_ticket: Ticket
) -> None:
    move(owner, erased_ticket, "in_progress", "resolved", "closed")
    closed = Ticket.objects.get(pk=erased_ticket.pk)
    assert closed.status == "closed" and closed.closed_at is not None
    assert _notes()[-1] == "" and not Task.objects.exists()


def test_the_api_answers_409_for_a_note_after_erasure(
    api_as: Callable[..., Any], owner: User, erased_ticket: Ticket
) -> None:
    api = api_as(owner)
    answer = api.post(
        f"/tickets/{erased_ticket.pk}/transition", {"to": "in_progress", "note": NOTE}
    )
    assert (answer.status_code, answer.json()["code"]) == (409, "customer_erased")
    started = api.post(f"/tickets/{erased_ticket.pk}/transition", {"to": "in_progress"})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    handed = api.post(f"/tickets/{erased_ticket.pk}/assign", {"assignee": owner.username})
    assert (handed.status_code, handed.json()["code"]) == (409, "customer_erased")


def test_a_customer_not_erased_still_takes_notes(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = services.transition_ticket(
        actor=owner, ticket_id=open_one().pk, to="in_progress", note=NOTE
    )
    assert _notes()[-1] == NOTE and ticket.status == "in_progress"
