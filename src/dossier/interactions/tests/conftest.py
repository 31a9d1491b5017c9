"""Fixtures of the interactions tests: an owner in team east, their customer, other roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.customers.services import share_customer


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("li.na", roles.SALES, team="east")


@pytest.fixture
def customer(owner: User, make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner, display_name="王小明")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    """A sales user of another team: the customer is out of their sight."""
    return make_user("zhao.lei", roles.SALES, team="west")


@pytest.fixture
def marketer(make_user: Callable[..., User], customer: Any, admin_user: User) -> User:
    """Marketing, with the customer shared: sees the customer, may not change it."""
    user = make_user("mei.ling", roles.MARKETING, team="east")
    share_customer(actor=admin_user, customer_id=customer.pk, user=user)
    return user


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("shu.ju", roles.ANALYST)
