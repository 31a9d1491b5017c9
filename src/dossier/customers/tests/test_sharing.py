"""Sharing a customer: across teams allowed, never with someone who could not see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.customers.access import restrict
from dossier.customers.models import Customer, CustomerShare
from dossier.customers.services import share_customer

pytestmark = pytest.mark.django_db


def test_a_colleague_of_another_team_may_be_given_sight(
    make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> None:
    seller = make_user("share-east", roles.SALES, team="east")
    helper = make_user("share-west", roles.SERVICE, team="west")
    customer = make_customer(seller)
    share_customer(actor=seller, customer_id=customer.pk, user=helper)
    assert restrict(Customer.objects.all(), helper).filter(pk=customer.pk).exists()


@pytest.mark.parametrize("role", [roles.ANALYST, None])
def test_no_share_with_someone_who_sees_no_customers(
    make_user: Callable[..., User], make_customer: Callable[..., Any], role: str | None
) -> None:
    seller = make_user("share-owner", roles.SALES, team="east")
    customer = make_customer(seller)
    if role is None:  # someone whose account was closed
        other = make_user("share-gone", roles.SALES, team="east")
        other.is_active = False
        other.save()
    else:
        other = make_user("share-numbers", role, team="east")
    with pytest.raises(ValidationFailed) as caught:
        share_customer(actor=seller, customer_id=customer.pk, user=other)
    assert [(e.field, e.code) for e in caught.value.errors] == [("user", "owner_not_eligible")]
    assert not CustomerShare.objects.exists()


def test_a_role_of_the_templates_scenario_may_be_given_sight(
    make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> None:
    seller = make_user("share-seller", roles.SALES, team="east")
    customer = make_customer(seller)  # a retail member: marketing works with those
    marketer = make_user("share-promo", roles.MARKETING, team="east")
    share_customer(actor=seller, customer_id=customer.pk, user=marketer)
    assert CustomerShare.objects.filter(user=marketer).exists()
