"""The rule at the door on an edit: a customer is not made active with required contacts
unverified, whether through the service, the page or a bulk lifecycle change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.customers.models import Customer
from dossier.customers.services import update_customer
from dossier.verification.models import RequiredVerification
from dossier.verification.services import record_verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(make_user: Callable[..., User], make_customer: Callable[..., Any]) -> Any:
    manager = make_user("rule-boss", roles.MANAGER, team="east")
    customer = make_customer(manager, lifecycle="lead")
    RequiredVerification.objects.create(template=customer.template, field="phone")
    return customer


def test_an_edit_to_active_is_refused_until_the_phone_is_verified(lead: Any) -> None:
    manager = lead.owner
    with pytest.raises(ValidationFailed) as caught:
        update_customer(
            actor=manager,
            customer_id=lead.pk,
            values={"lifecycle": "active"},
            expected_version=None,
        )
    assert [e.field for e in caught.value.errors] == ["lifecycle"]
    assert Customer.objects.get(pk=lead.pk).lifecycle == "lead"  # nothing half-written
    record_verification(actor=manager, customer_id=lead.pk, field="phone", method="staff_call")
    update_customer(
        actor=manager, customer_id=lead.pk, values={"lifecycle": "active"}, expected_version=None
    )
    assert Customer.objects.get(pk=lead.pk).lifecycle == "active"


def test_a_new_phone_in_the_same_edit_counts_as_unverified(lead: Any) -> None:
    manager = lead.owner
    record_verification(actor=manager, customer_id=lead.pk, field="phone", method="staff_call")
    with pytest.raises(ValidationFailed):
        update_customer(
            actor=manager,
            customer_id=lead.pk,
            values={"lifecycle": "active", "phone": "13900009999"},
            expected_version=None,
        )
    assert Customer.objects.get(pk=lead.pk).lifecycle == "lead"


def test_other_edits_are_not_held_up(lead: Any) -> None:
    update_customer(
        actor=lead.owner,
        customer_id=lead.pk,
        values={"display_name": "改名"},
        expected_version=None,
    )
    assert Customer.objects.get(pk=lead.pk).display_name == "改名"
