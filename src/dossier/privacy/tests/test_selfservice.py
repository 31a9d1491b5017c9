"""Self-service links: the customer's own data unmasked, corrections audited, bad links refused."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.core.errors import PermissionDenied
from dossier.customers.models import CustomerLookup
from dossier.customers.selectors import CustomerFilters, customer_queryset
from dossier.privacy import selfservice
from dossier.privacy.models import SelfServiceLink
from dossier.privacy.requests import erase_customer
from dossier.privacy.tests.subject_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _url(token: str) -> str:
    return f"/privacy/self-service/{token}/"


@pytest.fixture
def member(add_member: Any, sales: User) -> Any:
    return add_member(owner=sales, phone="13800138000", email="zhang@example.com")


def test_valid_link_shows_own_data_unmasked_without_login(manager: User, member: Any) -> None:
    link = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    assert link.expires_at - timezone.now() > timedelta(days=6, hours=23)
    page = Client().get(_url(link.token))
    assert page.status_code == 200
    html = page.content.decode()
    # the phone is written as everywhere else, the correction input included
    assert 'value="138 0013 8000"' in html and "138****8000" not in html
    assert "zhang@example.com" in html and "wx_zhang0" in html
    assert "no-store" in page["Cache-Control"] and page["X-Robots-Tag"].startswith("noindex")
    assert "Your consents" in html  # the consent app is installed: its status is shown
    assert AuditEvent.objects.filter(object_type="self_service", action="view_sensitive").exists()


def test_customer_corrects_their_phone_and_it_is_audited(manager: User, member: Any) -> None:
    link = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    response = Client().post(
        _url(link.token),
        {
            "action": "correct",
            "version": member.version,
            "display_name": member.display_name,
            "phone": "13912345678",
            "email": "zhang@example.com",
            "address": "北京市朝阳区建国路0号",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200, response.content.decode()
    assert "Your changes were saved." in response.content.decode()
    member.refresh_from_db()
    assert member.phone == "+8613912345678" and member.version == 2
    event = AuditEvent.objects.get(object_type="self_service", action="update")
    assert event.changes == {"fields": ["phone"]} and event.reason == "self-service"
    assert event.actor == manager and event.ip == "203.0.113.9"
    assert "13912345678" not in str(event.changes)
    # the blind index follows the new number
    found = customer_queryset(actor=manager, filters=CustomerFilters(q="13912345678"))
    assert list(found) == [member]
    assert not customer_queryset(actor=manager, filters=CustomerFilters(q="13800138000")).exists()


def test_invalid_correction_is_shown_and_nothing_changes(manager: User, member: Any) -> None:
    link = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    response = Client().post(
        _url(link.token), {"action": "correct", "version": member.version, "phone": "12345"}
    )
    assert response.status_code == 422
    assert 'id="error_phone"' in response.content.decode()
    member.refresh_from_db()
    assert member.phone == "+8613800138000" and member.version == 1


def test_tampered_link_is_refused(manager: User, member: Any) -> None:
    token = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk).token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = Client().get(_url(tampered))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert "+8613800138000" not in response.content.decode()
    forged = signing.dumps({"c": str(member.pk), "n": "guess"}, salt="another-salt")
    assert Client().get(_url(forged)).status_code == 400


def test_expired_link_is_refused(manager: User, member: Any, monkeypatch: Any) -> None:
    link = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk, days=1)
    SelfServiceLink.objects.filter(customer_id=member.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = Client().get(_url(link.token))
    assert response.status_code == 410 and "expired" in response.content.decode()
    # a link signed longer ago than any link may live is refused by its signature alone
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 31 * 86400)
    old = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk).token
    monkeypatch.setattr(time, "time", real_time)
    with pytest.raises(selfservice.LinkRefused) as caught:
        selfservice.open_link(old)
    assert caught.value.code == "link_expired"


def test_new_link_supersedes_the_old_one(manager: User, member: Any) -> None:
    first = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    second = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    response = Client().post(_url(first.token), {"action": "correct", "phone": "13912345678"})
    assert response.status_code == 410 and "newer link" in response.content.decode()
    member.refresh_from_db()
    assert member.phone == "+8613800138000"
    assert Client().get(_url(second.token)).status_code == 200


def test_erasure_revokes_the_link(admin: User, manager: User, member: Any) -> None:
    link = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    erase_customer(actor=admin, customer_id=member.pk)
    response = Client().get(_url(link.token))
    assert response.status_code == 410 and "no longer works" in response.content.decode()
    assert not CustomerLookup.objects.filter(customer=member).exists()


def test_customer_withdraws_marketing_consent_from_their_page(manager: User, member: Any) -> None:
    from dossier.consent.selectors import customer_states
    from dossier.consent.services import grant_consent

    grant_consent(
        actor=manager,
        customer_id=member.pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2026-01",
    )
    link = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    response = Client().post(_url(link.token), {"action": "withdraw", "consent": "marketing:sms"})
    assert response.status_code == 200
    states = {(s.purpose, s.channel): s for s in customer_states(member)}
    assert states[("marketing", "sms")].status == "withdrawn"
    assert states[("marketing", "sms")].source == "self_service"


def test_link_api_returns_a_working_url(manager: User, member: Any, api_as: Any) -> None:
    response = api_as(manager).post(f"/privacy/customers/{member.pk}/self-service-link", {})
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert url.startswith("http://testserver/privacy/self-service/")
    assert Client().get(url.removeprefix("http://testserver")).status_code == 200
    bad = api_as(manager).post(f"/privacy/customers/{member.pk}/self-service-link", {"days": 90})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "days"


def test_sales_may_not_issue_links(sales: User, member: Any) -> None:
    with pytest.raises(PermissionDenied):
        selfservice.issue_self_service_link(actor=sales, customer_id=member.pk)
    assert not SelfServiceLink.objects.exists()


def test_page_speaks_chinese_when_asked(manager: User, member: Any) -> None:
    link = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    page = Client().get(_url(link.token) + "?lang=zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="zh-hans"' in html and "您的资料" in html and "更正您的联系方式" in html
    refused = Client().get(_url(link.token + "x") + "?lang=zh-hans")
    assert "该链接无效" in refused.content.decode()
    assert page.cookies["django_language"].value == "zh-hans"


def test_privacy_page_issues_a_link_shown_once(manager: User, member: Any) -> None:
    staff = Client()
    staff.force_login(manager)
    issued = staff.post(f"/privacy/customers/{member.pk}/link/", {"days": "3"}, follow=True)
    html = issued.content.decode()
    assert issued.status_code == 200 and 'id="issued_link"' in html
    # a copy button wired by dossier.js (the CSP refuses inline handlers such as onfocus=)
    assert 'data-copy="issued_link"' in html and "onfocus=" not in html
    url = html.split('id="issued_link" value="', 1)[1].split('"', 1)[0]
    assert Client().get(url.removeprefix("http://testserver")).status_code == 200
    again = staff.get(f"/privacy/customers/{member.pk}/")
    assert 'id="issued_link"' not in again.content.decode()
    link = SelfServiceLink.objects.get(customer_id=member.pk)
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)


def test_saving_the_page_unchanged_changes_nothing(manager: User, member: Any) -> None:
    link = selfservice.issue_self_service_link(actor=manager, customer_id=member.pk)
    page = Client().get(_url(link.token)).content.decode()
    shown = page.split('id="id_phone" name="phone" value="', 1)[1].split('"', 1)[0]
    assert shown == "138 0013 8000"
    response = Client().post(
        _url(link.token),
        {
            "action": "correct",
            "version": member.version,
            "display_name": member.display_name,
            "phone": shown,
            "email": "zhang@example.com",
        },
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.version == 1  # the number as shown is the number stored: no change
    assert not AuditEvent.objects.filter(object_type="self_service", action="update").exists()
