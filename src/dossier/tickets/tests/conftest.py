"""People and a customer for the ticket tests: team east's service desk owns the customer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.customers.services import share_customer
from dossier.tickets import services
from dossier.tickets.models import Ticket

# the webhooks app's fixtures (a real HTTP receiver; local targets allowed) for test_webhooks
from dossier.webhooks.tests.conftest import allow_local, receiver  # noqa: F401


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("wang.fang", roles.SERVICE, team="east")


@pytest.fixture
def customer(owner: User, make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner)


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    """Another team's service agent: may not see the customer."""
    return make_user("zhao.lei", roles.SERVICE, team="west")


@pytest.fixture
def marketing(make_user: Callable[..., User], customer: Any, admin_user: User) -> User:
    """Marketing with the customer shared: sees it, masked, may not work on it."""
    user = make_user("sun.li", roles.MARKETING, team="east")
    share_customer(actor=admin_user, customer_id=customer.pk, user=user)
    return user


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("qian.shu", roles.ANALYST)


@pytest.fixture
def open_one(owner: User, customer: Any) -> Callable[..., Ticket]:
    """Open a ticket on the customer as its owner (keyword arguments override)."""

    def make(**values: Any) -> Ticket:
        fields = {"subject": "屏幕碎裂", "description": "手机摔落后屏幕碎裂", "priority": "high"}
        return services.open_ticket(actor=owner, customer_id=customer.pk, **{**fields, **values})

    return make


def move(actor: User, ticket: Ticket, *states: str) -> Ticket:
    """Move a ticket through ``states`` in order."""
    for state in states:
        ticket = services.transition_ticket(actor=actor, ticket_id=ticket.pk, to=state)
    return ticket
