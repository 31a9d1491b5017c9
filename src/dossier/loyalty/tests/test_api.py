"""The loyalty API: what callers send and get back (who may call what: matrix.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.loyalty.models import Coupon, PointsEntry, Programme
from dossier.loyalty.services import adjust_points, issue_coupons
from dossier.loyalty.tests.test_coupons import campaign_for_now

pytestmark = pytest.mark.django_db


def test_balance_ledger_and_redemption(api_as: Any, owner: Any, manager: Any, customer: Any):
    adjust_points(actor=manager, customer_id=customer.pk, points=100, reason="migration")
    api = api_as(owner)
    base = f"/loyalty/customers/{customer.pk}"
    spent = api.post(f"{base}/points/redemptions", {"points": 30, "reason": "gift"})
    assert spent.status_code == 201, spent.content
    assert (spent.json()["kind"], spent.json()["points"]) == ("redeem", -30)
    balance = api.get(f"{base}/points").json()
    assert (balance["balance"], balance["tier"]) == (70, None)
    entries = api.get(f"{base}/points/entries").json()
    assert [(e["kind"], e["points"]) for e in entries] == [("redeem", -30), ("adjust", 100)]
    older = api.get(f"{base}/points/entries?before={entries[0]['id']}").json()
    assert [e["points"] for e in older] == [100]


def test_an_overdraw_answers_409_naming_customer_points_and_balance(
    api_as: Any, owner: Any, customer: Any
) -> None:
    refused = api_as(owner).post(
        f"/loyalty/customers/{customer.pk}/points/redemptions", {"points": 5}
    )
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "not_enough_points"
    assert (body["customer_id"], body["points"], body["balance"]) == (str(customer.pk), 5, 0)


def test_sales_cannot_adjust_and_outsiders_cannot_read(
    api_as: Any, owner: Any, outsider: Any, customer: Any
) -> None:
    path = f"/loyalty/customers/{customer.pk}/points"
    adjusted = api_as(owner).post(f"{path}/adjustments", {"points": 5, "reason": "goodwill"})
    assert adjusted.status_code == 403
    assert api_as(outsider).get(path).status_code == 404
    assert api_as(outsider).get(f"/loyalty/customers/{customer.pk}/coupons").status_code == 404
    assert not PointsEntry.objects.exists()


def test_campaign_issue_and_coupon_redemption(
    api_as: Any, admin_user: Any, owner: Any, customer: Any
) -> None:
    admin = api_as(admin_user)
    made = admin.post(
        "/loyalty/coupon-campaigns",
        {
            "name": "新客立减",
            "kind": "amount",
            "value": "15.00",
            "valid_from": "2026-01-01T00:00:00+08:00",
            "valid_until": "2099-01-01T00:00:00+08:00",
        },
    )
    assert made.status_code == 201, made.content
    campaign_id = made.json()["id"]
    issued = admin.post(
        f"/loyalty/coupon-campaigns/{campaign_id}/coupons", {"customer_ids": [str(customer.pk)]}
    )
    assert issued.json() == {"issued": 1, "already": 0, "skipped": 0}
    (listed,) = api_as(owner).get(f"/loyalty/customers/{customer.pk}/coupons").json()
    redeemed = api_as(owner).post(
        "/loyalty/coupons/redemptions", {"customer_id": str(customer.pk), "code": listed["code"]}
    )
    assert redeemed.status_code == 200 and redeemed.json()["redeemed_at"]
    again = api_as(owner).post(
        "/loyalty/coupons/redemptions", {"customer_id": str(customer.pk), "code": listed["code"]}
    )
    assert (again.status_code, again.json()["code"]) == (409, "coupon_used")
    counts = admin.get(f"/loyalty/coupon-campaigns/{campaign_id}").json()
    assert (counts["issued"], counts["redeemed"]) == (1, 1)


def test_a_coupon_code_in_chinese_error_messages(
    api_as: Any, admin_user: Any, owner: Any, customer: Any, make_customer: Any
) -> None:
    made = campaign_for_now(admin_user)
    issue_coupons(actor=admin_user, campaign_id=made.pk, customer_ids=[customer.pk])
    other = make_customer(owner)
    refused = api_as(owner).post(
        "/loyalty/coupons/redemptions",
        {"customer_id": str(other.pk), "code": Coupon.objects.get().code},
        headers={"Accept-Language": "zh-hans"},
    )
    assert refused.status_code == 409
    assert refused.json()["message"] == "此优惠券发放给了其他客户。"


def test_administrators_set_the_programme_and_tiers(
    api_as: Any, admin_user: Any, manager: Any
) -> None:
    admin = api_as(admin_user)
    changed = admin.patch(
        "/loyalty/programme", {"active": True, "points_per_unit": "2.5", "validity_months": 6}
    )
    assert changed.status_code == 200, changed.content
    assert Programme.objects.get().points_per_unit == 2.5
    refused = admin.patch("/loyalty/programme", {"points_per_unit": "-1"})
    assert refused.status_code == 422
    assert api_as(manager).patch("/loyalty/programme", {"active": False}).status_code == 403
    tiers = admin.put(
        "/loyalty/tiers",
        {"tiers": [{"name": "金卡", "min_points": 3000}, {"name": "银卡", "min_points": 0}]},
    )
    assert [t["name"] for t in tiers.json()] == ["银卡", "金卡"]
    assert [t["name"] for t in api_as(manager).get("/loyalty/tiers").json()] == ["银卡", "金卡"]


def test_a_time_with_an_offset_beyond_what_postgresql_stores_is_kept_in_utc(
    api_as: Any, admin_user: Any
) -> None:
    # found by schemathesis: -19:48 is ISO 8601, and PostgreSQL refused it with a 422
    changed = api_as(admin_user).patch(
        "/loyalty/programme", {"earn_from": "2026-05-15T00:21:32.8-19:48"}
    )
    assert changed.status_code == 200, changed.content
    earn_from = Programme.objects.get().earn_from
    assert earn_from.isoformat().startswith("2026-05-15T20:09:32.8")
