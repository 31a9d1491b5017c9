"""The consent API: authentication per endpoint, shapes, errors, the double opt-in round trip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.consent.models import ConsentEvent
from dossier.consent.senders import ConsentMessage
from dossier.customers.models import Customer

pytestmark = pytest.mark.django_db

GRANT = {"purpose": "marketing", "channel": "email", "notice_version": "2024-05"}


def paths(customer: Customer) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/consent/customers/{customer.pk}"
    return [
        ("get", "/consent/purposes", None),
        ("get", base, None),
        ("post", f"{base}/grant", GRANT),
        ("post", f"{base}/withdraw", GRANT),
        ("post", f"{base}/double-opt-in", {**GRANT, "channel": "sms"}),
        ("post", "/consent/confirm", {"code": "ABCDE-FGHJK"}),
        ("get", "/consent/marketing-export?channel=sms", None),
    ]


def call(client: Any, method: str, path: str, body: dict[str, Any] | None) -> Any:
    return client.get(path) if method == "get" else client.post(path, body)


def test_every_endpoint_needs_a_token(
    api_as: Callable[..., Any], add_customer: Callable[..., Customer]
) -> None:
    anonymous = api_as(None)
    for method, path, body in paths(add_customer()):
        response = call(anonymous, method, path, body)
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthenticated"


def test_a_read_token_cannot_write(
    admin: User, api_as: Callable[..., Any], add_customer: Callable[..., Customer]
) -> None:
    reader = api_as(admin, "read")
    for method, path, body in paths(add_customer()):
        response = call(reader, method, path, body)
        if method == "post":
            assert response.status_code == 403, path
            assert response.json()["code"] == "token_read_only"
        else:
            assert response.status_code == 200, path
    assert not ConsentEvent.objects.exists()


def test_purposes_list_flags_and_channels(admin: User, api_as: Callable[..., Any]) -> None:
    purposes = {p["key"]: p for p in api_as(admin).get("/consent/purposes").json()}
    assert purposes["sensitive_data_processing"]["sensitive_data"] is True
    assert purposes["sensitive_data_processing"]["channels"] == ["any"]
    assert purposes["third_party_sharing"]["name_zh"] == "向第三方提供"
    assert purposes["marketing"]["channels"] == ["email", "sms", "phone", "wechat", "post"]


def test_grant_withdraw_and_read_back(
    admin: User, api_as: Callable[..., Any], add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()
    client = api_as(admin)
    base = f"/consent/customers/{customer.pk}"
    evidence = {"ip": "203.0.113.5", "user_agent": "Mozilla/5.0", "reference": "F-1"}

    granted = client.post(f"{base}/grant", {**GRANT, "evidence": evidence})
    assert granted.status_code == 201
    assert granted.json()["action"] == "granted" and granted.json()["source"] == "api"
    assert granted.json()["evidence"] == {**evidence, "staff": "consent-admin"}
    withdrawn = client.post(f"{base}/withdraw", {"purpose": "marketing", "channel": "email"})
    assert withdrawn.status_code == 201

    body = client.get(base).json()
    states = {(s["purpose"], s["channel"]): s for s in body["status"]}
    email = states["marketing", "email"]
    assert email["status"] == "withdrawn"
    assert [e["action"] for e in body["history"]] == ["withdrawn", "granted"]


def test_history_masks_the_customers_ip_for_users_without_personal_data(
    admin: User,
    marketing: User,
    api_as: Callable[..., Any],
    add_customer: Callable[..., Customer],
) -> None:
    customer = add_customer(owner=marketing)
    base = f"/consent/customers/{customer.pk}"
    api_as(admin).post(f"{base}/grant", {**GRANT, "evidence": {"ip": "203.0.113.5"}})
    history = api_as(marketing).get(base).json()["history"]
    assert history[0]["evidence"]["ip"] == "203.0.113.*"
    assert api_as(admin).get(base).json()["history"][0]["evidence"]["ip"] == "203.0.113.5"


def test_errors_name_the_field(
    admin: User, api_as: Callable[..., Any], add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()
    client = api_as(admin)
    response = client.post(
        f"/consent/customers/{customer.pk}/grant", {**GRANT, "channel": "pigeon"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "channel",
            "code": "invalid_choice",
            "message": "Channel: “pigeon” is not one of the allowed choices.",
        }
    ]
    missing = client.post(f"/consent/customers/{customer.pk}/grant", {"purpose": "marketing"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "notice_version"
    unknown = client.get("/consent/customers/0190b5a4-0000-7000-8000-000000000000")
    assert unknown.status_code == 404


def test_user_who_cannot_change_the_customer_is_refused(
    admin: User,
    sales: User,
    marketing: User,
    api_as: Callable[..., Any],
    add_customer: Callable[..., Customer],
) -> None:
    customer = add_customer(owner=marketing)
    base = f"/consent/customers/{customer.pk}"
    assert api_as(marketing).post(f"{base}/grant", GRANT).status_code == 403
    assert api_as(sales).post(f"{base}/grant", GRANT).status_code == 404
    assert api_as(sales).get(base).status_code == 404
    assert api_as(admin).post(f"{base}/grant", GRANT).status_code == 201


def test_double_opt_in_round_trip(
    admin: User,
    api_as: Callable[..., Any],
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer()
    client = api_as(admin)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            f"/consent/customers/{customer.pk}/double-opt-in", {**GRANT, "channel": "sms"}
        )
    assert started.status_code == 202
    assert started.json()["deliver_via"] == "sms"
    assert "code" not in started.json()  # the code goes to the customer only
    [message] = outbox

    wrong = client.post("/consent/confirm", {"code": "00000-00000"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "code"
    confirmed = client.post(
        "/consent/confirm", {"code": message.code, "evidence": {"ip": "198.51.100.1"}}
    )
    assert confirmed.status_code == 201
    assert confirmed.json()["source"] == "double_opt_in"
    assert confirmed.json()["actor"] is None
    again = client.post("/consent/confirm", {"code": message.code})
    assert again.json()["errors"][0]["code"] == "code_used"
