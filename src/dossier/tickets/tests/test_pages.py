"""Ticket pages: the list and its overdue view, the workflow buttons (htmx and plain), the
"open a ticket" quick action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossier.activity.models import TimelineEntry
from dossier.tickets.models import Ticket, TicketTransition
from dossier.tickets.tests.conftest import move

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_tickets_and_the_overdue_view_only_late_ones(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    late = open_one(subject="屏幕碎裂")
    Ticket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=2))
    open_one(subject="退换货")
    client = client_for(owner)
    page = client.get(reverse("tickets:list")).content.decode()
    assert "屏幕碎裂" in page and "退换货" in page
    assert 'name="viewport"' in page and 'data-label="Status"' in page  # cards on a phone
    overdue = client.get(reverse("tickets:list") + "?overdue=1").content.decode()
    assert "屏幕碎裂" in overdue and "退换货" not in overdue and "Overdue tickets" in overdue
    results = client.get(reverse("tickets:list") + "?status=new", headers=HTMX)
    assert "<html" not in results.content.decode() and "退换货" in results.content.decode()


def test_the_page_speaks_chinese(owner: User, open_one: Callable[..., Ticket]) -> None:
    ticket = open_one()
    client = client_for(owner)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "新建" in page and "开始处理" in page and "高" in page


def test_the_detail_offers_exactly_the_legal_moves(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = move(owner, open_one(), "in_progress")
    page = client_for(owner).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'value="waiting_on_customer"' in page and 'value="resolved"' in page
    assert 'value="closed"' not in page and 'value="new"' not in page
    assert "hx-post" in page


def test_a_button_press_with_htmx_redraws_the_workflow_and_tells_the_timeline(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    url = reverse("tickets:transition", args=[ticket.pk])
    response = client_for(owner).post(
        url, {"to": "in_progress", "from_status": "new", "note": "开始处理"}, headers=HTMX
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    html = response.content.decode()
    assert 'id="ticket-workflow"' in html and "<html" not in html
    assert 'data-status="in_progress"' in html
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"


def test_an_illegal_press_shows_the_refusal_and_changes_nothing(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    url = reverse("tickets:transition", args=[ticket.pk])
    client = client_for(owner)
    response = client.post(url, {"to": "closed", "from_status": "new"}, headers=HTMX)
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "A ticket cannot go from “new” to “closed”." in response.content.decode()
    plain = client.post(url, {"to": "closed"}, follow=True)
    assert "A ticket cannot go from “new” to “closed”." in plain.content.decode()
    # a second press of a button already pressed (the page still showed "new")
    move(owner, ticket, "in_progress")
    stale = client.post(url, {"to": "in_progress", "from_status": "new"}, headers=HTMX)
    assert "moved on" in stale.content.decode()
    assert TicketTransition.objects.filter(ticket=ticket).count() == 2


def test_without_javascript_a_press_redirects_to_the_ticket(
    owner: User, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    response = client_for(owner).post(
        reverse("tickets:transition", args=[ticket.pk]), {"to": "in_progress"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])


def test_take_it_assigns_to_me(owner: User, open_one: Callable[..., Ticket]) -> None:
    ticket = open_one()
    response = client_for(owner).post(
        reverse("tickets:assign", args=[ticket.pk]), {"assignee": "me"}, headers=HTMX
    )
    assert response.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).assignee == owner


def test_the_quick_action_opens_a_ticket_and_tells_the_timeline(owner: User, customer: Any) -> None:
    url = reverse("tickets:create", args=[customer.pk])
    client = client_for(owner)
    form = client.get(url).content.decode()
    assert 'name="subject"' in form and f'hx-post="{url}"' in form
    data = {"subject": "屏幕碎裂", "description": "摔了", "priority": "urgent", "order_ref": "SO-1"}
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "timeline-changed"
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.priority, ticket.order_ref) == ("屏幕碎裂", "urgent", "SO-1")
    assert f'href="/tickets/{ticket.pk}/"' in response.content.decode()
    assert TimelineEntry.objects.filter(kind="ticket", object_id=str(ticket.pk)).exists()


def test_the_quick_action_shows_errors_in_place(owner: User, customer: Any) -> None:
    url = reverse("tickets:create", args=[customer.pk])
    client = client_for(owner)
    response = client.post(url, {"subject": "", "priority": "later"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "Subject is required." in html and "“later” is not one of the allowed" in html
    plain = client.post(url, {"subject": ""})
    assert plain.status_code == 422 and "<html" in plain.content.decode()
    assert not Ticket.objects.exists()


def test_other_teams_and_marketing_are_turned_away(
    stranger: User, marketing: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    other = client_for(stranger)
    assert other.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
    assert (
        other.post(
            reverse("tickets:transition", args=[ticket.pk]), {"to": "in_progress"}
        ).status_code
        == 404
    )
    looker = client_for(marketing)
    page = looker.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "手机摔落" not in page and 'name="to"' not in page  # masked, and no buttons
    refused = looker.post(reverse("tickets:transition", args=[ticket.pk]), {"to": "in_progress"})
    assert refused.status_code == 403
    assert Ticket.objects.get().status == "new"
