"""A ticket's subject is often the customer's own words: encrypted at rest, and held back
like the description from those who may not see personal data (API, pages, timeline,
webhooks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from dossier.activity.models import TimelineEntry
from dossier.core.errors import ValidationFailed
from dossier.outbox.models import Event
from dossier.tickets import services
from dossier.tickets.models import Ticket
from dossier.tickets.registrations import ticket_payload

pytestmark = pytest.mark.django_db
WORDS = "张三 13800138000 说前夫摔坏了"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_subject_is_encrypted_at_rest(open_one: Callable[..., Ticket]) -> None:
    ticket = open_one(subject=WORDS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject FROM tickets_ticket WHERE id = %s", [ticket.pk])
        stored = cursor.fetchone()[0]
    assert stored and "13800138000" not in stored and "张三" not in stored
    assert Ticket.objects.get(pk=ticket.pk).subject == WORDS


def test_a_subject_longer_than_200_characters_is_refused(owner: User, customer: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.open_ticket(actor=owner, customer_id=customer.pk, subject="屏" * 201)
    assert [(e.field, e.code) for e in caught.value.errors] == [("subject", "too_long")]
    assert not Ticket.objects.exists()
    assert services.open_ticket(actor=owner, customer_id=customer.pk, subject="屏" * 200).pk


def test_marketing_gets_tickets_without_their_subject_from_the_api(
    api_as: Callable[..., Any], owner: User, marketing: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one(subject=WORDS)
    shown = api_as(marketing).get(f"/tickets/{ticket.pk}")
    assert shown.status_code == 200
    assert shown.json()["subject"] is None and "subject" in shown.json()["masked"]
    listed = api_as(marketing).get("/tickets").json()["items"]
    assert [(t["id"], t["subject"]) for t in listed] == [(ticket.pk, None)]
    assert "subject" in listed[0]["masked"]
    assert "13800138000" not in api_as(marketing).get("/tickets").content.decode()
    mine = api_as(owner).get(f"/tickets/{ticket.pk}").json()
    assert (mine["subject"], mine["masked"]) == (WORDS, [])


def test_marketing_pages_hold_the_subject_back(
    owner: User, marketing: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one(subject=WORDS)
    looker = client_for(marketing)
    listed = looker.get(reverse("tickets:list")).content.decode()
    detail = looker.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert f"#{ticket.pk}" in listed and f"#{ticket.pk}" in detail
    assert "13800138000" not in listed and "13800138000" not in detail
    assert "(hidden: personal data)" in detail
    assert (
        WORDS in client_for(owner).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    )


def test_the_timeline_entry_shows_the_subject_only_with_personal_data_rights(
    owner: User, marketing: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one(subject=WORDS)
    entry = TimelineEntry.objects.get(kind="ticket", object_id=str(ticket.pk))
    request = RequestFactory().get("/")
    request.user = owner
    template = "tickets/timeline_entry.html"
    assert WORDS in render_to_string(template, {"entry": entry, "row": ticket}, request=request)
    request.user = marketing
    shown = render_to_string(template, {"entry": entry, "row": ticket}, request=request)
    assert "13800138000" not in shown and f"#{ticket.pk}" in shown


def test_the_webhook_payload_masks_the_subject_for_marketing(
    owner: User, marketing: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one(subject=WORDS)
    event = Event(object_type="ticket", object_id=str(ticket.pk))
    held_back = ticket_payload(marketing, event)
    assert held_back is not None
    assert held_back["subject"] is None and "subject" in held_back["masked"]
    whole = ticket_payload(owner, event)
    assert whole is not None and whole["subject"] == WORDS
