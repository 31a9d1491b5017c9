"""The monthly figures behind the dashboard's trend, taken after each full refresh.

One row per month, template, team and owner: counts and sums over the quality rows, nothing about
any one customer. Every full refresh of a month writes that month's rows again (an upsert on
the month, template, team and owner), so running it twice changes nothing and the month keeps the
figures of its last refresh; earlier months are never touched.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from dossier.quality.models import CustomerQuality, QualityMonth

#: the figures a month's row holds besides its key
FIGURES = ("customers", "completeness_sum", "freshness_sum", "verified", "stale", "taken_at")


def month_of(moment: datetime) -> date:
    """The first day of the moment's month, in UTC (the database's time)."""
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def record_month(*, now: datetime | None = None) -> int:
    """Keep this month's figures per template, team and owner from the quality rows; how many."""
    now = now or timezone.now()
    month = month_of(now)
    live = Q(customer__deleted_at__isnull=True, customer__erased_at__isnull=True)
    grouped = (
        CustomerQuality.objects.filter(live)
        .order_by()
        .values("customer__template_id", "customer__team_id", "customer__owner_id")
        .annotate(
            customers=Count("pk"),
            completeness_sum=Sum("completeness"),
            freshness_sum=Sum("freshness"),
            verified=Count("pk", filter=Q(verified=True)),
            stale=Count("pk", filter=Q(stale=True)),
        )
    )
    rows = [
        QualityMonth(
            month=month,
            template_id=group["customer__template_id"],
            team_id=group["customer__team_id"] or 0,
            owner_id=group["customer__owner_id"] or 0,
            customers=group["customers"],
            completeness_sum=group["completeness_sum"] or 0,
            freshness_sum=group["freshness_sum"] or 0,
            verified=group["verified"],
            stale=group["stale"],
            taken_at=now,
        )
        for group in grouped
    ]
    with transaction.atomic():
        QualityMonth.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["month", "template", "team_id", "owner_id"],
            update_fields=list(FIGURES),
        )
        # groups gone since the month's earlier refresh (a template's last customer erased)
        QualityMonth.objects.filter(month=month).exclude(taken_at=now).delete()
    return len(rows)
