"""The verification API: state, start, confirm, record, the template's rule and its report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.consent.senders import ConsentMessage

pytestmark = pytest.mark.django_db


def base(customer: Any) -> str:
    return f"/verification/customers/{customer.pk}"


def test_start_confirm_and_state(
    api_as: Callable[..., Any],
    owner: User,
    customer: Any,
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = api_as(owner)
    before = api.get(base(customer)).json()
    assert {f["field"]: f["verified"] for f in before["fields"]} == {"phone": False, "email": False}
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"{base(customer)}/phone/start", {})
    assert started.status_code == 200, started.content
    assert started.json()["via"] == "sms" and "code" not in started.json()
    wrong = api.post(f"{base(customer)}/phone/confirm", {"code": "abc"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
    done = api.post(f"{base(customer)}/phone/confirm", {"code": outbox[-1].code})
    assert done.status_code == 200 and done.json()["method"] == "code"
    after = {f["field"]: f for f in api.get(base(customer)).json()["fields"]}
    assert after["phone"]["verified"] and after["phone"]["method"] == "code"


def test_hostile_input_is_a_422_naming_the_field(
    api_as: Callable[..., Any], owner: User, customer: Any
) -> None:
    api = api_as(owner)
    for field in ("display_name", "no_such_field", "x" * 300):
        answer = api.post(f"{base(customer)}/{field}/start", {})
        assert answer.status_code == 422, field
        assert answer.json()["errors"][0]["field"] == "field"
    long = api.post(f"{base(customer)}/phone/confirm", {"code": "1" * 100})
    assert long.status_code == 422
    method = api.post(f"{base(customer)}/phone/record", {"method": "code"})
    assert method.status_code == 422 and method.json()["errors"][0]["field"] == "method"


def test_rate_limit_is_a_429_with_retry_after(
    api_as: Callable[..., Any], owner: User, customer: Any, settings: Any
) -> None:
    settings.DOSSIER_VERIFICATION_SENDS_PER_HOUR = 1
    api = api_as(owner)
    assert api.post(f"{base(customer)}/email/start", {}).status_code == 200
    limited = api.post(f"{base(customer)}/email/start", {})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0


def test_who_may_do_what(
    api_as: Callable[..., Any],
    customer: Any,
    stranger: User,
    analyst: User,
    marketing: User,
) -> None:
    for user, start, state in ((stranger, 404, 404), (analyst, 404, 404), (marketing, 403, 200)):
        api = api_as(user)
        assert api.post(f"{base(customer)}/phone/start", {}).status_code == start
        assert api.post(f"{base(customer)}/phone/record", {}).status_code == start
        assert api.get(base(customer)).status_code == state
    assert api_as(None).get(base(customer)).status_code == 401


def test_rule_and_report(
    api_as: Callable[..., Any], admin_user: User, owner: User, customer: Any
) -> None:
    key = customer.template.key
    admin = api_as(admin_user)
    assert (
        api_as(owner)
        .put(f"/verification/templates/{key}/required", {"fields": ["phone"]})
        .status_code
        == 403
    )
    assert admin.put(f"/verification/templates/{key}/required", {"fields": ["phone"]}).json() == {
        "template": key,
        "fields": ["phone"],
    }
    assert admin.get(f"/verification/templates/{key}/required").json()["fields"] == ["phone"]
    assert api_as(owner).get(base(customer)).json()["active_ready"] is False
    customer.lifecycle = "active"
    customer.save(update_fields=["lifecycle"])
    report = api_as(owner).get("/verification/unverified-active").json()
    assert [(r["customer_id"], r["missing"]) for r in report] == [(str(customer.pk), ["phone"])]
    assert api_as(owner).post(f"{base(customer)}/phone/record", {}).status_code == 200
    assert api_as(owner).get("/verification/unverified-active").json() == []
