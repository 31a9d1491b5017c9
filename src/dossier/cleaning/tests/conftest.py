"""Customers with messy addresses and slips, owned by sales people of two teams."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.cleaning.models import CleaningRun
from dossier.cleaning.services import run_cleaning, start_run
from dossier.core import roles
from dossier.customers.models import Customer


@pytest.fixture
def east(make_user: Callable[..., User]) -> User:
    return make_user("east.sales", roles.SALES, team="east")


@pytest.fixture
def west(make_user: Callable[..., User]) -> User:
    return make_user("west.sales", roles.SALES, team="west")


@pytest.fixture
def cleaned(django_capture_on_commit_callbacks: Any) -> Callable[..., CleaningRun]:
    """Start a run as ``actor`` and let the (immediate) task queue do it."""

    def run(actor: User, kind: str) -> CleaningRun:
        with django_capture_on_commit_callbacks(execute=True):
            made = start_run(actor=actor, kind=kind)
        made.refresh_from_db()
        return made

    return run


def raw(customer: Customer, **values: Any) -> Customer:
    """Store values as an old import left them, past validation (legacy data to clean)."""
    Customer.objects.filter(pk=customer.pk).update(**values)
    customer.refresh_from_db()
    return customer


__all__ = ["raw", "run_cleaning"]
