"""What tickets plug into: export, erasure, merge, the 360 page's kinds, webhook payloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import RequestFactory

from dossier.activity import figures
from dossier.activity import kinds as registered
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.activity.selectors import timeline_page
from dossier.core import roles
from dossier.customers.access import customer_for
from dossier.customers.registry import erase_rows, export_sections, repoint_customer_data
from dossier.outbox.models import Event
from dossier.outbox.payloads import payload_for
from dossier.tickets import services
from dossier.tickets.models import Ticket, TicketTransition
from dossier.tickets.tests.conftest import move

pytestmark = pytest.mark.django_db


def test_the_customers_copy_holds_their_tickets_and_history(
    owner: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one(description="屏幕右下角碎裂")
    services.transition_ticket(actor=owner, ticket_id=ticket.pk, to="in_progress", note="寄修")
    [copy] = export_sections(customer)["tickets"]
    assert (copy["subject"], copy["description"], copy["status"]) == (
        "屏幕碎裂",
        "屏幕右下角碎裂",
        "in_progress",
    )
    assert [(h["from"], h["to"], h["note"]) for h in copy["history"]] == [
        (None, "new", ""),
        ("new", "in_progress", "寄修"),
    ]


def test_erasure_drops_the_customers_words_but_keeps_counts(
    owner: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one(description="王先生的手机")
    services.transition_ticket(actor=owner, ticket_id=ticket.pk, to="in_progress", note="王先生")
    open_one()
    erase_rows([customer.pk])
    kept = Ticket.objects.get(pk=ticket.pk)
    assert (kept.subject, kept.description, kept.status) == ("", "", "in_progress")
    assert set(TicketTransition.objects.values_list("note", flat=True)) == {""}
    assert not TimelineEntry.objects.filter(customer=customer).exists()
    assert CustomerFigures.objects.get(pk=customer.pk).open_tickets == 2
    assert figures.verify() == []


def test_a_merge_moves_tickets_and_history_to_the_survivor(
    owner: User, customer: Any, make_customer: Callable[..., Any], open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    survivor = make_customer(owner)
    repoint_customer_data(customer.pk, survivor.pk)
    assert Ticket.objects.get(pk=ticket.pk).customer_id == survivor.pk
    assert set(TicketTransition.objects.values_list("customer_id", flat=True)) == {survivor.pk}


def test_the_timeline_loads_tickets_for_who_may_see_them_and_draws_them(
    owner: User, customer: Any, open_one: Callable[..., Ticket], marketing: User
) -> None:
    ticket = open_one(priority="urgent")
    page = timeline_page(actor=owner, customer_id=customer.pk, kinds=["ticket"])
    [entry] = page.entries
    row = page.rows[("ticket", str(ticket.pk))]
    assert row == ticket
    kind = registered.kind("ticket")
    assert kind is not None and kind.load is not None
    assert kind.load(marketing, [str(ticket.pk), "junk"]) == {str(ticket.pk): ticket}
    request = RequestFactory().get("/")
    request.user = owner
    html = render_to_string(kind.template, {"entry": entry, "row": row}, request=request)
    assert f"/tickets/{ticket.pk}/" in html and "urgent" in html and "屏幕碎裂" in html
    bare = render_to_string(kind.template, {"entry": entry, "row": None}, request=request)
    assert "屏幕碎裂" not in bare and "urgent" in bare


def test_the_quick_action_is_offered_to_who_may_change_the_customer(
    owner: User, customer: Any, marketing: User, make_user: Callable[..., User]
) -> None:
    loaded = customer_for(owner, customer.pk)
    assert "open_ticket" in [a.key for a in registered.quick_actions(owner, loaded)]
    assert "open_ticket" not in [a.key for a in registered.quick_actions(marketing, loaded)]
    action = next(a for a in registered.quick_actions(owner, loaded) if a.key == "open_ticket")
    request = RequestFactory().get("/")
    request.user = owner
    html = render_to_string(action.template, {"customer": loaded}, request=request)
    assert f'hx-post="/tickets/new/{customer.pk}/"' in html


def test_the_webhook_payload_is_masked_by_role_and_absent_for_strangers(
    owner: User,
    customer: Any,
    open_one: Callable[..., Ticket],
    marketing: User,
    stranger: User,
    make_user: Callable[..., User],
) -> None:
    ticket = move(owner, open_one(description="客户原话"), "in_progress")
    event = Event.objects.filter(name="ticket.changed", object_id=str(ticket.pk)).latest("id")
    whole = payload_for(owner, event)
    assert whole is not None
    assert whole["object"]["description"] == "客户原话"
    assert whole["object"]["status"] == "in_progress"
    assert whole["changes"] == {"from": "new", "to": "in_progress"}
    masked = payload_for(marketing, event)
    assert masked is not None and masked["object"]["description"] is None
    assert "客户原话" not in str(masked)
    assert payload_for(stranger, event) is None
    assert payload_for(make_user("numbers", roles.ANALYST), event) is None
