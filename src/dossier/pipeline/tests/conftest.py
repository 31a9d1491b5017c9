"""Pipeline fixtures: a sales team, a service and a marketing user, customers of two scenarios."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.customers.models import Customer
from dossier.pipeline.models import Opportunity, Stage
from dossier.pipeline.services import create_opportunity
from dossier.templates.selectors import get_template


@pytest.fixture
def sales(make_user: Callable[..., User]) -> User:
    return make_user("wang.fang", roles.SALES, team="east")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("zhou.min", roles.MANAGER, team="east")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """A sales user of another team: none of east's customers is theirs."""
    return make_user("chen.xi", roles.SALES, team="west")


@pytest.fixture
def service(make_user: Callable[..., User]) -> User:
    return make_user("liu.kefu", roles.SERVICE, team="east")


@pytest.fixture
def marketing(make_user: Callable[..., User]) -> User:
    return make_user("sun.shichang", roles.MARKETING, team="east")


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("qian.fenxi", roles.ANALYST)


@pytest.fixture
def member(sales: User, make_customer: Callable[..., Any]) -> Customer:
    """A retail member owned by east sales."""
    customer: Customer = make_customer(sales, display_name="李小龙")
    return customer


@pytest.fixture
def lead(sales: User, make_customer: Callable[..., Any]) -> Customer:
    """A sales lead (scenario "sales") owned by east sales."""
    customer: Customer = make_customer(
        sales,
        template=get_template(key="sales_lead"),
        display_name="华东建材有限公司",
        source="web",
    )
    return customer


def stage(scenario: str, key: str) -> Stage:
    return Stage.objects.get(scenario=scenario, key=key)


@pytest.fixture
def deal(sales: User, member: Customer) -> Opportunity:
    """An open opportunity of the member, owned by east sales."""
    return create_opportunity(
        actor=sales,
        customer_id=member.pk,
        title="年度采购合同",
        amount="128000.00",
        next_step="周五前发送报价单给李先生",
    )
