"""Verification fixtures: a sender that keeps messages; team east's sales owns the customer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.consent.senders import ConsentMessage, MemorySender
from dossier.core import roles
from dossier.customers.services import share_customer


@pytest.fixture(autouse=True)
def outbox(settings: Any) -> Iterator[list[ConsentMessage]]:
    """Codes go to a list, never to the data directory."""
    settings.DOSSIER_CONSENT_SENDER = "dossier.consent.senders.MemorySender"
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("owner", roles.SALES, team="east")


@pytest.fixture
def customer(owner: User, make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner, phone="13800138001", email="li.lei@example.com")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user("stranger", roles.SALES, team="west")


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("analyst", roles.ANALYST, team="east")


@pytest.fixture
def marketing(make_user: Callable[..., User], customer: Any, admin_user: User) -> User:
    """Marketing with the customer shared: sees it, may not change it."""
    user = make_user("sun.li", roles.MARKETING, team="east")
    share_customer(actor=admin_user, customer_id=customer.pk, user=user)
    return user


@pytest.fixture
def send(
    owner: User, outbox: list[ConsentMessage], django_capture_on_commit_callbacks: Any
) -> Callable[..., str]:
    """Start a verification of ``field`` as ``actor`` (the owner) and return the code sent."""
    from dossier.verification.services import start_verification

    def run(customer: Any, field: str = "phone", actor: User | None = None) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            start_verification(actor=actor or owner, customer_id=customer.pk, field=field)
        return outbox[-1].code

    return run
