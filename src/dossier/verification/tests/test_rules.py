"""The rule at the door: a template's required verifications before a customer is active."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.customers.models import Customer
from dossier.customers.services import update_customer
from dossier.protection.disclosure import lookup_digest
from dossier.verification import selectors
from dossier.verification.services import (
    check_active_ready,
    record_verification,
    set_required_verifications,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(admin_user: User, customer: Any) -> list[str]:
    return set_required_verifications(
        actor=admin_user, template_key=customer.template.key, fields=["phone"]
    )


def make_active(owner: User, customer: Any) -> Any:
    customer.refresh_from_db()
    return update_customer(
        actor=owner,
        customer_id=customer.pk,
        values={"lifecycle": "active"},
        expected_version=customer.version,
    )


def test_without_a_rule_every_customer_is_ready(customer: Any) -> None:
    assert selectors.is_active_ready(customer)
    check_active_ready(customer, lifecycle="active")


def test_required_field_must_be_verified_before_active(
    owner: User, customer: Any, rule: list[str]
) -> None:
    assert rule == ["phone"]
    assert not selectors.is_active_ready(customer)
    with pytest.raises(ValidationFailed) as error:
        check_active_ready(customer, lifecycle="active")
    assert error.value.errors[0].field == "lifecycle"
    assert "Phone" in error.value.errors[0].message("en")
    assert "手机" in error.value.errors[0].message("zh-hans")
    check_active_ready(customer, lifecycle="prospect")  # other lifecycles pass
    record_verification(actor=owner, customer_id=customer.pk, field="phone")
    assert selectors.is_active_ready(customer)
    check_active_ready(customer, lifecycle="active")


def test_a_phone_changed_in_the_same_save_counts_as_unverified(
    owner: User, customer: Any, rule: list[str]
) -> None:
    record_verification(actor=owner, customer_id=customer.pk, field="phone")
    new = {"phone": lookup_digest("phone", "+8613900139000")}
    with pytest.raises(ValidationFailed):
        check_active_ready(customer, lifecycle="active", digests=new)


def test_report_lists_active_customers_breaking_the_rule(
    owner: User,
    stranger: User,
    analyst: User,
    customer: Any,
    rule: list[str],
    make_customer: Callable[..., Any],
) -> None:
    verified = make_customer(owner)
    record_verification(actor=owner, customer_id=verified.pk, field="phone")
    # made active before the rule was set (an edit to active is refused now: test_rules_on_edit)
    Customer.objects.filter(pk=customer.pk).update(lifecycle="active")
    make_active(owner, verified)
    make_customer(owner)  # a lead: not in the report
    assert list(selectors.active_without_verification(actor=owner)) == [customer]
    assert list(selectors.active_without_verification(actor=stranger)) == []
    with pytest.raises(PermissionDenied):
        selectors.active_without_verification(actor=analyst)
    # the phone is edited: the verified customer breaks the rule too
    verified.refresh_from_db()
    update_customer(
        actor=owner,
        customer_id=verified.pk,
        values={"phone": "13900139001"},
        expected_version=verified.version,
    )
    assert set(selectors.active_without_verification(actor=owner)) == {customer, verified}


def test_only_contact_fields_of_the_template_can_be_required(
    admin_user: User, owner: User, customer: Any
) -> None:
    key = customer.template.key
    with pytest.raises(ValidationFailed) as error:
        set_required_verifications(actor=admin_user, template_key=key, fields=["member_no"])
    assert error.value.errors[0].code == "not_contact_field"
    with pytest.raises(PermissionDenied):
        set_required_verifications(actor=owner, template_key=key, fields=["phone"])
    assert set_required_verifications(actor=admin_user, template_key=key, fields=[]) == []


def test_a_new_customer_cannot_start_active_under_a_rule(
    owner: User, customer: Any, rule: list[str], make_customer: Callable[..., Any]
) -> None:
    with pytest.raises(ValidationFailed) as error:
        make_customer(owner, lifecycle="active")
    assert error.value.errors[0].field == "lifecycle"
    assert make_customer(owner, lifecycle="prospect").lifecycle == "prospect"


def test_without_a_rule_a_new_customer_may_start_active(
    owner: User, make_customer: Callable[..., Any]
) -> None:
    assert make_customer(owner, lifecycle="active").lifecycle == "active"
