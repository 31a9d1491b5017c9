"""Fixtures of the bulk action tests: two teams around a handful of customers and a tag."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.customers.models import Customer, Tag
from dossier.customers.services import create_tag


@dataclass
class Crew:
    admin: User
    manager: User
    sales: User
    colleague: User
    stranger: User
    marketer: User
    analyst: User
    mine: list[Customer]
    theirs: Customer
    tag: Tag

    def ids(self) -> list[str]:
        return [str(c.pk) for c in self.mine]


@pytest.fixture
def crew(make_user: Callable[..., User], make_customer: Callable[..., Any]) -> Crew:
    sales = make_user("li.na", roles.SALES, team="east")
    stranger = make_user("zhao", roles.SALES, team="west")
    admin = make_user("boss", roles.ADMIN)
    return Crew(
        admin=admin,
        manager=make_user("wang", roles.MANAGER, team="east"),
        sales=sales,
        colleague=make_user("chen", roles.SALES, team="east"),
        stranger=stranger,
        marketer=make_user("ma", roles.MARKETING, team="east"),
        analyst=make_user("an", roles.ANALYST, team="east"),
        mine=[make_customer(sales) for _ in range(3)],
        theirs=make_customer(stranger),
        tag=create_tag(actor=admin, name="VIP"),
    )


def fresh(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)
