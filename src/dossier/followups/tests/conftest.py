"""People and a customer for the follow-up tests: team east's sales owns the customer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.customers.services import share_customer


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("owner", roles.SALES, team="east")


@pytest.fixture
def customer(owner: User, make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner)


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user("stranger", roles.SALES, team="west")


@pytest.fixture
def marketing(make_user: Callable[..., User], customer: Any, admin_user: User) -> User:
    """Marketing with the customer shared: sees it, may not work on it."""
    user = make_user("sun.li", roles.MARKETING, team="east")
    share_customer(actor=admin_user, customer_id=customer.pk, user=user)
    return user
