"""Campaign fixtures: marketing and sales users, customers with and without consent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.campaigns.models import Campaign
from dossier.campaigns.services import create_campaign, update_campaign
from dossier.consent.services import grant_consent, withdraw_consent
from dossier.core import roles
from dossier.customers.models import Customer


@pytest.fixture
def marketing(make_user: Callable[..., User]) -> User:
    return make_user("sun.shichang", roles.MARKETING, team="east")


@pytest.fixture
def sales(make_user: Callable[..., User]) -> User:
    return make_user("wang.fang", roles.SALES, team="east")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    return make_user("chen.xi", roles.MARKETING, team="west")


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("qian.fenxi", roles.ANALYST)


@pytest.fixture
def customers(marketing: User, make_customer: Callable[..., Any]) -> list[Customer]:
    """Five retail members owned by east marketing."""
    return [make_customer(marketing, display_name=f"会员{n}") for n in range(5)]


def consent(admin: User, customer: Customer, channel: str = "sms", *, given: bool = True) -> None:
    """Record (or withdraw) marketing consent on a channel, as staff would."""
    record = grant_consent if given else withdraw_consent
    record(
        actor=admin,
        customer_id=customer.pk,
        purpose="marketing",
        channel=channel,
        source="staff",
        notice_version="2024-01",
    )


@pytest.fixture
def campaign(marketing: User) -> Campaign:
    made = create_campaign(actor=marketing, name="双十一会员日", channel="sms")
    return update_campaign(actor=marketing, campaign_id=made.pk, changes={"status": "running"})
