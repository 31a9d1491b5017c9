"""Customer events for webhooks: published with each write, no personal values in them; the
payload is the single-customer read, masked for the receiver."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.customers import services
from dossier.customers.events import customer_payload
from dossier.outbox.models import Event
from dossier.outbox.payloads import payload_for
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


def events() -> list[tuple[str, str, Any]]:
    return [(e.name, e.object_id, e.data) for e in Event.objects.order_by("id")]


def test_each_write_publishes_its_event_with_field_names_only(
    make_user: Callable[..., User], member_template: Template
) -> None:
    manager = make_user("boss", roles.MANAGER, team="east")
    seller = make_user("li.na", roles.SALES, team="east")
    customer = services.create_customer(
        actor=manager,
        template=member_template,
        values={"display_name": "张三", "phone": PHONE, "city": "上海"},
    )
    pk = str(customer.pk)
    services.update_customer(
        actor=manager,
        customer_id=pk,
        values={"city": "杭州", "phone": "13900139000"},
        expected_version=1,
    )
    services.assign_owner(actor=manager, customer_id=pk, owner=seller)
    services.delete_customer(actor=manager, customer_id=pk)
    services.restore_customer(actor=manager, customer_id=pk)
    assert events() == [
        ("customer.created", pk, {}),
        ("customer.updated", pk, {"changed": ["city", "phone"]}),
        ("customer.updated", pk, {"changed": ["owner"]}),
        ("customer.deleted", pk, {}),
        ("customer.updated", pk, {"changed": ["restored"]}),
    ]
    stored = Event.objects.all()
    assert {(e.customer_id, e.object_type, e.actor_id) for e in stored} == {
        (customer.pk, "customer", manager.pk)
    }
    text = json.dumps([e.data for e in stored], ensure_ascii=False)
    for personal in ("张三", PHONE, "13900139000", "杭州", "上海"):
        assert personal not in text


def test_a_refused_write_publishes_nothing(sales_user: User, member_template: Template) -> None:
    with pytest.raises(ValidationFailed):
        services.create_customer(
            actor=sales_user, template=member_template, values={"display_name": "张三"}
        )
    assert not Event.objects.exists()


def test_a_batch_publishes_one_event_per_customer_in_one_insert(
    sales_user: User, member_template: Template
) -> None:
    rows = [{"display_name": f"客户{n}", "phone": f"1390000{n:04d}"} for n in range(5)]
    rows.append({"display_name": "没有电话"})  # rejected: phone is required
    with CaptureQueriesContext(connection) as queries:
        result = services.create_customers(actor=sales_user, template=member_template, rows=rows)
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "outbox_event"')]
    assert len(inserts) == 1
    assert events() == [("customer.created", str(c.pk), {}) for c in result.created]

    Event.objects.all().delete()
    changes = [{"id": str(c.pk), "points": 9} for c in result.created[:2]]
    services.upsert_customers(actor=sales_user, template=member_template, rows=changes)
    assert events() == [
        ("customer.updated", str(c.pk), {"changed": ["points"]}) for c in result.created[:2]
    ]


def test_the_payload_is_what_the_receiver_may_see(
    make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> None:
    service = make_user("service", roles.SERVICE, team="east")
    marketing = make_user("marketing", roles.MARKETING, team="east")
    analyst = make_user("analyst", roles.ANALYST)
    customer = make_customer(service, display_name="李小龙", phone=PHONE)
    services.share_customer(actor=service, customer_id=customer.pk, user=marketing)
    event = Event.objects.get(name="customer.created", object_id=str(customer.pk))

    whole = payload_for(service, event)
    assert whole is not None
    assert whole["object"]["values"]["phone"] == "+86" + PHONE
    assert whole["object"]["id"] == str(customer.pk) and whole["object"]["type"] == "customer"
    json.dumps(whole)  # plain JSON: dates as text
    masked = customer_payload(marketing, event)
    assert masked is not None and masked["values"]["phone"] == "138****8000"
    assert "phone" in masked["masked"]
    assert customer_payload(analyst, event) is None


def test_a_deleted_customer_is_its_id_for_those_who_could_see_it_only(
    make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> None:
    manager = make_user("boss", roles.MANAGER, team="east")
    stranger = make_user("west", roles.SALES, team="west")
    customer = make_customer(manager)
    services.delete_customer(actor=manager, customer_id=customer.pk)
    deleted = Event.objects.get(name="customer.deleted")
    created = Event.objects.get(name="customer.created")
    assert customer_payload(manager, deleted) == {}
    assert customer_payload(stranger, deleted) is None
    assert customer_payload(manager, created) is None  # deleted now: no longer to be seen
