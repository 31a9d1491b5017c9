"""ticket.changed and task.due reach webhook receivers as their owner may see them.

A real HTTP receiver (the webhooks app's test fixture) gets the signed deliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.core import roles
from dossier.customers.services import share_customer
from dossier.followups.services import announce_due_tasks
from dossier.tickets.models import Ticket
from dossier.tickets.tests.conftest import move
from dossier.webhooks import services as webhooks
from dossier.webhooks.models import Delivery
from dossier.webhooks.tests.conftest import Receiver, with_webhooks

pytestmark = pytest.mark.django_db


def subscribe(owner: User, url: str, *events: str) -> None:
    webhooks.create_subscription(actor=owner, name=owner.username, url=url, events=list(events))


def test_receivers_get_ticket_changes_and_due_tasks_as_their_owners_may_see_them(
    allow_local: None,
    receiver: Receiver,
    owner: User,
    customer: Any,
    admin_user: User,
    make_user: Callable[..., User],
    open_one: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:
    manager = make_user("integrator", roles.MANAGER, team="east")
    marketing = with_webhooks(make_user("market", roles.MARKETING, team="east"))
    share_customer(actor=admin_user, customer_id=customer.pk, user=marketing)
    stranger = with_webhooks(make_user("west-sales", roles.SALES, team="west"))
    for who in (manager, marketing, stranger):
        subscribe(who, receiver.url, "ticket.changed", "task.due")

    with django_capture_on_commit_callbacks(execute=True):
        ticket = move(owner, open_one(description="客户说屏幕碎了"), "in_progress")

    delivered = [r.json() for r in receiver.requests]
    assert {(b["event"], b["changes"]["to"]) for b in delivered} == {
        ("ticket.changed", "new"),
        ("ticket.changed", "in_progress"),
    }
    assert len(delivered) == 4  # two changes, to the manager and to marketing
    described = sorted(str(b["object"]["description"]) for b in delivered)
    assert described == ["None", "None", "客户说屏幕碎了", "客户说屏幕碎了"]
    skipped = Delivery.objects.filter(subscription__owner=stranger)
    assert set(skipped.values_list("status", "last_error")) == {("skipped", "not_visible")}

    # closing schedules the return visit; when it falls due, task.due goes out
    with django_capture_on_commit_callbacks(execute=True):
        move(owner, ticket, "resolved", "closed")
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert announce_due_tasks(now=timezone.now() + timedelta(days=4)) == 1
    due = [r.json() for r in receiver.requests]
    assert [b["event"] for b in due] == ["task.due", "task.due"]
    titles = sorted(str(b["object"]["title"]) for b in due)
    assert titles == ["None", f"Return visit after ticket #{ticket.pk}"]
    assert {b["object"]["cause_id"] for b in due} == {str(ticket.pk)}
