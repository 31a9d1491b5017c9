"""Codes for a value before a customer exists (capture forms), attached afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.consent.senders import ConsentMessage
from dossier.core.errors import TooManyAttempts, ValidationFailed
from dossier.protection.disclosure import lookup_digest
from dossier.verification import selectors
from dossier.verification.services import (
    attach_value_check,
    confirm_value_check,
    start_value_check,
)

pytestmark = pytest.mark.django_db


def test_a_value_is_proved_then_attached_to_the_new_customer(
    owner: User,
    make_customer: Callable[..., Any],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = start_value_check(field_type="phone", value="138 0013 8555")
    assert outbox[-1].to == "+8613800138555"
    digest = confirm_value_check(check_id=sent.check_id, code=outbox[-1].code)
    assert digest == lookup_digest("phone", "+8613800138555")
    with pytest.raises(ValidationFailed):  # once only
        confirm_value_check(check_id=sent.check_id, code=outbox[-1].code)
    other = make_customer(owner, phone="13800138666")
    with pytest.raises(ValidationFailed):  # another value
        attach_value_check(actor=owner, check_id=sent.check_id, customer_id=other.pk, field="phone")
    customer = make_customer(owner, phone="13800138555")
    made = attach_value_check(
        actor=owner, check_id=sent.check_id, customer_id=customer.pk, field="phone"
    )
    assert made.method == "self_service"
    assert selectors.verification_state(customer)["phone"]["verified"]
    twin = make_customer(owner, phone="13800138555")
    with pytest.raises(ValidationFailed):  # attached once only
        attach_value_check(actor=owner, check_id=sent.check_id, customer_id=twin.pk, field="phone")


def test_value_checks_refuse_bad_values_and_too_many_sends(settings: Any) -> None:
    with pytest.raises(ValidationFailed):
        start_value_check(field_type="phone", value="not a phone")
    with pytest.raises(ValidationFailed):
        start_value_check(field_type="text", value="13800138000")
    settings.DOSSIER_VERIFICATION_SENDS_PER_HOUR = 1
    start_value_check(field_type="email", value="a@example.com")
    with pytest.raises(TooManyAttempts):
        start_value_check(field_type="email", value="A@example.com ")
