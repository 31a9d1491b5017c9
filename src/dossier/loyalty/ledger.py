"""Sums over the points ledger that services and selectors share (no access control here).

Balance and expiry are aggregates in the database, for one customer or a set of them; see
:mod:`dossier.loyalty.arithmetic` for the first-in-first-out rule they follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from dossier.loyalty.models import PointsEntry

Kind = PointsEntry.Kind
#: tiers count the points earned over this long
TIER_WINDOW = timedelta(days=365)


def _entries(customer_ids: Sequence[Any] | None) -> QuerySet[PointsEntry]:
    entries = PointsEntry.objects.order_by()
    return entries if customer_ids is None else entries.filter(customer_id__in=customer_ids)


def expiry_due(customer_ids: Sequence[Any] | None, now: datetime) -> dict[Any, int]:
    """Points to expire now, by customer (only those with some): lapsed lots less all spent."""
    rows = (
        _entries(customer_ids)
        .values("customer_id")
        .annotate(
            lapsed=Coalesce(Sum("points", filter=Q(points__gt=0, expires_at__lte=now)), Value(0)),
            spent=Coalesce(Sum("points", filter=Q(points__lt=0)), Value(0)),
        )
        .annotate(due=F("lapsed") + F("spent"))
        .filter(due__gt=0)
        .values_list("customer_id", "due")
    )
    return dict(rows)


def balance(customer_id: Any, now: datetime) -> int:
    """What the customer may spend now: the sum of the ledger less points lapsed unwritten."""
    total = _entries([customer_id]).aggregate(n=Sum("points"))["n"] or 0
    return int(total) - expiry_due([customer_id], now).get(customer_id, 0)


def earned_since(customer_id: Any, since: datetime) -> int:
    """Points earned on orders since then, less those taken back for refunds (the tier rule)."""
    found = _entries([customer_id]).filter(qualifying(since)).aggregate(n=Sum("points"))["n"]
    return int(found or 0)


def qualifying(since: datetime) -> Q:
    """The entries that count toward a tier: earned on orders, and taken back on refunds."""
    on_orders = Q(kind=Kind.EARN) | Q(kind=Kind.ADJUST, order__isnull=False)
    return on_orders & Q(created_at__gte=since)


def expiring_by(customer_id: Any, now: datetime, until: datetime) -> int:
    """Points that will lapse by ``until`` unless spent first (what a customer is warned of)."""
    later = expiry_due([customer_id], until).get(customer_id, 0)
    return max(0, later - expiry_due([customer_id], now).get(customer_id, 0))
