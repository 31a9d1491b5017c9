"""What every report is made of: its filters, its table and chart, bands and rates.

Shared by the report modules (``reports``, ``grade_groups``, ``trends``), so each can build
its tables without importing the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet

SPEND_BUCKETS = (0, 100, 500, 1000, 5000, 20000)


@dataclass(frozen=True)
class ReportFilters:
    """What the reports are about: a template, a team, a period (dates in the business's zone)."""

    template: str = ""
    team_id: int | None = None
    start: date | None = None
    end: date | None = None

    def period(self, today: date) -> tuple[date, date]:
        end = self.end or today
        return (self.start or (end - timedelta(days=365)).replace(day=1)), end


@dataclass
class Report:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    #: how to draw it: "bar" (first column the categories), "line", "heatmap"
    chart: str = "bar"
    #: for a heatmap: the x and y labels; the rows are (x index, y index, value)
    axes: dict[str, list[str]] = field(default_factory=dict)
    note: str = ""
    #: the columns a bar or line chart draws (the first column names the categories)
    series: tuple[int, ...] = (1,)


def business_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def bounds(filters: ReportFilters, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's first moment and the moment after its last day, in ``tz``."""
    start, end = filters.period(datetime.now(tz).date())
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=tz
    )


def bucket_counts(rows: QuerySet[Any], column: str, edges: Sequence[float]) -> list[int]:
    """How many rows fall in each band of ``column`` (one query)."""
    tests = {}
    for i, low in enumerate(edges):
        test = Q(**{f"{column}__gte": low})
        if i + 1 < len(edges):
            test &= Q(**{f"{column}__lt": edges[i + 1]})
        tests[f"b{i}"] = Count("pk", filter=test)
    found = rows.aggregate(**tests)
    return [found[f"b{i}"] for i in range(len(edges))]


def band_labels(edges: Sequence[float]) -> list[str]:
    return [
        f"{low:,}–{edges[i + 1]:,}" if i + 1 < len(edges) else f"≥ {low:,}"
        for i, low in enumerate(edges)
    ]


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
