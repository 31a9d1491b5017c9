"""Churn risk by month: a count kept at each nightly refresh, and the report drawn from it.

The scores hold today only, so the refresh also keeps, per month, how many buyers were
scored and how many were at high risk, by template, team and owner (``ChurnMonth``): no
customer in it. A month's counts are replaced at every refresh in that month, so a past
month shows its last refresh. The report reads those counts within the viewer's reach: a
manager's are the rows of their team or their own (customers merely shared with them, which
the kept counts cannot tell apart, are left out).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.customers.access import reach
from dossier.insights.models import ChurnMonth, CustomerScore
from dossier.insights.report_tables import Report, ReportFilters, business_tz, rate
from dossier.insights.selectors import aggregates_only

#: a risk from which a buyer counts as likely to churn (the 潜在流失风险 tag rule's own bound)
HIGH_RISK = 70


def month_of(moment: datetime) -> date:
    """The first day of ``moment``'s month in the business's time zone."""
    return moment.astimezone(business_tz()).date().replace(day=1)


def keep_churn_month(*, now: datetime) -> int:
    """Replace this month's kept counts by those of the scores now (call it in the refresh's
    transaction, after the scores are written). How many rows it kept."""
    month = month_of(now)
    cells = (
        CustomerScore.objects.filter(churn_risk__isnull=False)
        .values("customer__template_id", "customer__team_id", "customer__owner_id")
        .annotate(
            scored=Count("pk"),
            at_risk=Count("pk", filter=Q(churn_risk__gte=HIGH_RISK)),
            risk_total=Sum("churn_risk"),
        )
        .order_by()
    )
    rows = [
        ChurnMonth(
            month=month,
            template_id=c["customer__template_id"],
            team_id=c["customer__team_id"],
            owner_id=c["customer__owner_id"],
            scored=c["scored"],
            at_risk=c["at_risk"],
            risk_total=c["risk_total"] or 0,
            taken_at=now,
        )
        for c in cells
    ]
    ChurnMonth.objects.filter(month=month).delete()
    ChurnMonth.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _kept(actor: MaybeActor, filters: ReportFilters) -> QuerySet[ChurnMonth]:
    """The kept counts the viewer may add up, narrowed by the report's filters."""
    rows = ChurnMonth.objects.all()
    everyone = aggregates_only(actor) or actor.is_superuser or role_of_cached(actor) == roles.ADMIN
    if not everyone:
        mine = reach(actor, "view")
        if mine.nobody:
            return rows.none()
        if not mine.everyone:
            rows = rows.filter(mine.held())
            if mine.scenarios is not None:
                rows = rows.filter(template__scenario__in=mine.scenarios)
    if filters.template:
        rows = rows.filter(template__key=filters.template)
    if filters.team_id is not None:
        rows = rows.filter(team_id=filters.team_id)
    start, end = filters.period(datetime.now(business_tz()).date())
    return rows.filter(month__gte=start.replace(day=1), month__lte=end)


def churn_trend(actor: MaybeActor, filters: ReportFilters) -> Report:
    """By month: buyers scored, those at high risk, their share, the mean risk."""
    months = (
        _kept(actor, filters)
        .values("month")
        .annotate(scored=Sum("scored"), at_risk=Sum("at_risk"), total=Sum("risk_total"))
        .order_by("month")
    )
    rows = [
        [
            m["month"].strftime("%Y-%m"),
            m["scored"],
            m["at_risk"],
            rate(m["at_risk"], m["scored"]),
            round(m["total"] / m["scored"], 1) if m["scored"] else None,
        ]
        for m in months
    ]
    return Report(
        "churn_trend",
        _("Churn risk by month"),
        [_("Month"), _("Buyers scored"), _("At high risk"), _("High risk %"), _("Mean risk")],
        rows,
        chart="line",
        series=(3, 4),
        note=_("Counted at the last nightly refresh of each month; high risk is %(n)s or more.")
        % {"n": HIGH_RISK},
    )
