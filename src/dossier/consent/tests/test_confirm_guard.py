"""Guessing consent codes: counted per client address and per code, on the page and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dossier.accounts import login_guard
from dossier.consent.senders import ConsentMessage
from dossier.customers.models import Customer

GRANT = {"purpose": "marketing", "channel": "sms", "notice_version": "2024-05"}


def wrong_code(n: int) -> str:
    return f"{n:05d}-ZZZZZ"


def test_api_guesses_from_one_address_wait_longer_and_longer(
    admin: User, api_as: Callable[..., Any], settings: Any
) -> None:
    settings.DOSSIER_CONSENT_CONFIRM_ATTEMPTS = 3
    client = api_as(admin)
    statuses = [
        client.post(
            "/consent/confirm", {"code": wrong_code(n), "evidence": {"ip": "198.51.100.7"}}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [422, 422, 422]
    refused = client.post(
        "/consent/confirm", {"code": wrong_code(9), "evidence": {"ip": "198.51.100.7"}}
    )
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_attempts"
    assert int(refused["Retry-After"]) == refused.json()["retry_after"] >= 2
    # another customer behind the same integrator is not held up
    other = client.post(
        "/consent/confirm", {"code": wrong_code(10), "evidence": {"ip": "198.51.100.8"}}
    )
    assert other.status_code == 422


def test_api_guesses_without_evidence_count_against_the_callers_address(
    admin: User, api_as: Callable[..., Any], settings: Any
) -> None:
    settings.DOSSIER_CONSENT_CONFIRM_ATTEMPTS = 2
    client = api_as(admin)
    for n in range(2):
        assert client.post("/consent/confirm", {"code": wrong_code(n)}).status_code == 422
    # a forged X-Forwarded-For does not give a fresh address
    response = client.post(
        "/consent/confirm", {"code": wrong_code(5)}, headers={"X-Forwarded-For": "192.0.2.1"}
    )
    assert response.status_code == 429
    # nor does an evidence "ip" that is not an address
    response = client.post(
        "/consent/confirm", {"code": wrong_code(6), "evidence": {"ip": "nonsense"}}
    )
    assert response.status_code == 429


def test_one_code_tried_again_and_again_is_refused(admin: User, api_as: Callable[..., Any]) -> None:
    client = api_as(admin)
    for n in range(3):
        body = {"code": "ABCDE-FGHJK", "evidence": {"ip": f"198.51.100.{n}"}}
        assert client.post("/consent/confirm", body).status_code == 422
    body = {"code": "abcde fghjk", "evidence": {"ip": "198.51.100.50"}}
    assert client.post("/consent/confirm", body).status_code == 429


def test_page_guesses_wait_with_retry_after_and_the_right_code_works_later(
    admin: User,
    api_as: Callable[..., Any],
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    monkeypatch: Any,
) -> None:
    settings.DOSSIER_CONSENT_CONFIRM_ATTEMPTS = 3
    customer = add_customer()
    with django_capture_on_commit_callbacks(execute=True):
        api_as(admin).post(f"/consent/customers/{customer.pk}/double-opt-in", GRANT)
    [message] = outbox
    now = [2_000_000.0]
    monkeypatch.setattr(login_guard.time, "time", lambda: now[0])
    visitor = Client(headers={"accept-language": "zh-hans"})
    for n in range(3):
        assert visitor.post(reverse("consent:confirm"), {"code": wrong_code(n)}).status_code == 422
    refused = visitor.post(reverse("consent:confirm"), {"code": message.code})
    assert refused.status_code == 429
    assert "错误次数过多" in refused.content.decode()
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 15 * 60
    now[0] += wait
    assert visitor.post(reverse("consent:confirm"), {"code": message.code}).status_code == 200
