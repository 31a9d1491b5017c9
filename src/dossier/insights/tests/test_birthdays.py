"""Birthday greetings: only where consent for the purpose and a channel allows, never for
restricted or erased customers, once a year, 29 February on the 28th in a common year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.consent.services.recording import grant_consent, withdraw_consent
from dossier.core import roles
from dossier.followups.models import Task
from dossier.insights.birthdays import plan_birthday_greetings
from dossier.privacy.erasure import erase_customer
from dossier.privacy.requests import restrict_processing

TODAY = date(2026, 6, 12)  # greetings are made 3 days ahead: for 15 June


def _consent(admin: User, customer: Any, channel: str = "sms", grant: bool = True) -> None:
    record = grant_consent if grant else withdraw_consent
    record(actor=admin, customer_id=customer.pk, purpose="marketing", channel=channel,
           source="staff", notice_version="v1")  # fmt: skip


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("bday.owner", roles.SALES)


def test_only_consenting_customers_who_may_be_used_get_a_greeting_task(
    owner: User, admin_user: User, make_customer: Callable[..., Any]
) -> None:
    born = {"birthday": "1990-06-15"}
    consenting, silent, withdrawn, restricted, erased = (
        make_customer(owner, **born) for _ in range(5)
    )
    other_day = make_customer(owner, birthday="1990-06-16")
    for customer in (consenting, withdrawn, restricted, erased, other_day):
        _consent(admin_user, customer)
    _consent(admin_user, consenting, channel="email")
    _consent(admin_user, withdrawn, grant=False)
    restrict_processing(actor=admin_user, customer_id=restricted.pk, reason="客户要求")
    erase_customer(actor=admin_user, customer_id=erased.pk)
    assert plan_birthday_greetings(today=TODAY) == 1
    task = Task.objects.get(cause_kind="birthday")
    assert task.customer_id == consenting.pk and task.assignee == owner
    assert "2026-06-15" in task.title and "SMS" in task.title and "E-mail" in task.title
    assert silent.pk not in set(Task.objects.values_list("customer_id", flat=True))
    # once a year: the next run (or a second worker) makes no second task
    assert plan_birthday_greetings(today=TODAY) == 0
    assert Task.objects.filter(cause_kind="birthday").count() == 1


def test_29_february_is_greeted_on_the_28th_in_a_common_year(
    owner: User, admin_user: User, make_customer: Callable[..., Any]
) -> None:
    leapling = make_customer(owner, birthday="1992-02-29")
    _consent(admin_user, leapling)
    assert plan_birthday_greetings(today=date(2027, 2, 25)) == 1
    assert plan_birthday_greetings(today=date(2028, 2, 25)) == 0  # 28 Feb 2028: not yet
    assert plan_birthday_greetings(today=date(2028, 2, 26)) == 1  # 29 Feb 2028


def test_a_configured_coupon_goes_to_each_greeted_customer_only(
    owner: User, admin_user: User, make_customer: Callable[..., Any], settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dossier.loyalty.models import Coupon
    from dossier.loyalty.services.coupons import create_coupon_campaign

    now = timezone.now()
    campaign = create_coupon_campaign(
        actor=admin_user, name="生日券", kind="amount", value="20.00",
        valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=60),
    )  # fmt: skip
    settings.DOSSIER_BIRTHDAY_COUPON_CAMPAIGN = campaign.pk
    greeted, silent = (
        make_customer(owner, birthday="1990-06-15"),
        make_customer(owner, birthday="1990-06-15"),
    )
    _consent(admin_user, greeted)
    assert plan_birthday_greetings(today=TODAY) == 1
    assert list(Coupon.objects.values_list("customer_id", flat=True)) == [greeted.pk]
    assert silent.pk not in set(Coupon.objects.values_list("customer_id", flat=True))
