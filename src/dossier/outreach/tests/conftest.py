"""Update campaign fixtures: a team "east" (manager, marketing, sales), its customers, consent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.consent.services import grant_consent
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.outreach.senders import MemorySender


@pytest.fixture(autouse=True)
def outbox(settings: Any) -> Iterator[list[Any]]:
    settings.DOSSIER_OUTREACH_SENDER = "dossier.outreach.senders.MemorySender"
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("zhou.zhuguan", roles.MANAGER, team="east")


@pytest.fixture
def marketing(make_user: Callable[..., User]) -> User:
    return make_user("sun.shichang", roles.MARKETING, team="east")


@pytest.fixture
def sales(make_user: Callable[..., User]) -> User:
    return make_user("wang.fang", roles.SALES, team="east")


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("qian.fenxi", roles.ANALYST)


@pytest.fixture
def west_manager(make_user: Callable[..., User]) -> User:
    return make_user("chen.xi", roles.MANAGER, team="west")


@pytest.fixture
def customers(marketing: User, make_customer: Callable[..., Any]) -> list[Customer]:
    """Four retail members owned by east marketing (so in team east)."""
    return [
        make_customer(marketing, display_name=f"会员{n}", email=f"m{n}@example.com")
        for n in range(4)
    ]


def consent(admin: User, customer: Customer, channel: str = "sms") -> None:
    """Record the customer's consent to service notices on a channel, as staff would."""
    grant_consent(
        actor=admin,
        customer_id=customer.pk,
        purpose="service_notices",
        channel=channel,
        source="staff",
        notice_version="2024-01",
    )


def token_of(message: Any) -> str:
    """The token in a message's self-service link (…/self-service/<token>/)."""
    return str(message.link.rstrip("/").rsplit("/", 1)[-1])
