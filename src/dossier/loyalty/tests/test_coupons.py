"""Coupon campaigns and coupons: unique codes, one per customer, redeemed once, while valid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from dossier.loyalty.arithmetic import CODE_ALPHABET, CODE_LENGTH, display_code
from dossier.loyalty.models import Coupon, CouponCampaign
from dossier.loyalty.services import create_coupon_campaign, issue_coupons, redeem_coupon
from dossier.privacy.erasure import erase_customer
from dossier.privacy.requests import restrict_processing

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def campaign_for_now(actor: Any, **changes: Any) -> CouponCampaign:
    now = timezone.now()
    values = {
        "name": "会员日满100减20",
        "kind": "amount",
        "value": "20.00",
        "min_spend": "100.00",
        "valid_from": now - DAY,
        "valid_until": now + 30 * DAY,
        **changes,
    }
    return create_coupon_campaign(actor=actor, **values)


def _issue(marketer: Any, customer: Any, **changes: Any) -> Coupon:
    made = campaign_for_now(marketer, **changes)
    issue_coupons(actor=marketer, campaign_id=made.pk, customer_ids=[customer.pk])
    return Coupon.objects.get(campaign=made, customer_id=customer.pk)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "percent", "value": "120"}, "value"),
        ({"value": "0"}, "value"),
        ({"kind": "bogo"}, "kind"),
        ({"name": ""}, "name"),
        ({"min_spend": "-1"}, "min_spend"),
        ({"valid_until": timezone.now() - 10 * DAY}, "valid_until"),
    ],
)
def test_a_campaign_with_a_bad_value_is_refused_naming_the_field(marketer, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        campaign_for_now(marketer, **changes)
    assert field in [e.field for e in refused.value.errors]


def test_sales_may_not_create_campaigns_nor_issue(owner, marketer, customer):
    with pytest.raises(PermissionDenied):
        campaign_for_now(owner)
    made = campaign_for_now(marketer)
    with pytest.raises(PermissionDenied):
        issue_coupons(actor=owner, campaign_id=made.pk, customer_ids=[customer.pk])


def test_issuing_gives_each_customer_one_unguessable_code(marketer, owner, make_customer, customer):
    others = [make_customer(owner) for _ in range(4)]
    from dossier.customers.services import share_customer

    for one in [customer, *others]:
        share_customer(actor=owner, customer_id=one.pk, user=marketer)
    made = campaign_for_now(marketer)
    ids = [customer.pk, *(o.pk for o in others)]
    assert issue_coupons(actor=marketer, campaign_id=made.pk, customer_ids=ids) == {
        "issued": 5,
        "already": 0,
        "skipped": 0,
    }
    codes = list(Coupon.objects.filter(campaign=made).values_list("code", flat=True))
    assert len(set(codes)) == 5
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("".join(codes)) & set("01OIL")
    # again: one per customer per campaign
    again = issue_coupons(actor=marketer, campaign_id=made.pk, customer_ids=ids)
    assert again == {"issued": 0, "already": 5, "skipped": 0}
    assert AuditEvent.objects.filter(action="issue", object_type="coupon").count() == 5


def test_customers_out_of_reach_restricted_or_erased_are_skipped(
    marketer, outsider, make_customer, admin_user, customer, owner
):
    from dossier.customers.services import share_customer

    share_customer(actor=owner, customer_id=customer.pk, user=marketer)
    west = make_customer(outsider)
    restricted = make_customer(owner)
    share_customer(actor=owner, customer_id=restricted.pk, user=marketer)
    restrict_processing(actor=admin_user, customer_id=restricted.pk, reason="保全")
    erased = make_customer(owner)
    share_customer(actor=owner, customer_id=erased.pk, user=marketer)
    erase_customer(actor=admin_user, customer_id=erased.pk)
    made = campaign_for_now(marketer)
    ids = [customer.pk, west.pk, restricted.pk, erased.pk, "not-a-uuid"]
    result = issue_coupons(actor=marketer, campaign_id=made.pk, customer_ids=ids)
    assert result == {"issued": 1, "already": 0, "skipped": 4}


def test_a_coupon_is_redeemed_once(marketer, owner, customer, admin_user):
    coupon = _issue(admin_user, customer)
    used = redeem_coupon(
        actor=owner, customer_id=customer.pk, code=display_code(coupon.code).lower()
    )
    assert used.redeemed_at is not None and used.redeemed_by == owner
    with pytest.raises(ApplicationError) as refused:
        redeem_coupon(actor=owner, customer_id=customer.pk, code=coupon.code)
    assert (refused.value.status, refused.value.code) == (409, "coupon_used")


def test_an_expired_or_early_coupon_is_refused_saying_so(owner, customer, admin_user):
    now = timezone.now()
    old = _issue(admin_user, customer, valid_from=now - 60 * DAY, valid_until=now - DAY)
    with pytest.raises(ApplicationError) as refused:
        redeem_coupon(actor=owner, customer_id=customer.pk, code=old.code)
    assert refused.value.code == "coupon_expired" and "expired" in refused.value.message
    early = _issue(admin_user, customer, valid_from=now + DAY, valid_until=now + 9 * DAY)
    with pytest.raises(ApplicationError) as refused:
        redeem_coupon(actor=owner, customer_id=customer.pk, code=early.code)
    assert refused.value.code == "coupon_not_yet_valid"
    assert Coupon.objects.filter(redeemed_at__isnull=False).count() == 0


def test_another_customers_coupon_is_refused(owner, customer, make_customer, admin_user):
    coupon = _issue(admin_user, customer)
    other = make_customer(owner)
    with pytest.raises(ApplicationError) as refused:
        redeem_coupon(actor=owner, customer_id=other.pk, code=coupon.code)
    assert refused.value.code == "coupon_not_theirs"
    assert Coupon.objects.get(pk=coupon.pk).redeemed_at is None


def test_another_teams_user_cannot_redeem_and_unknown_codes_are_not_found(
    outsider, owner, customer, admin_user
):
    coupon = _issue(admin_user, customer)
    with pytest.raises(NotFound):
        redeem_coupon(actor=outsider, customer_id=customer.pk, code=coupon.code)
    with pytest.raises(NotFound):
        redeem_coupon(actor=owner, customer_id=customer.pk, code="ABCD-EFGH-JKMN")
    assert Coupon.objects.get(pk=coupon.pk).redeemed_at is None


def test_the_order_must_reach_the_minimum_spend(owner, customer, admin_user, buy):
    coupon = _issue(admin_user, customer)
    small = buy(customer, "99.99")
    with pytest.raises(ApplicationError) as refused:
        redeem_coupon(actor=owner, customer_id=customer.pk, code=coupon.code, order_id=small.pk)
    assert refused.value.code == "coupon_min_spend"
    big = buy(customer, "100.00")
    used = redeem_coupon(actor=owner, customer_id=customer.pk, code=coupon.code, order_id=big.pk)
    assert used.order_id == big.pk
