"""The loyalty app plugged into the customer-data registry (called from ``AppConfig.ready``).

* Points ledger: kept through erasure and retention, like the orders it follows. Its rows
  hold no personal data (kinds, points, reason codes, order ids; staff notes go to the audit
  log, which forgets the customer's values as it writes) and it is append-only: a customer
  with entries is anonymised, never deleted (the foreign key protects the rows). On merge
  the entries move to the survivor, the one change the ledger allows, so the points, their
  lots and their expiry stay as earned.
* Coupons: on erasure the unused ones are deleted (nobody may use them now); the used ones
  stay with the order they discounted. On merge a coupon moves unless the survivor already
  holds one of that campaign (one per customer per campaign).
* Kept tiers: derived, deleted on erasure and dropped on merge (the next recompute counts
  the survivor's points, merged ones included).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.loyalty import arithmetic, ledger
from dossier.loyalty.models import Coupon, CustomerTier, PointsEntry
from dossier.loyalty.sections import register_loyalty_section


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def points_copy(customer: Customer) -> dict[str, Any]:
    """The customer's points: every entry, and the balance (their copy of their data)."""
    rows = PointsEntry.objects.filter(customer_id=customer.pk).order_by("created_at", "id")
    return {
        "points_balance": ledger.balance(customer.pk, timezone.now()),
        "points": [
            {
                "kind": row.kind,
                "points": row.points,
                "reason": row.reason,
                "order_id": str(row.order_id) if row.order_id else None,
                "expires_at": _iso(row.expires_at),
                "created_at": _iso(row.created_at),
            }
            for row in rows
        ],
    }


def coupons_copy(customer: Customer) -> dict[str, Any]:
    """The customer's coupons with their campaigns' terms."""
    rows = Coupon.objects.filter(customer_id=customer.pk).select_related("campaign")
    return {
        "coupons": [
            {
                "code": arithmetic.display_code(row.code),
                "campaign": row.campaign.name,
                "kind": row.campaign.kind,
                "value": str(row.campaign.value),
                "min_spend": str(row.campaign.min_spend),
                "valid_from": _iso(row.campaign.valid_from),
                "valid_until": _iso(row.campaign.valid_until),
                "issued_at": _iso(row.issued_at),
                "redeemed_at": _iso(row.redeemed_at),
            }
            for row in rows.order_by("issued_at", "id")
        ]
    }


def drop_unused_coupons(rows: QuerySet[Any]) -> None:
    """Erasure: unused coupons go; used ones stay as the record of a discount given."""
    rows.filter(redeemed_at__isnull=True).delete()


def move_coupons(source_id: Any, target_id: Any) -> int:
    """Merge: the merged customer's coupons of campaigns the survivor has none of."""
    held = Coupon.objects.filter(customer_id=target_id).values("campaign_id")
    moving = Coupon.objects.filter(customer_id=source_id).exclude(campaign_id__in=held)
    return int(moving.update(customer_id=target_id))


def drop_kept_tier(source_id: Any, target_id: Any) -> int:
    """Merge: the merged customer's kept tier goes (recomputed with the survivor's points)."""
    return int(CustomerTier.objects.filter(customer_id=source_id).delete()[0])


def register_loyalty() -> None:
    entries = CustomerData(key="loyalty", model=PointsEntry)
    register(
        CustomerData(
            key="loyalty",
            model=PointsEntry,
            export=points_copy,
            erasure="keep",
            repoint=repoint_rows(entries),
        )
    )
    register(
        CustomerData(
            key="loyalty",
            model=Coupon,
            export=coupons_copy,
            erasure="anonymise",
            anonymise=drop_unused_coupons,
            repoint=move_coupons,
        )
    )
    register(CustomerData(key="loyalty", model=CustomerTier, repoint=drop_kept_tier))
    register_loyalty_section()
