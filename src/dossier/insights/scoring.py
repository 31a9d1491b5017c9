"""The nightly refresh: RFM, churn risk, lifetime value and grades of every buyer.

One read of the kept figures (``activity.CustomerFigures``: first and last purchase, orders,
spend, complaints, tickets, CSAT, NPS) into numpy arrays, the pure models over them, and one
write: the old scores deleted and the new ones inserted in the same transaction (COPY on
PostgreSQL), so readers see either yesterday's scores or today's, never half of each.
Customers who never bought have no score row (segments read that as "no segment, no grade").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dossier.activity.models import CustomerFigures
from dossier.core.bulk_insert import insert_rows
from dossier.insights import churn, grading, rfm
from dossier.insights.lifetime import lifetime_values
from dossier.insights.models import CustomerScore, ScoreRefresh

DAY = 86400.0
COLUMNS = (
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "grade",
    "churn_risk",
    "churn_reasons",
    "p_alive",
    "expected_purchases",
    "clv",
    "refreshed_at",
)
READ = (
    "customer_id",
    "customer__template__scenario",
    "first_purchase_at",
    "last_purchase_at",
    "order_count",
    "total_spend",
    "complaint_count",
    "open_tickets",
    "csat_total",
    "csat_count",
    "last_nps",
)


@dataclass
class Buyers:
    """The figures of every live buyer, one array item per customer."""

    ids: list[Any]
    scenarios: np.ndarray
    first: np.ndarray  # seconds since the epoch
    last: np.ndarray
    orders: np.ndarray
    spend: np.ndarray
    complaints: np.ndarray
    open_tickets: np.ndarray
    average_csat: np.ndarray
    last_nps: np.ndarray


def read_buyers() -> Buyers:
    """The kept figures of live customers with at least one purchase."""
    rows = (
        CustomerFigures.objects.filter(
            customer__deleted_at__isnull=True,
            customer__erased_at__isnull=True,
            order_count__gt=0,
            last_purchase_at__isnull=False,
            first_purchase_at__isnull=False,
        )
        .order_by()
        .values_list(*READ)
    )
    columns: list[list[Any]] = [[] for _ in READ]
    for row in rows.iterator(chunk_size=20000):
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    ids, scenarios, first, last, orders, spend, complaints, tickets, total, count, nps = columns
    csat_count = np.array(count, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = np.where(csat_count > 0, np.array(total, dtype=float) / csat_count, np.nan)
    return Buyers(
        ids=ids,
        scenarios=np.array(scenarios, dtype=object),
        first=np.array([d.timestamp() for d in first], dtype=float),
        last=np.array([d.timestamp() for d in last], dtype=float),
        orders=np.array(orders, dtype=float),
        spend=np.array([float(s) for s in spend], dtype=float),
        complaints=np.array(complaints, dtype=float),
        open_tickets=np.array(tickets, dtype=float),
        average_csat=average,
        last_nps=np.array([np.nan if v is None else v for v in nps], dtype=float),
    )


def grade_thresholds() -> dict[str, dict[str, tuple[float, float]]]:
    """The grade thresholds in force: the defaults, overridden per scenario by settings."""
    found = {**grading.DEFAULT_THRESHOLDS, **getattr(settings, "DOSSIER_GRADE_THRESHOLDS", {})}
    grading.check_thresholds(found)
    return found


def _grades(buyers: Buyers, clv: np.ndarray) -> np.ndarray:
    thresholds = grade_thresholds()
    found = np.full(len(buyers.ids), "", dtype="<U1")
    for scenario in set(buyers.scenarios.tolist()):
        mine = buyers.scenarios == scenario
        rule = thresholds.get(scenario, thresholds["*"])
        found[mine] = grading.grades(buyers.spend[mine], clv[mine], rule)
    return found


def _money(value: float) -> Decimal | None:
    return None if not np.isfinite(value) else Decimal(f"{value:.2f}")


def score_rows(buyers: Buyers, now: datetime) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """The score row of each buyer (values in the order of :data:`COLUMNS`), and what the
    purchase model fitted."""
    at = now.timestamp()
    recency = np.maximum(at - buyers.last, 0.0) / DAY
    tenure = np.maximum(at - buyers.first, 0.0) / DAY
    scores = rfm.score(recency, buyers.orders, buyers.spend)
    model = lifetime_values(
        orders=buyers.orders,
        spend=buyers.spend,
        first=buyers.first,
        last=buyers.last,
        now=at,
    )
    risk, reasons = churn.churn_risk(
        recency_days=recency,
        order_count=buyers.orders,
        tenure_days=tenure,
        complaints=buyers.complaints,
        open_tickets=buyers.open_tickets,
        average_csat=buyers.average_csat,
        last_nps=buyers.last_nps,
        p_alive=model.p_alive,
    )
    grades = _grades(buyers, model.clv)
    rows = [
        (
            buyers.ids[i],
            int(recency[i]),
            int(buyers.orders[i]),
            Decimal(f"{buyers.spend[i]:.2f}"),
            int(scores.r[i]),
            int(scores.f[i]),
            int(scores.m[i]),
            str(scores.segment[i]),
            str(grades[i]),
            int(risk[i]),
            reasons[i],
            None if not np.isfinite(model.p_alive[i]) else float(model.p_alive[i]),
            None if not np.isfinite(model.expected[i]) else float(model.expected[i]),
            _money(model.clv[i]),
            now,
        )
        for i in range(len(buyers.ids))
    ]
    return rows, model.summary


def refresh_scores(*, now: datetime | None = None) -> ScoreRefresh:
    """Work out every buyer's scores again and replace the old ones in one transaction."""
    now = now or timezone.now()
    started = time.monotonic()
    buyers = read_buyers()
    rows, model_summary = score_rows(buyers, now)
    with transaction.atomic():
        CustomerScore.objects.all().delete()
        insert_rows(CustomerScore, COLUMNS, rows)
        return ScoreRefresh.objects.create(
            started_at=now,
            customers=len(rows),
            seconds=round(time.monotonic() - started, 3),
            model=model_summary,
        )


def refresh_if_due(*, every_hours: float = 24.0) -> ScoreRefresh | None:
    """The nightly job: refresh when the last refresh is older than ``every_hours``.

    Several workers may run it at once: the last refresh's row is locked while one of them
    checks and refreshes, and the others find it locked (or refreshed) and do nothing.
    """
    with transaction.atomic():
        last = (
            ScoreRefresh.objects.select_for_update(skip_locked=True).order_by("-started_at").first()
        )
        if last is None and ScoreRefresh.objects.exists():
            return None  # another worker holds it
        if (
            last is not None
            and (timezone.now() - last.started_at).total_seconds() < every_hours * 3600
        ):
            return None
        return refresh_scores()
