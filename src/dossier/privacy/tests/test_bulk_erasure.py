"""Bulk erasure by retention: what one erasure request stores, batch by batch, resumable."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.consent.services import grant_consent
from dossier.core.actors import system_actor
from dossier.customers.models import Customer, CustomerLookup, Tag
from dossier.customers.registry import entries
from dossier.customers.services import create_customer
from dossier.customers.services.tags import set_customer_tags
from dossier.interactions.services import log_interaction
from dossier.outbox.models import Event
from dossier.privacy import requests as subject_requests
from dossier.privacy import retention
from dossier.privacy import retention_batches as batches
from dossier.privacy.models import CustomerTombstone, RetentionRun, SubjectRequest
from dossier.privacy.selfservice import issue_self_service_link
from dossier.privacy.tests.subject_fixtures import *  # noqa: F403
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db

SYSTEM = system_actor("retention")
INACTIVE = "inactive_customer_personal_data"


def _age(*customers: Customer) -> None:
    """Pretend the customers were last changed four years ago (update() skips auto_now)."""
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
        updated_at=timezone.now() - timedelta(days=4 * 366)
    )


def _with_history(admin: User, customer: Customer, tag: Tag) -> None:
    """Rows in several registered tables, two of them with reasons repeating the phone."""
    phone = customer.phone
    log_interaction(
        actor=admin,
        customer_id=customer.pk,
        channel="phone",
        direction="outbound",
        subject="回访",
        notes="客户说下月再来",
    )
    set_customer_tags(actor=admin, customer_id=customer.pk, tag_ids=[tag.pk])
    grant_consent(
        actor=admin,
        customer_id=customer.pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2026-01",
    )
    issue_self_service_link(actor=admin, customer_id=customer.pk)
    request = subject_requests.open_request(
        actor=admin, customer_id=customer.pk, kind="copy", received_via="phone"
    )
    subject_requests.refuse_request(
        actor=admin, request_id=request.pk, reason=f"来电 {phone} 无法核实身份"
    )
    subject_requests.restrict_processing(
        actor=admin, customer_id=customer.pk, reason=f"诉讼保全 {phone}"
    )
    subject_requests.lift_restriction(actor=admin, customer_id=customer.pk, reason="结案")


def _plain(row: dict[str, Any], customer_field: str) -> dict[str, Any]:
    """A child row without what differs between twins anyway: ids and moments."""
    return {
        key: "<time>" if isinstance(value, datetime) else value
        for key, value in row.items()
        if key not in ("id", customer_field, "object_id", "nonce_digest")
    }


def _stored(pk: Any) -> dict[str, Any]:
    """Everything stored about an erased customer, as a twin erased the other way must match."""
    customer = Customer.objects.get(pk=pk)
    short = str(pk).replace("-", "")[-8:]
    row = {
        f.attname: getattr(customer, f.attname)
        for f in Customer._meta.concrete_fields
        if f.attname not in ("id", "created_at", "updated_at", "erased_at")
    }
    row["display_name"] = row["display_name"].replace(short, "<id>")
    row["erased at the last change"] = customer.erased_at == customer.updated_at
    children = {
        entry.model._meta.label: sorted(
            (repr(_plain(r, entry.customer_field)) for r in entry.rows([pk]).values()),
        )
        for entry in entries()
        if entry.model not in (AuditEvent, CustomerTombstone)
    }
    tombstone = CustomerTombstone.objects.get(customer_id=pk)
    return {
        "customer": row,
        "children": children,
        # the cause, the actor and the reason say which path it was: the rest must agree
        "tombstone": (tombstone.mode, tombstone.fields),
        "audit": [
            (kind, object_id == str(pk), changes)
            for kind, object_id, changes in AuditEvent.objects.filter(
                customer_id=pk, action="delete"
            ).values_list("object_type", "object_id", "changes")
        ],
        "events": list(
            Event.objects.filter(customer_id=pk, data={"changed": ["erased"]}).values_list(
                "name", flat=True
            )
        ),
    }


def test_bulk_erasure_stores_exactly_what_an_erasure_request_stores(
    admin: User, add_member: Any, member_template: Template
) -> None:
    tag = Tag.objects.create(name="老客户")
    same = {"points_balance": 120, "total_spent": "1000.50"}  # general values, kept
    twins: list[tuple[Customer, Customer]] = []
    for _ in range(2):
        full = add_member(**same), add_member(**same)
        for customer in full:
            _with_history(admin, customer, tag)
        twins.append(full)
    bare = {**same, "address": "", "wechat_id": None, "birthday": None}
    twins.append((add_member(**bare), add_member(**bare)))
    # a template with a sensitive (protected) ID number and a unique member number
    sensitive = [
        create_customer(
            actor=admin,
            template=member_template,
            values={"display_name": name, "phone": f"1370013700{n}", "id_number": number},
        )
        for n, (name, number) in enumerate(
            (("王芳", "110105199003071239"), ("李娜", "110105199003071255"))
        )
    ]
    twins.append((sensitive[0], sensitive[1]))
    fresh = add_member()
    for single, _bulk in twins:
        subject_requests.erase_customer(actor=admin, customer_id=single.pk)
    _age(*[bulk for _single, bulk in twins])

    report = retention.apply_retention(actor=SYSTEM, batch=2)

    assert sorted(report.anonymised) == sorted(str(bulk.pk) for _single, bulk in twins)
    for single, bulk in twins:
        assert _stored(bulk.pk) == _stored(single.pk)
    # and what they store is erased: nothing personal left, on either path
    with_history = twins[0][1]
    with_history.refresh_from_db()
    assert with_history.display_name.startswith("已注销客户") and with_history.phone == ""
    assert not CustomerLookup.objects.filter(customer_id=with_history.pk).exists()
    refusal = SubjectRequest.objects.get(customer_id=with_history.pk).refusal_reason
    assert refusal == "来电 *** 无法核实身份"
    fresh.refresh_from_db()
    assert fresh.phone and fresh.erased_at is None


def test_a_run_stopped_half_way_continues_where_it_stopped(
    admin: User, add_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = [add_member() for _ in range(5)]
    _age(*customers)
    ordered = sorted(c.pk for c in customers)
    erase, calls = batches._erase, []

    def stopped_at_the_second_batch(rows: Any, **kwargs: Any) -> None:
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("the process was stopped")
        erase(rows, **kwargs)

    monkeypatch.setattr(batches, "_erase", stopped_at_the_second_batch)
    with pytest.raises(RuntimeError):
        retention.apply_retention(actor=SYSTEM, batch=2)
    run = RetentionRun.objects.get()
    assert run.finished_at is None and run.counts[INACTIVE]["anonymised"] == 2
    # the first batch stayed, the second rolled back whole: no tombstone, no audit event
    assert set(CustomerTombstone.objects.values_list("customer_id", flat=True)) == set(ordered[:2])
    assert AuditEvent.objects.filter(action="delete").count() == 2
    assert Customer.objects.get(pk=ordered[2]).erased_at is None

    monkeypatch.setattr(batches, "_erase", erase)
    later = timezone.now() + timedelta(days=3650)  # a continued run keeps its own moment
    report = retention.apply_retention(actor=SYSTEM, now=later, batch=2)

    assert report.run_id == run.pk and RetentionRun.objects.count() == 1
    assert report.anonymised == [str(pk) for pk in ordered]
    assert report.counts[INACTIVE]["matched"] == 5 and report.counts[INACTIVE]["anonymised"] == 5
    assert report.counts[INACTIVE]["cutoff"] == run.counts[INACTIVE]["cutoff"]
    for pk in ordered:  # nobody erased twice, nobody skipped
        assert CustomerTombstone.objects.filter(customer_id=pk).count() == 1
        assert AuditEvent.objects.filter(action="delete", customer_id=pk).count() == 1
    assert RetentionRun.objects.get().finished_at is not None


def test_a_held_customer_in_a_batch_is_kept_and_counted(admin: User, add_member: Any) -> None:
    first, held, last = add_member(), add_member(), add_member()
    subject_requests.restrict_processing(actor=admin, customer_id=held.pk, reason="诉讼保全")
    _age(first, held, last)
    audit_ids = set(AuditEvent.objects.values_list("id", flat=True))

    report = retention.apply_retention(actor=SYSTEM, batch=2)

    assert report.anonymised == [str(first.pk), str(last.pk)]
    counts = report.counts[INACTIVE]
    assert (counts["matched"], counts["held_by_restriction"], counts["anonymised"]) == (2, 1, 2)
    held.refresh_from_db()
    assert held.phone and held.erased_at is None
    assert not CustomerTombstone.objects.filter(customer_id=held.pk).exists()
    # one "delete" event per erased customer; every older event still there
    assert audit_ids < set(AuditEvent.objects.values_list("id", flat=True))
    deleted = AuditEvent.objects.filter(action="delete")
    assert sorted(deleted.values_list("customer_id", flat=True)) == sorted([first.pk, last.pk])
    assert all(e.changes["mode"] == "anonymised" and e.changes["erased"] for e in deleted)


def test_a_batch_size_below_one_still_erases_one_at_a_time(add_member: Any) -> None:
    customers = [add_member(), add_member()]
    _age(*customers)
    report = retention.apply_retention(actor=SYSTEM, batch=0)
    assert len(report.anonymised) == 2


@pytest.mark.django_db(transaction=True)
def test_a_customer_locked_by_a_concurrent_edit_is_skipped_reported_and_erased_later(
    admin: User, member_template: Template
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: a writer there holds the whole database")
    # the template and policies are made here: a transactional test's database may have lost
    # the migrated rows to an earlier one's flush
    retention.ensure_default_policies()
    customers = [
        create_customer(
            actor=admin,
            template=member_template,
            values={"display_name": name, "phone": f"1370013700{n}"},
        )
        for n, name in enumerate(("王芳", "李娜", "张伟"))
    ]
    _age(*customers)
    busy = sorted(customers, key=lambda c: c.pk)[1]
    locked, release = threading.Event(), threading.Event()

    def staff_editing() -> None:
        try:
            with transaction.atomic():
                Customer.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    editor = threading.Thread(target=staff_editing)
    editor.start()
    assert locked.wait(10)
    try:
        report = retention.apply_retention(actor=SYSTEM, batch=2)
    finally:
        release.set()
        editor.join()

    others = sorted(str(c.pk) for c in customers if c.pk != busy.pk)
    assert report.anonymised == others and report.skipped == [str(busy.pk)]
    assert report.counts[INACTIVE]["skipped_busy"] == 1
    assert not CustomerTombstone.objects.filter(customer_id=busy.pk).exists()
    busy.refresh_from_db()
    assert busy.phone and busy.erased_at is None

    again = retention.apply_retention(actor=SYSTEM)
    assert again.anonymised == [str(busy.pk)] and again.skipped == []
