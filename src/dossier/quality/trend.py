"""Reads of the monthly trend: the kept month rows (``months``), scoped like the dashboard.

The month rows hold figures per template, team and owner, not per customer, so the scope is
the team or the owner: admins see every row, managers their team's, the other roles the rows
of the customers they own (on the templates of their scenarios). Customers merely shared
with someone are not in their trend (they are in the owner's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.accounts.models import Team
from dossier.core.actors import MaybeActor
from dossier.customers.access import reach
from dossier.quality.models import QualityMonth
from dossier.quality.months import month_of
from dossier.quality.selectors import check_may_view

#: how many months the dashboard shows, this one included
MONTHS = 12
_SUMS = ("customers", "completeness_sum", "freshness_sum", "verified", "stale")


@dataclass(frozen=True)
class MonthFigures:
    """One month of one group: how many records, and the rates in percent."""

    month: date
    customers: int
    completeness: int
    freshness: int
    verified_percent: int
    stale_percent: int


def months_back(month: date, count: int) -> date:
    """The first day of the month ``count`` months before ``month``."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def visible_months(actor: MaybeActor | None) -> QuerySet[QualityMonth] | None:
    """The month rows the actor may read; None for roles the trend is not shown to."""
    check_may_view(actor)
    scope = reach(actor, "view")
    rows = QualityMonth.objects.all()
    if scope.everyone:
        return rows
    if scope.user_id is None:
        return None
    if scope.team_id is not None:
        rows = rows.filter(team_id=scope.team_id)
    else:
        rows = rows.filter(owner_id=scope.user_id)
    if scope.scenarios is not None:
        rows = rows.filter(template__scenario__in=scope.scenarios)
    return rows


def _figures(group: dict[str, Any]) -> MonthFigures:
    count = group["customers"] or 0

    def percent(total: int | None) -> int:
        return round((total or 0) / count) if count else 0

    return MonthFigures(
        month=group["month"],
        customers=count,
        completeness=percent(group["completeness_sum"]),
        freshness=percent(group["freshness_sum"]),
        verified_percent=percent(100 * (group["verified"] or 0)),
        stale_percent=percent(100 * (group["stale"] or 0)),
    )


def _grouped(rows: QuerySet[QualityMonth], *keys: str) -> Iterable[dict[str, Any]]:
    summed = {name: Sum(name) for name in _SUMS}
    return rows.order_by().values("month", *keys).annotate(**summed).order_by(*keys, "month")


def _by(rows: QuerySet[QualityMonth], key: str, names: dict[Any, str]) -> list[tuple[str, Any]]:
    found: dict[Any, list[MonthFigures]] = {}
    for group in _grouped(rows, key):
        found.setdefault(group[key], []).append(_figures(group))
    return sorted(
        ((names.get(k) or "—", figures) for k, figures in found.items()), key=lambda p: p[0]
    )


def trend(
    *, actor: MaybeActor | None, months: int = MONTHS, now: datetime | None = None
) -> dict[str, Any]:
    """The last ``months`` months' rates: over all the actor's rows, by template, team, owner."""
    rows = visible_months(actor)
    if rows is None:
        return {"available": False, "overall": [], "overall_groups": [], "breakdowns": []}
    since = months_back(month_of(now or timezone.now()), max(months, 1) - 1)
    rows = rows.filter(month__gte=since)
    chinese = (get_language() or "zh-hans").startswith("zh")
    templates = {
        pk: (zh if chinese else en) or zh or en
        for pk, zh, en in rows.values_list("template_id", "template__name_zh", "template__name_en")
        .distinct()
        .order_by()
    }
    team_ids = set(rows.values_list("team_id", flat=True).distinct().order_by())
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    teams[0] = _("No team")
    owner_ids = set(rows.values_list("owner_id", flat=True).distinct().order_by())
    owners = dict(User.objects.filter(pk__in=owner_ids).values_list("pk", "username"))
    owners[0] = _("No owner")
    overall = [_figures(group) for group in _grouped(rows)]
    return {
        "available": True,
        "overall": overall,
        "overall_groups": [(_("All"), overall)],
        "breakdowns": [
            ("template", _by(rows, "template_id", templates)),
            ("team", _by(rows, "team_id", teams)),
            ("owner", _by(rows, "owner_id", owners)),
        ],
    }


def trend_chart(overall: list[MonthFigures]) -> list[dict[str, Any]]:
    """The overall trend as the reports' chart script draws it (insights/reports.js)."""
    if not overall:
        return []
    return [
        {
            "key": "quality-trend",
            "kind": "line",
            "columns": [_("Month"), _("Completeness"), _("Freshness"), _("Verified")],
            "series": [1, 2, 3],
            "rows": [
                [f"{m.month:%Y-%m}", m.completeness, m.freshness, m.verified_percent]
                for m in overall
            ],
        }
    ]
