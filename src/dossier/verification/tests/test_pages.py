"""The customer page's verification section and its buttons; the report page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.consent.senders import ConsentMessage
from dossier.verification import selectors

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_section_shows_the_state_and_buttons_to_those_who_may_change(
    owner: User, marketing: User, customer: Any
) -> None:
    page = client_for(owner).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="verification"' in page and "Send code" in page
    assert f"/verification/customers/{customer.pk}/phone/start/" in page
    shared = client_for(marketing).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="verification"' in shared and "Send code" not in shared


def test_htmx_flow_send_confirm_shows_the_mark(
    owner: User,
    customer: Any,
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(owner)
    htmx = {"HX-Request": "true"}
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/verification/customers/{customer.pk}/phone/start/", headers=htmx)
    assert sent.status_code == 200 and "Code sent by SMS" in sent.content.decode()
    assert outbox[-1].code not in sent.content.decode()
    wrong = client.post(
        f"/verification/customers/{customer.pk}/phone/confirm/", {"code": "x"}, headers=htmx
    )
    assert "not right" in wrong.content.decode()
    done = client.post(
        f"/verification/customers/{customer.pk}/phone/confirm/",
        {"code": outbox[-1].code},
        headers=htmx,
    )
    assert "✓ verified" in done.content.decode()
    assert selectors.verification_state(customer)["phone"]["verified"]


def test_pages_refuse_others_and_hostile_fields(owner: User, stranger: User, customer: Any) -> None:
    url = f"/verification/customers/{customer.pk}/phone/record/"
    assert client_for(stranger).post(url, {"note": ""}).status_code == 404
    bad = client_for(owner).post(
        f"/verification/customers/{customer.pk}/display_name/start/", follow=True
    )
    assert "is not a phone or e-mail field" in bad.content.decode()


def test_section_and_report_in_chinese(owner: User, customer: Any) -> None:
    client = client_for(owner)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/customers/{customer.pk}/", headers={"Accept-Language": "zh-hans"})
    assert "已验证的联系方式" in page.content.decode()
    report = client.get("/verification/unverified-active/", headers={"Accept-Language": "zh-hans"})
    assert report.status_code == 200 and "未验证的活跃客户" in report.content.decode()


def test_report_page_names_customers_and_missing_fields(
    admin_user: User, owner: User, stranger: User, customer: Any
) -> None:
    from dossier.verification.services import set_required_verifications

    set_required_verifications(
        actor=admin_user, template_key=customer.template.key, fields=["phone", "email"]
    )
    customer.lifecycle = "active"
    customer.save(update_fields=["lifecycle"])
    page = client_for(owner).get("/verification/unverified-active/").content.decode()
    assert customer.display_name in page and "Phone" in page and "E-mail" in page
    other = client_for(stranger).get("/verification/unverified-active/").content.decode()
    assert customer.display_name not in other
