"""Consent test fixtures: a sender that keeps messages, consent-managing roles, customers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache

from dossier.consent.senders import ConsentMessage, MemorySender
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.templates.models import Template

# the roles the lead is asked to give consent.manage_consent (accounts/roles.py)
MANAGING_ROLES = [roles.ADMIN, roles.MANAGER, roles.SALES, roles.SERVICE, roles.MARKETING]


@pytest.fixture(autouse=True)
def outbox(settings: Any) -> Iterator[list[ConsentMessage]]:
    """Codes go to a list, never to the data directory."""
    settings.DOSSIER_CONSENT_SENDER = "dossier.consent.senders.MemorySender"
    MemorySender.outbox.clear()
    cache.clear()  # the confirmation page counts failed codes per IP address in the cache
    yield MemorySender.outbox
    MemorySender.outbox.clear()


@pytest.fixture
def consent_roles(make_user: Callable[..., User]) -> None:
    """Give consent.manage_consent to the roles proposed for it (make_user built the groups)."""
    permission = Permission.objects.get(
        content_type__app_label="consent", codename="manage_consent"
    )
    for group in Group.objects.filter(name__in=MANAGING_ROLES):
        group.permissions.add(permission)


@pytest.fixture
def admin(make_user: Callable[..., User], consent_roles: None) -> User:
    return make_user("consent-admin", roles.ADMIN)


@pytest.fixture
def sales(make_user: Callable[..., User], consent_roles: None) -> User:
    return make_user("wang.fang", roles.SALES, team="east")


@pytest.fixture
def marketing(make_user: Callable[..., User], consent_roles: None) -> User:
    return make_user("zhao.lei", roles.MARKETING)


@pytest.fixture
def add_customer(admin: User, member_template: Template) -> Callable[..., Customer]:
    """A customer on the member template, owned by ``owner`` (the admin by default)."""
    count = iter(range(100))

    def make(owner: User | None = None, **values: Any) -> Customer:
        n = next(count)
        values = {"display_name": f"张三{n}", "phone": f"1380013{8000 + n:04d}", **values}
        return create_customer(
            actor=admin, template=member_template, values=values, owner=owner or admin
        )

    return make
