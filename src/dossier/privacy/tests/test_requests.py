"""Data-subject requests: due dates, refusal, access export, erasure, restriction, objection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.core.errors import Conflict, PermissionDenied, ValidationFailed
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.selectors import CustomerFilters, customer_list, customer_queryset
from dossier.customers.services import create_customer
from dossier.outbox.models import Event
from dossier.privacy import requests as subject_requests
from dossier.privacy.models import CustomerTombstone, SubjectRequest
from dossier.privacy.tests.subject_fixtures import *  # noqa: F403
from dossier.privacy.tests.subject_fixtures import ID_NUMBER, general_sums
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db


# ---- requests --------------------------------------------------------------------------------


def test_open_request_computes_the_due_date_and_audits(admin: User, add_member: Any) -> None:
    customer = add_member()
    received = timezone.now() - timedelta(days=2)
    request = subject_requests.open_request(
        actor=admin,
        customer_id=customer.pk,
        kind="access",
        received_via="email",
        received_at=received,
        note="请提供我的全部资料",
    )
    assert request.due_at == received + timedelta(days=15)
    assert request.status == "open" and not request.overdue
    event = AuditEvent.objects.get(object_type="subject_request", object_id=str(request.pk))
    assert event.action == "create" and event.changes["due_in_days"] == 15
    # the note may hold personal data: stored encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM privacy_subjectrequest WHERE id = %s", [request.pk])
        assert "资料" not in cursor.fetchone()[0]


def test_open_request_names_each_bad_field(admin: User, add_member: Any) -> None:
    customer = add_member()
    with pytest.raises(ValidationFailed) as caught:
        subject_requests.open_request(
            actor=admin,
            customer_id=customer.pk,
            kind="gossip",
            received_via="pigeon",
            due_in_days=0,
            received_at=timezone.now() + timedelta(days=1),
        )
    codes = {(e.field, e.code) for e in caught.value.errors}
    assert codes == {
        ("kind", "invalid_choice"),
        ("received_via", "invalid_choice"),
        ("due_in_days", "too_small"),
        ("received_at", "date_out_of_range"),
    }
    assert not SubjectRequest.objects.exists()


def test_overdue_requests_are_listed_first_and_flagged(admin: User, add_member: Any) -> None:
    customer = add_member()
    late = subject_requests.open_request(
        actor=admin,
        customer_id=customer.pk,
        kind="copy",
        received_via="letter",
        received_at=timezone.now() - timedelta(days=20),
    )
    fresh = subject_requests.open_request(
        actor=admin, customer_id=customer.pk, kind="correction", received_via="phone"
    )
    overdue = subject_requests.request_list(
        actor=admin, filters=subject_requests.RequestFilters(overdue=True)
    )
    assert list(overdue) == [late]
    assert late.overdue and not fresh.overdue
    assert list(subject_requests.request_list(actor=admin)) == [late, fresh]


def test_refusal_needs_a_reason(admin: User, add_member: Any) -> None:
    customer = add_member()
    request = subject_requests.open_request(
        actor=admin, customer_id=customer.pk, kind="deletion", received_via="email"
    )
    with pytest.raises(ValidationFailed) as caught:
        subject_requests.refuse_request(actor=admin, request_id=request.pk, reason="  ")
    assert [(e.field, e.code) for e in caught.value.errors] == [("reason", "required")]
    request.refresh_from_db()
    assert request.status == "open"
    refused = subject_requests.refuse_request(
        actor=admin, request_id=request.pk, reason="订单纠纷未结，依法需保留（PIPL 第47条）"
    )
    assert refused.status == "refused" and refused.refusal_reason.startswith("订单纠纷")
    assert refused.closed_by == admin and refused.closed_at is not None
    with pytest.raises(Conflict):
        subject_requests.complete_request(actor=admin, request_id=request.pk)


def test_a_deletion_request_completes_only_once_erased(admin: User, add_member: Any) -> None:
    customer = add_member()
    request = subject_requests.open_request(
        actor=admin, customer_id=customer.pk, kind="deletion", received_via="web"
    )
    with pytest.raises(Conflict):
        subject_requests.complete_request(actor=admin, request_id=request.pk)
    subject_requests.erase_customer(actor=admin, customer_id=customer.pk, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == "completed" and "phone" in request.outcome["erased"]
    # receivers hear that the record changed, and nothing of what it held
    event = Event.objects.filter(customer_id=customer.pk).latest("id")
    assert (event.name, event.data) == ("customer.updated", {"changed": ["erased"]})


def test_api_requests_round_trip(admin: User, add_member: Any, api_as: Any) -> None:
    customer = add_member()
    client = api_as(admin)
    made = client.post(
        "/privacy/requests",
        {
            "customer_id": str(customer.pk),
            "kind": "access",
            "received_via": "email",
            "due_in_days": 10,
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "open" and body["overdue"] is False
    refused = client.post(f"/privacy/requests/{body['id']}/refuse", {"reason": ""})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reason"
    done = client.post(f"/privacy/requests/{body['id']}/complete", {})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    listed = client.get("/privacy/requests?status=completed").json()
    assert [item["id"] for item in listed] == [body["id"]]


# ---- access / copy ---------------------------------------------------------------------------


def test_export_holds_everything_unmasked_with_derived_figures(
    admin: User, sales: User, add_member: Any
) -> None:
    customer = add_member(owner=sales, birthday="1990-06-15")
    data = subject_requests.export_customer_data(actor=admin, customer_id=customer.pk)
    values = data["customer"]["values"]
    assert values["phone"] == "+8613800138000"  # whole, not 138****8000
    assert values["email"] == "zhang0@example.com"
    assert values["address"] == "北京市朝阳区建国路0号"
    assert values["wechat_id"] == "wx_zhang0"
    assert values["points_balance"] == 100 and values["total_spent"] == "1000.50"
    assert data["customer"]["template"]["key"] == "retail_member"
    assert data["customer"]["owner"] == "li.na"
    today = timezone.localdate()
    expected_age = today.year - 1990 - ((today.month, today.day) < (6, 15))
    assert data["derived"]["age"] == expected_age
    assert data["derived"]["tenure_days"] == 0
    # the audit trail says what happened, never which staff member did it
    assert data["audit"][0]["action"] == "create"
    assert "phone" in data["audit"][0]["fields"]
    assert "privacy-admin" not in str(data["audit"]) and "li.na" not in str(data["audit"])
    assert data["consent"] is not None and data["consent"]["states"]
    export = AuditEvent.objects.get(action="export", customer_id=customer.pk)
    assert export.reason == "data subject access" and export.actor == admin


def test_export_includes_consent_history_without_staff(admin: User, add_member: Any) -> None:
    if not apps.is_installed("dossier.consent"):
        pytest.fail("the consent app is part of Dossier's settings")
    from dossier.consent.services import grant_consent

    customer = add_member()
    grant_consent(
        actor=admin,
        customer_id=customer.pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2026-01",
        evidence={"ip": "10.0.0.8"},
    )
    history = subject_requests.export_customer_data(actor=admin, customer_id=customer.pk)[
        "consent"
    ]["history"]
    assert [(h["purpose"], h["channel"], h["action"]) for h in history] == [
        ("marketing", "sms", "granted")
    ]
    assert history[0]["evidence"] == {}  # staff name and the staff's own IP left out


def test_sales_may_not_export_or_erase(sales: User, add_member: Any, api_as: Any) -> None:
    customer = add_member(owner=sales)
    with pytest.raises(PermissionDenied):
        subject_requests.export_customer_data(actor=sales, customer_id=customer.pk)
    response = api_as(sales).post(f"/privacy/customers/{customer.pk}/erase", {})
    assert response.status_code == 403
    assert not CustomerTombstone.objects.exists()
    assert api_as(sales).get(f"/privacy/customers/{customer.pk}/export").status_code == 403


def test_manager_erases_only_customers_of_their_team(
    manager: User, make_user: Any, add_member: Any, api_as: Any
) -> None:
    outsider = make_user("far.away", "sales", team="west")
    theirs = add_member(owner=outsider)
    response = api_as(manager).post(f"/privacy/customers/{theirs.pk}/erase", {})
    assert response.status_code == 404
    ours = add_member(owner=make_user("near.by", "sales", team="east"))
    response = api_as(manager).post(f"/privacy/customers/{ours.pk}/erase", {})
    assert response.status_code == 200, response.content


# ---- erasure ---------------------------------------------------------------------------------


def test_erasure_keeps_counts_and_totals_but_no_personal_data(
    admin: User, add_member: Any, member_template: Template, api_as: Any
) -> None:
    keep = add_member()
    gone = add_member(phone="13900139000", member_no="M200001")
    gone.tags.create(name="VIP")
    before = general_sums()
    tombstone = subject_requests.erase_customer(actor=admin, customer_id=gone.pk)

    assert general_sums() == before  # same count, same points, same money
    gone.refresh_from_db()
    short = str(gone.pk).replace("-", "")[-8:]
    assert gone.display_name == f"已注销客户 {short}"
    assert (gone.phone, gone.email, gone.address, gone.birthday) == ("", "", "", None)
    assert gone.protected == {} and gone.search_text == ""
    assert set(gone.attributes) == {
        "member_level",
        "points_balance",
        "total_spent",
        "join_date",
    } & set(gone.attributes)
    assert "member_no" not in gone.attributes  # a unique number identifies on its own
    assert gone.attributes["points_balance"] == 101
    assert [t.name for t in gone.tags.all()] == ["VIP"]
    assert gone.version == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, email, address, protected, search_text FROM customers_customer "
            "WHERE id = %s",
            [Customer._meta.pk.get_db_prep_value(gone.pk, connection)],
        )
        assert cursor.fetchone() == ("", "", "", "", "")
    assert not CustomerLookup.objects.filter(customer=gone).exists()
    assert CustomerLookup.objects.filter(customer=keep).exists()
    assert set(tombstone.fields) >= {
        "display_name",
        "phone",
        "email",
        "address",
        "birthday",
        "wechat_id",
        "member_no",
    }
    assert tombstone.cause == "request" and tombstone.erased_by == admin
    event = AuditEvent.objects.get(action="delete", customer_id=gone.pk)
    assert "13900139000" not in str(event.changes) and "phone" in event.changes["erased"]

    # nobody finds the customer again by the old phone, name or member number
    for query in ("13900139000", "张三1", "M200001"):
        found = customer_list(actor=admin, filters=CustomerFilters(q=query)).items
        assert str(gone.pk) not in [item["id"] for item in found], query
    shown = api_as(admin).get(f"/customers/{gone.pk}").json()
    assert shown["values"]["display_name"].startswith("已注销客户")
    assert shown["values"]["phone"] is None and shown["values"]["email"] is None
    assert "张三1" not in str(shown) and "13900139000" not in str(shown)
    assert api_as(admin).get("/customers?q=13900139000").json()["items"] == []


def test_erasure_clears_sensitive_values_and_their_lookups(
    admin: User, member_template: Template
) -> None:
    customer = create_customer(
        actor=admin,
        template=member_template,
        values={"display_name": "王芳", "phone": "13700137000", "id_number": ID_NUMBER},
    )
    subject_requests.erase_customer(actor=admin, customer_id=customer.pk)
    customer.refresh_from_db()
    assert customer.protected == {} and customer.birthday is None
    assert not CustomerLookup.objects.filter(customer=customer).exists()
    assert customer_queryset(actor=admin, filters=CustomerFilters(q=ID_NUMBER)).count() == 0
    # the ID number may be used again by a new customer
    create_customer(
        actor=admin,
        template=member_template,
        values={"display_name": "王芳", "phone": "13700137000", "id_number": ID_NUMBER},
    )


def test_erasing_twice_is_a_conflict(admin: User, add_member: Any) -> None:
    customer = add_member()
    subject_requests.erase_customer(actor=admin, customer_id=customer.pk)
    with pytest.raises(Conflict):
        subject_requests.erase_customer(actor=admin, customer_id=customer.pk)
    assert CustomerTombstone.objects.count() == 1


# ---- restriction and objection ---------------------------------------------------------------


def test_restriction_hides_the_customer_from_marketing_until_lifted(
    admin: User, add_member: Any
) -> None:
    customer, other = add_member(), add_member()
    request = subject_requests.open_request(
        actor=admin, customer_id=customer.pk, kind="restriction", received_via="letter"
    )
    subject_requests.restrict_processing(
        actor=admin, customer_id=customer.pk, reason="争议处理中", request_id=request.pk
    )
    request.refresh_from_db()
    assert request.status == "completed"
    assert subject_requests.is_restricted(customer.pk) and not subject_requests.is_restricted(
        other.pk
    )
    pool = subject_requests.exclude_restricted(Customer.objects.all())
    assert set(pool.values_list("pk", flat=True)) == {other.pk}
    with pytest.raises(Conflict):
        subject_requests.restrict_processing(actor=admin, customer_id=customer.pk)
    subject_requests.lift_restriction(actor=admin, customer_id=customer.pk)
    assert not subject_requests.is_restricted(customer.pk)
    assert AuditEvent.objects.filter(object_type="processing_restriction").count() == 2


def test_objection_is_recorded_and_withdraws_marketing_consent(
    admin: User, add_member: Any
) -> None:
    customer = add_member()
    consent_installed = apps.is_installed("dossier.consent")
    if consent_installed:
        from dossier.consent.services import grant_consent

        for channel in ("sms", "email"):
            grant_consent(
                actor=admin,
                customer_id=customer.pk,
                purpose="marketing",
                channel=channel,
                source="staff",
                notice_version="2026-01",
            )
    request = subject_requests.open_request(
        actor=admin, customer_id=customer.pk, kind="objection", received_via="phone"
    )
    objection = subject_requests.object_to_marketing(
        actor=admin, customer_id=customer.pk, request_id=request.pk
    )
    # always: the objection is recorded, answers the request and keeps them out of marketing
    assert objection.scope == "marketing" and objection.lifted_at is None
    request.refresh_from_db()
    assert request.status == "completed"
    assert subject_requests.is_restricted(customer.pk, purpose="marketing")
    assert not subject_requests.is_restricted(customer.pk, purpose="service_notices")
    if consent_installed:
        from dossier.consent.selectors import customer_states

        states = {(s.purpose, s.channel): s.status for s in customer_states(customer)}
        marketing = {k: v for k, v in states.items() if k[0] == "marketing"}
        assert marketing and set(marketing.values()) == {"withdrawn"}
        assert set(request.outcome["consent_withdrawn"]) == {c for _p, c in marketing}


def test_restriction_and_objection_refused_for_an_erased_customer(
    admin: User, add_member: Any
) -> None:
    customer = add_member()
    subject_requests.erase_customer(actor=admin, customer_id=customer.pk)
    with pytest.raises(Conflict):
        subject_requests.object_to_marketing(actor=admin, customer_id=customer.pk)


def test_customer_privacy_page_and_requests_page(admin: User, add_member: Any, client: Any) -> None:
    customer = add_member()
    subject_requests.open_request(
        actor=admin,
        customer_id=customer.pk,
        kind="copy",
        received_via="email",
        received_at=timezone.now() - timedelta(days=30),
    )
    client.force_login(admin)
    page = client.get("/privacy/requests/")
    assert page.status_code == 200
    assert b'class="overdue"' in page.content
    detail = client.get(f"/privacy/customers/{customer.pk}/")
    assert detail.status_code == 200 and customer.display_name in detail.content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get("/privacy/requests/").content.decode()
    assert "个人信息主体请求" in chinese and "已逾期" in chinese
    assert "删除个人信息" in client.get(f"/privacy/customers/{customer.pk}/").content.decode()
    client.cookies["django_language"] = "en"
    download = client.post(f"/privacy/customers/{customer.pk}/export/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "+8613800138000" in download.content.decode()
    unconfirmed = client.post(f"/privacy/customers/{customer.pk}/erase/", {})
    assert unconfirmed.status_code == 302 and not CustomerTombstone.objects.exists()
    client.post(f"/privacy/customers/{customer.pk}/erase/", {"confirm": "yes"})
    assert CustomerTombstone.objects.filter(customer_id=customer.pk).exists()


def test_sales_gets_403_on_privacy_pages(sales: User, add_member: Any, client: Any) -> None:
    customer = add_member(owner=sales)
    client.force_login(sales)
    assert client.get("/privacy/requests/").status_code == 403
    assert (
        client.post(f"/privacy/customers/{customer.pk}/erase/", {"confirm": "yes"}).status_code
        == 403
    )
    assert not CustomerTombstone.objects.exists()


def test_requests_page_records_a_backdated_request(
    admin: User, add_member: Any, client: Any
) -> None:
    customer = add_member()
    client.force_login(admin)
    received = (timezone.localdate() - timedelta(days=20)).isoformat()
    response = client.post(
        "/privacy/requests/",
        {
            "customer_id": str(customer.pk),
            "kind": "access",
            "received_via": "letter",
            "due_in_days": "15",
            "received_on": received,
        },
    )
    assert response.status_code == 302
    request = SubjectRequest.objects.get()
    assert timezone.localdate(request.received_at).isoformat() == received
    assert request.overdue
    bad = client.post(
        "/privacy/requests/",
        {"customer_id": str(customer.pk), "kind": "nonsense", "received_via": "letter"},
    )
    assert bad.status_code == 422 and SubjectRequest.objects.count() == 1
