"""The reports' figures: each one set-based SQL over the customers a viewer may count.

A report is a table (``columns``, ``rows``) and a chart drawn from it. Viewers who see
aggregates only (analysts) get every count under :data:`SMALL_GROUP` as ``None`` (shown
"< 5") and every rate or mean over fewer than five customers as ``None`` too, so no cell
describes one or two people.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossier.accounts.selectors import role_of_cached
from dossier.activity.models import CustomerFigures
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.feedback.models import Feedback
from dossier.insights import grade_groups, trends
from dossier.insights.models import CustomerScore
from dossier.insights.report_tables import (
    SPEND_BUCKETS,
    Report,
    ReportFilters,
    band_labels,
    bounds,
    bucket_counts,
    business_tz,
    rate,
)
from dossier.insights.rfm import SEGMENT_NAMES
from dossier.insights.selectors import (
    SMALL_GROUP,
    aggregates_only,
    live_customers,
    visible_segments,
)
from dossier.orders.checks import PURCHASED
from dossier.orders.models import Order

RISK_BUCKETS = (0, 20, 40, 60, 80)
CLV_BUCKETS = (0, 100, 500, 1000, 5000, 20000)
WEEKDAYS = (
    gettext_lazy("Mon"), gettext_lazy("Tue"), gettext_lazy("Wed"), gettext_lazy("Thu"),
    gettext_lazy("Fri"), gettext_lazy("Sat"), gettext_lazy("Sun"),
)  # fmt: skip


def may_see_reports(actor: MaybeActor | None) -> bool:
    return may(actor, "insights.view_report")


def report_customers(actor: MaybeActor, filters: ReportFilters) -> QuerySet[Customer]:
    """The live customers the reports count for ``actor``: all for administrators and
    analysts, those in reach for managers; narrowed by template and team."""
    if not may_see_reports(actor):
        raise PermissionDenied(_("You may not see the reports."))
    everyone = aggregates_only(actor) or actor.is_superuser or role_of_cached(actor) == roles.ADMIN
    customers = live_customers() if everyone else restrict(live_customers(), actor, "view")
    if filters.template:
        customers = customers.filter(template__key=filters.template)
    if filters.team_id is not None:
        customers = customers.filter(team_id=filters.team_id)
    return customers


def value_distribution(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    figures = CustomerFigures.objects.filter(customer__in=customers, order_count__gt=0)
    counts = bucket_counts(figures, "total_spend", SPEND_BUCKETS)
    never = customers.count() - sum(counts)
    rows = [
        [_("no purchase"), never],
        *([label, n] for label, n in zip(band_labels(SPEND_BUCKETS), counts, strict=True)),
    ]
    return Report("value", _("Customers by total spend"), [_("Total spend"), _("Customers")], rows)


def rfm_grid(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    cells = (
        CustomerScore.objects.filter(customer__in=customers)
        .values("r_score", "f_score")
        .annotate(n=Count("pk"))
        .order_by("r_score", "f_score")
    )
    rows = [
        [int(c["f_score"]) - 1, int(c["r_score"]) - 1, c["n"]]
        for c in cells
        if c["r_score"] and c["f_score"]
    ]
    return Report(
        "rfm",
        _("RFM grid: customers by recency (R) and frequency (F) score"),
        ["F", "R", _("Customers")],
        rows,
        chart="heatmap",
        axes={"x": [f"F{i}" for i in range(1, 6)], "y": [f"R{i}" for i in range(1, 6)]},
    )


def rfm_segments(customers: QuerySet[Customer], filters: ReportFilters, language: str) -> Report:
    counted = dict(
        CustomerScore.objects.filter(customer__in=customers)
        .values_list("rfm_segment")
        .annotate(n=Count("pk"))
        .values_list("rfm_segment", "n")
    )
    zh = language.lower().startswith("zh")
    rows = [
        [names[1] if zh else names[0], counted.get(key, 0)] for key, names in SEGMENT_NAMES.items()
    ]
    return Report("rfm_segments", _("RFM segments"), [_("Segment"), _("Customers")], rows)


def grades(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    counted = dict(
        CustomerScore.objects.filter(customer__in=customers)
        .exclude(grade="")
        .values_list("grade")
        .annotate(n=Count("pk"))
        .values_list("grade", "n")
    )
    return Report(
        "grades",
        _("Grades"),
        [_("Grade"), _("Customers")],
        [[g, counted.get(g, 0)] for g in "ABCD"],
    )


def churn_risk(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    scores = CustomerScore.objects.filter(customer__in=customers, churn_risk__isnull=False)
    counts = bucket_counts(scores, "churn_risk", RISK_BUCKETS)
    labels = [f"{low}–{low + 19}" if low < 80 else "80–100" for low in RISK_BUCKETS]
    return Report(
        "churn",
        _("Churn risk"),
        [_("Risk"), _("Customers")],
        [list(p) for p in zip(labels, counts, strict=True)],
    )


def lifetime_value(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    scores = CustomerScore.objects.filter(customer__in=customers, clv__isnull=False)
    counts = bucket_counts(scores, "clv", CLV_BUCKETS)
    rows = [list(p) for p in zip(band_labels(CLV_BUCKETS), counts, strict=True)]
    return Report("clv", _("Predicted 12-month value"), [_("Value"), _("Customers")], rows)


def repurchase(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    """复购率 by month: of the month's buyers, the share who had bought before that month."""
    tz = business_tz()
    start, end = bounds(filters, tz)
    months = (
        Order.objects.filter(
            customer__in=customers, status__in=PURCHASED, placed_at__gte=start, placed_at__lt=end
        )
        .annotate(month=TruncMonth("placed_at", tzinfo=tz))
        .values("month")
        .annotate(
            buyers=Count("customer_id", distinct=True),
            returning=Count(
                "customer_id",
                distinct=True,
                filter=Q(customer__figures__first_purchase_at__lt=F("month")),
            ),
        )
        .order_by("month")
    )
    rows = [
        [
            m["month"].strftime("%Y-%m"),
            m["buyers"],
            m["returning"],
            rate(m["returning"], m["buyers"]),
        ]
        for m in months
    ]
    return Report(
        "repurchase",
        _("Repurchase rate by month"),
        [_("Month"), _("Buyers"), _("Bought before"), _("Repurchase rate %")],
        rows,
        chart="line",
        series=(3,),
    )


def cohorts(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    """By month of first purchase: customers, and the share who bought again since."""
    tz = business_tz()
    start, end = bounds(filters, tz)
    rows_ = (
        CustomerFigures.objects.filter(
            customer__in=customers, first_purchase_at__gte=start, first_purchase_at__lt=end
        )
        .annotate(cohort=TruncMonth("first_purchase_at", tzinfo=tz))
        .values("cohort")
        .annotate(n=Count("pk"), again=Count("pk", filter=Q(order_count__gte=2)))
        .order_by("cohort")
    )
    rows = [
        [r["cohort"].strftime("%Y-%m"), r["n"], r["again"], rate(r["again"], r["n"])] for r in rows_
    ]
    return Report(
        "cohorts",
        _("Repurchase by cohort of first purchase"),
        [_("First purchase"), _("Customers"), _("Bought again"), _("Repurchase rate %")],
        rows,
        chart="line",
        series=(3,),
    )


def satisfaction(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    """CSAT (mean 1–5) and NPS (promoters − detractors, %) by month of the feedback."""
    tz = business_tz()
    start, end = bounds(filters, tz)
    months = (
        Feedback.objects.filter(customer__in=customers, received_at__gte=start, received_at__lt=end)
        .annotate(month=TruncMonth("received_at", tzinfo=tz))
        .values("month")
        .annotate(
            mean_csat=Avg("csat"),
            rated=Count("csat"),
            scored=Count("nps"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
        .order_by("month")
    )
    rows = []
    for m in months:
        csat = round(float(m["mean_csat"]), 2) if m["mean_csat"] is not None else None
        nps = round(100 * (m["promoters"] - m["detractors"]) / m["scored"]) if m["scored"] else None
        rows.append([m["month"].strftime("%Y-%m"), csat, m["rated"], nps, m["scored"]])
    return Report(
        "satisfaction",
        _("Satisfaction by month"),
        [_("Month"), "CSAT", _("Ratings"), "NPS", _("NPS answers")],
        rows,
        chart="line",
        series=(1, 3),
    )


def purchase_pattern(customers: QuerySet[Customer], filters: ReportFilters) -> Report:
    tz = business_tz()
    start, end = bounds(filters, tz)
    cells = (
        Order.objects.filter(
            customer__in=customers, status__in=PURCHASED, placed_at__gte=start, placed_at__lt=end
        )
        .annotate(
            day=ExtractIsoWeekDay("placed_at", tzinfo=tz), hour=ExtractHour("placed_at", tzinfo=tz)
        )
        .values("day", "hour")
        .annotate(n=Count("pk"))
    )
    rows = [[c["hour"], c["day"] - 1, c["n"]] for c in cells]
    return Report(
        "pattern",
        _("Purchases by weekday and hour"),
        [_("Hour"), _("Weekday"), _("Purchases")],
        sorted(rows, key=lambda r: (r[1], r[0])),
        chart="heatmap",
        axes={"x": [f"{h:02d}" for h in range(24)], "y": [str(d) for d in WEEKDAYS]},
    )


def segment_sizes(actor: MaybeActor) -> Report:
    shown = visible_segments(actor).exclude(last_count__isnull=True).order_by("-last_count")[:30]
    rows = [[s.name, s.last_count] for s in shown]
    return Report(
        "segments", _("Segment sizes (nightly count)"), [_("Segment"), _("Customers")], rows
    )


#: which columns of each report count customers (suppressed under 5), and which are rates
#: or means over the count in another column (suppressed when that count is under 5)
COUNT_COLUMNS: dict[str, tuple[int, ...]] = {
    "value": (1,), "rfm": (2,), "rfm_segments": (1,), "grades": (1,), "churn": (1,),
    "grades_by_region": (1, 2, 3, 4), "grades_by_city": (1, 2, 3, 4),
    "grades_by_industry": (1, 2, 3, 4), "grades_by_value": (1, 2, 3, 4),
    "clv": (1,), "churn_trend": (1, 2), "repurchase": (1, 2), "cohorts": (1, 2),
    "satisfaction": (2, 4),
    "pattern": (), "segments": (1,),
}  # fmt: skip
RATE_OVER: dict[str, dict[int, int]] = {
    "repurchase": {3: 1}, "cohorts": {3: 1}, "satisfaction": {1: 2, 3: 4},
    "churn_trend": {3: 1, 4: 1},
}  # fmt: skip
#: rates hidden with the count they are a share of (a share of a large whole tells the part)
RATE_OF_PART: dict[str, dict[int, int]] = {
    "churn_trend": {3: 2}, "repurchase": {3: 2}, "cohorts": {3: 2},
}  # fmt: skip


#: reports whose rows are groups of customers: a group under five is hidden whole
GROUP_REPORTS = frozenset(
    {"grades_by_region", "grades_by_city", "grades_by_industry", "grades_by_value"}
)


def suppressed(report: Report) -> Report:
    """``report`` with small groups hidden (for viewers who see aggregates only)."""
    counts, rates = COUNT_COLUMNS.get(report.key, ()), RATE_OVER.get(report.key, {})
    rows = []
    for row in report.rows:
        row = list(row)
        if report.key in GROUP_REPORTS and sum(row[c] or 0 for c in counts) < SMALL_GROUP:
            # a small group's cells, zeros too, would tell how its few customers are graded
            row[1:] = [None] * (len(row) - 1)
        for column, over in rates.items():
            if isinstance(row[over], int) and row[over] < SMALL_GROUP:
                row[column] = None
        for column, part in RATE_OF_PART.get(report.key, {}).items():
            if isinstance(row[part], int) and 0 < row[part] < SMALL_GROUP:
                row[column] = None
        for column in counts:
            if isinstance(row[column], int) and 0 < row[column] < SMALL_GROUP:
                row[column] = None
        rows.append(row)
    hidden = _("Groups of fewer than %(n)s customers are not shown.") % {"n": SMALL_GROUP}
    note = f"{report.note} {hidden}" if report.note else hidden
    return Report(
        report.key,
        report.title,
        report.columns,
        rows,
        report.chart,
        report.axes,
        note,
        report.series,
    )


#: the reports in page order: key → build(customers, filters, actor, language)
REPORTS: dict[str, Callable[[QuerySet[Customer], ReportFilters, MaybeActor, str], Report]] = {
    "value": lambda c, f, a, lang: value_distribution(c, f),
    "rfm": lambda c, f, a, lang: rfm_grid(c, f),
    "rfm_segments": lambda c, f, a, lang: rfm_segments(c, f, lang),
    "grades": lambda c, f, a, lang: grades(c, f),
    "grades_by_region": lambda c, f, a, lang: grade_groups.grades_by_region(c),
    "grades_by_city": lambda c, f, a, lang: grade_groups.grades_by_city(c),
    "grades_by_industry": lambda c, f, a, lang: grade_groups.grades_by_industry(c, lang),
    "grades_by_value": lambda c, f, a, lang: grade_groups.grades_by_value(c),
    "churn": lambda c, f, a, lang: churn_risk(c, f),
    "churn_trend": lambda c, f, a, lang: trends.churn_trend(a, f),
    "clv": lambda c, f, a, lang: lifetime_value(c, f),
    "repurchase": lambda c, f, a, lang: repurchase(c, f),
    "cohorts": lambda c, f, a, lang: cohorts(c, f),
    "satisfaction": lambda c, f, a, lang: satisfaction(c, f),
    "pattern": lambda c, f, a, lang: purchase_pattern(c, f),
    "segments": lambda c, f, a, lang: segment_sizes(a),
}


def reports(
    *, actor: MaybeActor, filters: ReportFilters, language: str, only: str = ""
) -> list[Report]:
    """Every report (or only the one named) for ``actor``, small groups hidden where needed."""
    customers = report_customers(actor, filters)
    found = [
        build(customers, filters, actor, language)
        for key, build in REPORTS.items()
        if not only or key == only
    ]
    return [suppressed(r) for r in found] if aggregates_only(actor) else found
