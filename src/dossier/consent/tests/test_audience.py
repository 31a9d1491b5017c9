"""Audiences: with/without consent in SQL, and the marketing export that suppresses the rest."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.consent import selectors, services
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.templates.selectors import get_template

pytestmark = pytest.mark.django_db


def record(actor: User, customer: Customer, action: str, channel: str = "sms", **kw: Any) -> None:
    args = {"purpose": "marketing", "channel": channel, "source": "staff", **kw}
    if action == "grant":
        services.grant_consent(
            actor=actor, customer_id=customer.pk, notice_version="2024-05", **args
        )
    else:
        services.withdraw_consent(actor=actor, customer_id=customer.pk, **args)


def rows_of(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_with_and_without_consent_follow_the_latest_decision(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    granted, withdrawn, regranted, never, other_channel = (add_customer() for _ in range(5))
    record(admin, granted, "grant")
    record(admin, withdrawn, "grant")
    record(admin, withdrawn, "withdraw")
    record(admin, regranted, "withdraw")
    record(admin, regranted, "grant")
    record(admin, other_channel, "grant", channel="email")
    everyone = Customer.objects.all()

    consenting = set(selectors.with_consent(everyone, "marketing", "sms"))
    assert consenting == {granted, regranted}
    assert set(selectors.without_consent(everyone, "marketing", "sms")) == {
        withdrawn,
        never,
        other_channel,
    }
    assert set(selectors.with_consent(everyone, "marketing", "email")) == {other_channel}
    # marketing consent says nothing about sensitive data
    assert not selectors.with_consent(everyone, "sensitive_data_processing", "any").exists()


def test_audience_needs_a_fitting_channel(admin: User) -> None:
    with pytest.raises(ValidationFailed):
        selectors.with_consent(Customer.objects.all(), "marketing", "any")


def test_marketing_export_suppresses_customers_without_consent(
    admin: User, add_customer: Callable[..., Customer], api_as: Callable[..., Any]
) -> None:
    stays, leaves, never = add_customer(), add_customer(), add_customer()
    record(admin, stays, "grant")
    record(admin, leaves, "grant")

    before = rows_of(api_as(admin).get("/consent/marketing-export?channel=sms"))
    assert {r["id"] for r in before} == {str(stays.pk), str(leaves.pk)}

    record(admin, leaves, "withdraw")
    response = api_as(admin).get("/consent/marketing-export?channel=sms")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="marketing-sms.csv"' in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows == [
        {"id": str(stays.pk), "display_name": stays.display_name, "contact": stays.phone}
    ]
    assert str(never.pk) not in {r["id"] for r in rows}
    audit = AuditEvent.objects.filter(action="export", object_type="consent").order_by("-id")[0]
    assert audit.actor == admin
    assert audit.changes == {"purpose": "marketing", "channel": "sms", "count": 1}


def test_export_masks_contacts_for_a_marketing_user_without_personal_data(
    admin: User,
    marketing: User,
    add_customer: Callable[..., Customer],
    api_as: Callable[..., Any],
) -> None:
    theirs = add_customer(owner=marketing, email="li.si@example.com")
    not_theirs = add_customer(email="wang@example.com")
    for customer in (theirs, not_theirs):
        record(admin, customer, "grant")
        record(admin, customer, "grant", channel="email")
    assert not marketing.has_perm("customers.view_personal_customer")

    sms = rows_of(api_as(marketing).get("/consent/marketing-export?channel=sms"))
    email = rows_of(api_as(marketing).get("/consent/marketing-export?channel=email"))

    # only the customers marketing may see, with contacts masked
    assert sms == [
        {"id": str(theirs.pk), "display_name": theirs.display_name, "contact": "138****8000"}
    ]
    assert email[0]["contact"] == "l***@example.com"
    full = rows_of(api_as(admin).get("/consent/marketing-export?channel=email"))
    assert {r["contact"] for r in full} == {"li.si@example.com", "wang@example.com"}


def test_export_of_wechat_and_post_contacts(
    admin: User,
    marketing: User,
    add_customer: Callable[..., Customer],
    api_as: Callable[..., Any],
) -> None:
    customer = add_customer(address='=HYPERLINK("http://x")')
    member = create_customer(
        actor=admin,
        template=get_template(key="retail_member"),
        values={"display_name": "李四", "phone": "13900139000", "wechat_id": "lisi_wx"},
        owner=marketing,
    )
    record(admin, customer, "grant", channel="post")
    record(admin, customer, "grant", channel="wechat")
    record(admin, member, "grant", channel="wechat")

    post = rows_of(api_as(admin).get("/consent/marketing-export?channel=post"))
    # a value a spreadsheet would run as a formula stays text
    assert post == [
        {
            "id": str(customer.pk),
            "display_name": customer.display_name,
            "contact": '\'=HYPERLINK("http://x")',
        }
    ]
    wechat = rows_of(api_as(admin).get("/consent/marketing-export?channel=wechat"))
    # the member template has no WeChat ID field; the retail one keeps it protected
    assert {r["id"]: r["contact"] for r in wechat} == {
        str(customer.pk): "",
        str(member.pk): "lisi_wx",
    }
    masked = rows_of(api_as(marketing).get("/consent/marketing-export?channel=wechat"))
    assert masked == [{"id": str(member.pk), "display_name": "李四", "contact": "l******"}]


def test_export_refused_without_the_export_permission(
    sales: User, add_customer: Callable[..., Customer], api_as: Callable[..., Any]
) -> None:
    with pytest.raises(PermissionDenied):
        selectors.marketing_audience(actor=sales, channel="sms")
    response = api_as(sales).get("/consent/marketing-export?channel=sms")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_with_a_bad_channel_is_a_field_error(
    admin: User, api_as: Callable[..., Any]
) -> None:
    response = api_as(admin).get("/consent/marketing-export?channel=any")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"
    assert api_as(admin).get("/consent/marketing-export").status_code == 422
