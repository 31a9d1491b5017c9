"""Retention: policies per category, dry runs, anonymising expired customers, the audit log."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.core.actors import system_actor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.customers.models import Customer, CustomerLookup
from dossier.privacy import retention
from dossier.privacy.models import CustomerTombstone, RetentionPolicy, RetentionRun
from dossier.privacy.requests import restrict_processing
from dossier.privacy.tasks import run_retention
from dossier.privacy.tests.subject_fixtures import *  # noqa: F403
from dossier.privacy.tests.subject_fixtures import general_sums

pytestmark = pytest.mark.django_db

SYSTEM = system_actor("retention")


def _age(customer: Customer, days: int) -> None:
    """Pretend the customer was last changed ``days`` ago (update() skips auto_now)."""
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_default_policies_exist_after_migrate() -> None:
    policies = {p.category: (p.months, p.action) for p in RetentionPolicy.objects.all()}
    assert policies == {
        "inactive_customer_personal_data": (36, "anonymise"),
        "deleted_customer": (12, "anonymise"),
        "audit_log": (36, "keep"),
    }
    assert retention.ensure_default_policies() == []


def test_audit_policy_shorter_than_36_months_is_refused(admin: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        retention.set_retention_policy(actor=admin, category="audit_log", months=24, action="keep")
    assert [(e.field, e.code) for e in caught.value.errors] == [("months", "too_small")]
    assert "36" in str(caught.value.message)
    assert RetentionPolicy.objects.get(category="audit_log").months == 36
    with pytest.raises(ValidationFailed) as caught:
        retention.set_retention_policy(
            actor=admin, category="audit_log", months=48, action="delete"
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [("action", "invalid_choice")]
    policy = retention.set_retention_policy(
        actor=admin, category="audit_log", months=60, action="keep"
    )
    assert policy.months == 60
    event = AuditEvent.objects.get(object_type="retention_policy")
    assert event.changes["after"] == {"months": 60, "action": "keep"}


def test_policy_api_refuses_short_audit_retention_and_non_admins(
    admin: User, manager: User, api_as: Any
) -> None:
    response = api_as(admin).post(
        "/privacy/retention/policies", {"category": "audit_log", "months": 12, "action": "keep"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "months"
    assert api_as(manager).get("/privacy/retention/policies").status_code == 403
    listed = api_as(admin).get("/privacy/retention/policies").json()
    assert {p["category"] for p in listed} == {
        "inactive_customer_personal_data",
        "deleted_customer",
        "audit_log",
    }


def test_dry_run_changes_nothing_and_reports(admin: User, add_member: Any) -> None:
    old, fresh = add_member(), add_member()
    _age(old, 4 * 366)
    audit_before = AuditEvent.objects.count()
    report = retention.apply_retention(actor=SYSTEM, dry_run=True)
    counts = report.counts["inactive_customer_personal_data"]
    assert counts["matched"] == 1 and counts["anonymised"] == 0
    assert counts["customer_ids"] == [str(old.pk)]
    old.refresh_from_db()
    assert old.display_name == "张三0" and old.phone
    assert not CustomerTombstone.objects.exists() and not RetentionRun.objects.exists()
    assert AuditEvent.objects.count() == audit_before
    assert fresh.pk not in {c for c in counts["customer_ids"]}


def test_run_anonymises_only_the_expired_inactive_customer(admin: User, add_member: Any) -> None:
    old, fresh, held = add_member(), add_member(), add_member()
    restrict_processing(actor=admin, customer_id=held.pk, reason="诉讼保全")
    for customer in (old, held):
        _age(customer, 4 * 366)
    _age(fresh, 30)
    sums = general_sums()
    audit_ids = set(AuditEvent.objects.values_list("id", flat=True))

    report = retention.apply_retention(actor=SYSTEM)

    old.refresh_from_db(), fresh.refresh_from_db(), held.refresh_from_db()
    assert old.display_name.startswith("已注销客户") and old.phone == "" and old.protected == {}
    assert not CustomerLookup.objects.filter(customer=old).exists()
    assert fresh.display_name == "张三1" and fresh.phone == "+8613800138001"
    assert held.display_name == "张三2"  # a restriction holds the data
    assert general_sums() == sums
    tombstone = CustomerTombstone.objects.get()
    assert tombstone.customer_id == old.pk and tombstone.cause == "retention"
    run = RetentionRun.objects.get()
    assert report.run_id == run.pk
    assert run.customer_ids == {"anonymised": [str(old.pk)], "deleted": []}
    counts = run.counts["inactive_customer_personal_data"]
    assert (counts["matched"], counts["anonymised"], counts["held_by_restriction"]) == (1, 1, 1)
    # audit events are only added, never changed or removed
    assert audit_ids <= set(AuditEvent.objects.values_list("id", flat=True))
    event = AuditEvent.objects.get(action="delete", customer_id=old.pk)
    assert event.reason.startswith("retention policy inactive_customer_personal_data")
    # a second run finds nothing new
    assert (
        retention.apply_retention(actor=SYSTEM).counts["inactive_customer_personal_data"]["matched"]
        == 0
    )


def test_old_audit_events_are_counted_never_deleted(admin: User, add_member: Any) -> None:
    add_member()
    ids = set(AuditEvent.objects.values_list("id", flat=True))
    later = timezone.now() + timedelta(days=37 * 31)
    report = retention.apply_retention(actor=SYSTEM, now=later, dry_run=True)
    assert report.counts["audit_log"]["older_than_policy"] == len(ids)
    assert retention.apply_retention(actor=SYSTEM).counts["audit_log"]["older_than_policy"] == 0
    retention.apply_retention(
        actor=SYSTEM, now=later
    )  # anonymises the customer, deletes no audit event
    assert ids < set(AuditEvent.objects.values_list("id", flat=True))


def test_delete_policy_removes_rows_but_keeps_consent_protected_ones(
    admin: User, add_member: Any
) -> None:
    from dossier.consent.services import grant_consent

    plain, with_consent = add_member(), add_member()
    grant_consent(
        actor=admin,
        customer_id=with_consent.pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2026-01",
    )
    retention.set_retention_policy(
        actor=admin, category="inactive_customer_personal_data", months=12, action="delete"
    )
    for customer in (plain, with_consent):
        _age(customer, 400)
    report = retention.apply_retention(actor=SYSTEM)
    assert report.deleted == [str(plain.pk)]
    assert report.anonymised == [str(with_consent.pk)]
    assert not Customer.objects.filter(pk=plain.pk).exists()
    with_consent.refresh_from_db()
    assert with_consent.phone == ""
    modes = dict(CustomerTombstone.objects.values_list("customer_id", "mode"))
    assert modes == {plain.pk: "deleted", with_consent.pk: "anonymised"}


def test_soft_deleted_customers_expire_by_their_own_policy(admin: User, add_member: Any) -> None:
    gone = add_member()
    Customer.objects.filter(pk=gone.pk).update(deleted_at=timezone.now() - timedelta(days=400))
    report = retention.apply_retention(actor=SYSTEM)
    assert report.counts["deleted_customer"]["anonymised"] == 1
    assert report.counts["inactive_customer_personal_data"]["matched"] == 0


def test_task_and_command_run_retention(admin: User, add_member: Any) -> None:
    old = add_member()
    _age(old, 4 * 366)
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and "matched 1" in out.getvalue()
    assert not CustomerTombstone.objects.exists()
    result = run_retention.enqueue(dry_run=False)
    assert result.return_value["anonymised"] == [str(old.pk)]
    assert CustomerTombstone.objects.filter(customer_id=old.pk).exists()


def test_api_run_is_dry_by_default_and_admin_only(
    admin: User, manager: User, add_member: Any, api_as: Any
) -> None:
    old = add_member()
    _age(old, 4 * 366)
    assert api_as(manager).post("/privacy/retention/run").status_code == 403
    dry = api_as(admin).post("/privacy/retention/run")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert not CustomerTombstone.objects.exists()
    real = api_as(admin).post("/privacy/retention/run?dry_run=false").json()
    assert real["anonymised"] == [str(old.pk)] and real["run_id"]


def test_run_by_hand_needs_permission(manager: User) -> None:
    with pytest.raises(PermissionDenied):
        retention.apply_retention(actor=manager)


def test_months_before_clamps_the_day() -> None:
    moment = timezone.now().replace(year=2026, month=3, day=31)
    assert retention.months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert retention.months_before(moment, 36).date().isoformat() == "2023-03-31"


def test_policy_api_takes_a_whole_number_of_months_but_not_true(admin: User, api_as: Any) -> None:
    url = "/privacy/retention/policies"
    body = {"category": "deleted_customer", "action": "delete"}
    refused = api_as(admin).post(url, {**body, "months": True})
    assert refused.status_code == 422
    assert api_as(admin).post(url, {**body, "months": 24.0}).status_code == 200
