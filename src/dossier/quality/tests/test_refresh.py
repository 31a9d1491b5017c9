"""The bulk refresh on real customers: scores, protected values, decay, deleted customers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.activity.models import CustomerFigures
from dossier.customers.models import Customer
from dossier.customers.registry import erase_rows, export_sections, repoint_customer_data
from dossier.customers.services import delete_customer
from dossier.quality import refresh as refresh_module
from dossier.quality.models import CustomerQuality, TemplateQualityPolicy
from dossier.quality.refresh import refresh_quality

pytestmark = pytest.mark.django_db


def _quality(customer: Any) -> CustomerQuality:
    return CustomerQuality.objects.get(pk=customer.pk)


def test_name_and_phone_only_score_six_of_eight(
    make_member: Callable[..., Any], owner: User
) -> None:
    customer = make_member(owner)
    refresh_quality()
    row = _quality(customer)
    assert row.completeness == 75
    assert row.missing == ["wechat_id", "member_level"]


def test_complete_record_scores_100_with_its_protected_value_read(
    make_member: Callable[..., Any], owner: User
) -> None:
    customer = make_member(owner, wechat_id="wx_li", member_level="gold")
    assert Customer.objects.get(pk=customer.pk).protected == {"wechat_id": "wx_li"}
    refresh_quality()
    assert (_quality(customer).completeness, _quality(customer).missing) == (100, [])


def test_protected_values_are_not_decrypted_for_a_version_without_them(
    make_member: Callable[..., Any], owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = make_member(owner, member_level="gold")
    plans: list[Any] = []
    original = refresh_module._plan

    def spy(*args: Any) -> Any:
        plan = original(*args)
        plans.append(plan)
        return plan

    monkeypatch.setattr(refresh_module, "_plan", spy)
    refresh_quality(customer_ids=[customer.pk])
    # this version has a personal field, so it reads the envelope; an empty one is not decrypted
    assert plans[0].reads_protected
    assert _quality(customer).missing == ["wechat_id"]


def test_weights_of_the_policy_change_the_score(
    make_member: Callable[..., Any], owner: User, quality_template: Any
) -> None:
    customer = make_member(owner)
    policy = TemplateQualityPolicy.objects.get(template=quality_template)
    policy.weights = {**policy.weights, "wechat_id": 10, "member_level": 0}
    policy.save()
    refresh_quality()
    # name 3 + phone 3 of 16
    assert _quality(customer).completeness == 38
    assert _quality(customer).missing == ["wechat_id"]


def test_freshness_decays_with_a_frozen_clock_and_the_record_goes_stale(
    make_member: Callable[..., Any], owner: User
) -> None:
    customer = make_member(owner)
    updated = Customer.objects.get(pk=customer.pk).updated_at
    refresh_quality(now=updated)
    assert (_quality(customer).freshness, _quality(customer).stale) == (100, False)
    refresh_quality(now=updated + timedelta(days=183))
    assert _quality(customer).freshness == 50
    refresh_quality(now=updated + timedelta(days=370))
    row = _quality(customer)
    assert (row.freshness, row.stale, row.last_activity_at) == (0, True, updated)


def test_a_recent_interaction_keeps_the_record_fresh(
    make_member: Callable[..., Any], owner: User
) -> None:
    customer = make_member(owner)
    later = timezone.now() + timedelta(days=300)
    CustomerFigures.objects.update_or_create(
        customer_id=customer.pk, defaults={"last_interaction_at": later}
    )
    refresh_quality(now=later + timedelta(days=10))
    row = _quality(customer)
    assert row.last_activity_at == later
    assert not row.stale and row.freshness == 97


def test_a_verification_counts_when_the_verification_app_keeps_one(
    make_member: Callable[..., Any], owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = make_member(owner)
    verified = timezone.now() + timedelta(days=400)
    monkeypatch.setattr(refresh_module, "last_verified", lambda ids: {customer.pk: verified})
    refresh_quality(now=verified)
    assert _quality(customer).last_activity_at == verified
    assert not _quality(customer).stale


def test_refresh_of_some_customers_leaves_the_others(
    make_member: Callable[..., Any], owner: User
) -> None:
    one, two = make_member(owner), make_member(owner)
    done = refresh_quality(customer_ids=[one.pk])
    assert done.customers == 1
    assert CustomerQuality.objects.filter(pk=two.pk).count() == 0
    # upsert: a second refresh updates the row, never adds one
    refresh_quality(customer_ids=[one.pk])
    assert CustomerQuality.objects.filter(pk=one.pk).count() == 1


def test_deleted_customers_lose_their_row(
    make_member: Callable[..., Any], owner: User, admin_user: User
) -> None:
    customer = make_member(owner)
    refresh_quality()
    delete_customer(actor=admin_user, customer_id=customer.pk)
    refresh_quality()
    assert not CustomerQuality.objects.filter(pk=customer.pk).exists()


def test_registry_exports_erases_and_repoints_the_row(
    make_member: Callable[..., Any], owner: User
) -> None:
    one, two = make_member(owner), make_member(owner)
    refresh_quality()
    copy = export_sections(Customer.objects.get(pk=one.pk))["quality"]
    assert copy["completeness"] == 75 and copy["missing_fields"] == ["wechat_id", "member_level"]
    repoint_customer_data(one.pk, two.pk)
    assert not CustomerQuality.objects.filter(pk=one.pk).exists()
    erase_rows([two.pk])
    assert not CustomerQuality.objects.filter(pk=two.pk).exists()


def test_a_customer_write_refreshes_its_row_after_the_commit(
    make_member: Callable[..., Any],
    owner: User,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from dossier.customers.services import update_customer

    with django_capture_on_commit_callbacks(execute=True):
        customer = make_member(owner)
    assert _quality(customer).completeness == 75
    with django_capture_on_commit_callbacks(execute=True):
        update_customer(
            actor=admin_user,
            customer_id=customer.pk,
            values={"member_level": "gold"},
            expected_version=None,
        )
    assert _quality(customer).missing == ["wechat_id"]


def test_list_sorts_and_filters_by_completeness(
    make_member: Callable[..., Any], owner: User
) -> None:
    from dossier.customers import listing

    make_member(owner)
    refresh_quality()
    assert "completeness" in listing.figures()
    assert listing.sorts()["completeness"].lookup == "quality__completeness"


def test_a_verification_of_the_current_phone_keeps_the_record_fresh(
    make_member: Callable[..., Any], owner: User
) -> None:
    from dossier.customers.models import CustomerLookup
    from dossier.verification.models import ContactVerification

    customer = make_member(owner)
    digest = CustomerLookup.objects.get(customer_id=customer.pk, field="phone").digest
    verified = timezone.now() + timedelta(days=500)
    ContactVerification.objects.create(
        customer_id=customer.pk, field="phone", digest=digest, verified_at=verified, method="sms"
    )
    refresh_quality(now=verified + timedelta(days=1))
    assert _quality(customer).last_activity_at == verified
    assert not _quality(customer).stale
    # a verification of a value the customer no longer has does not count
    ContactVerification.objects.filter(customer_id=customer.pk).update(digest="0" * 64)
    refresh_quality(now=verified + timedelta(days=1))
    assert _quality(customer).stale
