"""The nightly refresh: RFM, churn risk, lifetime value and grades of every buyer.

One read of the kept figures (``activity.CustomerFigures``: first and last purchase, orders,
spend, complaints, tickets, CSAT, NPS) into numpy arrays, the pure models over them, and one
write: the old scores deleted and the new ones inserted in the same transaction (COPY on
PostgreSQL), so readers see either yesterday's scores or today's, never half of each.
Customers who never bought have no score row (segments read that as "no segment, no grade").
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import FloatField, Func
from django.db.models.functions import Cast
from django.utils import timezone

from dossier.activity.models import CustomerFigures
from dossier.core.bulk_insert import insert_rows
from dossier.insights import churn, grading, rfm
from dossier.insights.lifetime import lifetime_values
from dossier.insights.models import CustomerScore, ScoreRefresh
from dossier.insights.thresholds import thresholds_in_force
from dossier.insights.trends import keep_churn_month

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


class Epoch(Func):
    """Seconds since 1970 of a date-time column, worked out by the database (no datetime
    objects to build in Python for a million rows)."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django keeps SQLite date-times as UTC text
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS REAL)"
        )


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
        .values_list(
            "customer_id",
            "customer__template__scenario",
            Epoch("first_purchase_at"),
            Epoch("last_purchase_at"),
            "order_count",
            Cast("total_spend", FloatField()),
            "complaint_count",
            "open_tickets",
            "csat_total",
            "csat_count",
            "last_nps",
        )
    )
    columns: list[list[Any]] = [[] for _ in READ]
    appenders = [column.append for column in columns]
    for row in rows.iterator(chunk_size=50000):
        for append, value in zip(appenders, row, strict=True):
            append(value)
    ids, scenarios, first, last, orders, spend, complaints, tickets, total, count, nps = columns
    csat_count = np.array(count, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = np.where(csat_count > 0, np.array(total, dtype=float) / csat_count, np.nan)
    return Buyers(
        ids=ids,
        scenarios=np.array(scenarios, dtype=object),
        first=np.array(first, dtype=float),
        last=np.array(last, dtype=float),
        orders=np.array(orders, dtype=float),
        spend=np.array(spend, dtype=float),
        complaints=np.array(complaints, dtype=float),
        open_tickets=np.array(tickets, dtype=float),
        average_csat=average,
        last_nps=np.array([np.nan if v is None else v for v in nps], dtype=float),
    )


def grade_thresholds() -> dict[str, dict[str, tuple[float, float]]]:
    """The grade thresholds in force: defaults, settings, then those saved on the page."""
    return thresholds_in_force()


def _grades(buyers: Buyers, clv: np.ndarray) -> np.ndarray:
    thresholds = grade_thresholds()
    found = np.full(len(buyers.ids), "", dtype="<U1")
    for scenario in set(buyers.scenarios.tolist()):
        mine = buyers.scenarios == scenario
        rule = thresholds.get(scenario, thresholds["*"])
        found[mine] = grading.grades(buyers.spend[mine], clv[mine], rule)
    return found


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
    columns = [
        buyers.ids,
        recency.astype(int).tolist(),
        buyers.orders.astype(int).tolist(),
        np.round(buyers.spend, 2).tolist(),
        scores.r.tolist(),
        scores.f.tolist(),
        scores.m.tolist(),
        scores.segment.tolist(),
        grades.tolist(),
        risk.tolist(),
        reasons,
        _or_none(model.p_alive),
        _or_none(model.expected),
        _or_none(np.round(model.clv, 2)),
        itertools.repeat(now),
    ]
    return list(zip(*columns, strict=False)), model.summary


def _or_none(values: np.ndarray) -> list[float | None]:
    """The values as floats, NaN as None (NULL)."""
    return [None if v != v else v for v in values.tolist()]


def refresh_scores(*, now: datetime | None = None) -> ScoreRefresh:
    """Work out every buyer's scores again and replace the old ones in one transaction."""
    now = now or timezone.now()
    started = time.monotonic()
    buyers = read_buyers()
    rows, model_summary = score_rows(buyers, now)
    with transaction.atomic():
        CustomerScore.objects.all().delete()
        insert_rows(CustomerScore, COLUMNS, rows)
        keep_churn_month(now=now)
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
