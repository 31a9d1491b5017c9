"""Consent pages: the staff panel in both languages and the public confirmation page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dossier.consent import selectors
from dossier.consent.models import ConsentEvent
from dossier.consent.senders import ConsentMessage
from dossier.customers.models import Customer

pytestmark = pytest.mark.django_db


def client_for(user: User | None, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


def panel_url(customer: Customer) -> str:
    return reverse("consent:customer", kwargs={"customer_id": customer.pk})


def status(admin: User, customer: Customer, purpose: str, channel: str) -> str:
    states = selectors.consent_status(actor=admin, customer_id=customer.pk)
    return next(s.status for s in states if s.purpose == purpose and s.channel == channel)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Consent of 张三0", "Marketing", "Not recorded", "Grant", "WeChat", "History"]),
        ("zh-hans", ["张三0的同意记录", "营销推广", "未记录", "记录同意", "微信", "变更记录"]),
    ],
)
def test_panel_renders_in_both_languages(
    admin: User, add_customer: Callable[..., Customer], language: str, texts: list[str]
) -> None:
    customer = add_customer()
    response = client_for(admin, language).get(panel_url(customer))
    assert response.status_code == 200
    html = response.content.decode()
    for text in texts:
        assert text in html, text
    assert 'name="notice_version"' in html
    assert 'value="grant:sensitive_data_processing:any"' in html


def test_grant_and_withdraw_from_the_panel(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()
    client = client_for(admin)
    response = client.post(
        panel_url(customer),
        {"change": "grant:marketing:sms", "notice_version": "2024-05", "reference": "paper #7"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Consent recorded." in response.content.decode()
    assert status(admin, customer, "marketing", "sms") == "granted"
    event = ConsentEvent.objects.get()
    assert event.source == "staff" and event.evidence["reference"] == "paper #7"
    assert event.evidence["ip"] == "127.0.0.1"

    client.post(panel_url(customer), {"change": "withdraw:marketing:sms"})
    assert status(admin, customer, "marketing", "sms") == "withdrawn"
    html = client.get(panel_url(customer)).content.decode()
    assert "paper #7" in html and "Withdrawn" in html


def test_panel_shows_the_error_and_records_nothing(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()
    response = client_for(admin).post(panel_url(customer), {"change": "grant:marketing:sms"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Notice version is required." in html and 'aria-invalid="true"' in html
    # Enter in a text box presses the hidden default button, which records nothing
    response = client_for(admin).post(panel_url(customer), {"change": "", "notice_version": "v"})
    assert response.status_code == 422
    assert not ConsentEvent.objects.exists()


def test_panel_is_read_only_for_users_who_cannot_record_consent(
    admin: User,
    marketing: User,
    sales: User,
    add_customer: Callable[..., Customer],
) -> None:
    customer = add_customer(owner=marketing)
    response = client_for(marketing).get(panel_url(customer))
    assert response.status_code == 200
    assert 'name="change"' not in response.content.decode()
    refused = client_for(marketing).post(
        panel_url(customer), {"change": "grant:marketing:sms", "notice_version": "v1"}
    )
    assert refused.status_code == 403
    assert client_for(sales).get(panel_url(customer)).status_code == 404
    assert not ConsentEvent.objects.exists()


def test_send_code_from_the_panel(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            panel_url(customer),
            {"change": "request:marketing:sms", "notice_version": "2024-05"},
            follow=True,
        )
    assert "A confirmation code was sent by SMS." in response.content.decode()
    assert len(outbox) == 1 and outbox[0].to == customer.phone
    assert "code sent" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Confirm your consent", "Confirmation code"]),
        ("zh-hans", ["确认您的同意", "确认码"]),
    ],
)
def test_confirmation_page_needs_no_login(language: str, texts: list[str], db: Any) -> None:
    response = client_for(None, language).get(reverse("consent:confirm") + "?code=ABCDE-12345")
    assert response.status_code == 200
    html = response.content.decode()
    for text in texts:
        assert text in html
    assert 'value="ABCDE-12345"' in html  # a link fills the form in; only a POST confirms
    assert not ConsentEvent.objects.exists()


def test_customer_confirms_with_their_code(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post(
            panel_url(customer), {"change": "request:marketing:sms", "notice_version": "2024-05"}
        )
    visitor = client_for(None, "zh-hans")

    wrong = visitor.post(reverse("consent:confirm"), {"code": "00000-00000"})
    assert wrong.status_code == 422
    assert "确认码无效，请核对后重试。" in wrong.content.decode()

    done = visitor.post(reverse("consent:confirm"), {"code": outbox[0].code})
    assert done.status_code == 200
    assert "营销推广" in done.content.decode()
    assert customer.display_name not in done.content.decode()  # a code reveals no one
    assert status(admin, customer, "marketing", "sms") == "granted"
    event = ConsentEvent.objects.get(action="granted")
    assert event.evidence["ip"] == "127.0.0.1" and event.actor is None


def test_confirmation_page_stops_guessing(db: Any, settings: Any) -> None:
    settings.DOSSIER_CONSENT_CONFIRM_ATTEMPTS = 3
    visitor = client_for(None)
    for _ in range(3):
        assert visitor.post(reverse("consent:confirm"), {"code": "ZZZZZ-ZZZZZ"}).status_code == 422
    response = visitor.post(reverse("consent:confirm"), {"code": "ZZZZZ-ZZZZZ"})
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
