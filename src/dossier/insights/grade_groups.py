"""Grades by group: province, city, industry and value band (one grouped query each).

Each report is a table of groups (largest first) with the count of customers per grade
A–D. Cities and industries beyond the largest :data:`MAX_GROUPS` are summed into one row,
so a long tail of tiny places does not fill the page. For viewers who see aggregates only,
``reports.suppressed`` hides a whole group of fewer than five customers (see
``GROUP_REPORTS``), not only its small cells: "the two customers in one city are both C"
describes two people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Case, CharField, Count, F, IntegerField, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from dossier.customers.models import Customer
from dossier.insights.models import CustomerScore
from dossier.insights.report_tables import SPEND_BUCKETS, Report, band_labels
from dossier.templates.models import Template
from dossier.templates.selectors import get_version

GRADES = "ABCD"
#: groups shown one by one; the rest are summed into one row
MAX_GROUPS = 30
#: the template attribute that names a B2B account's industry (a choice field)
INDUSTRY = "industry"


def _scores(customers: QuerySet[Customer]) -> QuerySet[CustomerScore]:
    return CustomerScore.objects.filter(customer__in=customers).exclude(grade="")


def _table(cells: Iterable[Any], label: Callable[[Any], str]) -> list[list[Any]]:
    """Rows ``[group, A, B, C, D]``, largest group first, the tail summed into "others"."""
    table: dict[str, dict[str, int]] = {}
    for cell in cells:
        counts = table.setdefault(label(cell["group"]), {})
        counts[cell["grade"]] = counts.get(cell["grade"], 0) + cell["n"]
    ordered = sorted(table.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    rows: list[list[Any]] = [
        [group, *(grades.get(g, 0) for g in GRADES)] for group, grades in ordered
    ]
    if len(rows) > MAX_GROUPS:
        tail = rows[MAX_GROUPS - 1 :]
        others = _("others (%(n)s groups)") % {"n": len(tail)}
        rows = [*rows[: MAX_GROUPS - 1], [others, *(sum(r[i] for r in tail) for i in (1, 2, 3, 4))]]
    return rows


def _report(key: str, title: str, column: str, rows: list[list[Any]]) -> Report:
    return Report(key, title, [column, *GRADES], rows, series=(1, 2, 3, 4))


def grades_by_region(customers: QuerySet[Customer]) -> Report:
    """Grades by province: where the valuable customers are."""
    cells = (
        _scores(customers).values("grade", group=F("customer__province")).annotate(n=Count("pk"))
    )
    rows = _table(cells, lambda province: province or _("unknown"))
    return _report("grades_by_region", _("Grades by province"), _("Province"), rows)


def grades_by_city(customers: QuerySet[Customer]) -> Report:
    """Grades by city (with its province, since city names repeat across provinces)."""
    cells = (
        _scores(customers)
        .values("grade", "customer__province", "customer__city")
        .annotate(n=Count("pk"))
    )
    named = (
        {
            "group": " ".join(
                p for p in dict.fromkeys((c["customer__province"], c["customer__city"])) if p
            ),
            "grade": c["grade"],
            "n": c["n"],
        }
        for c in cells
    )
    rows = _table(named, lambda city: city or _("unknown"))
    return _report("grades_by_city", _("Grades by city"), _("City"), rows)


def industry_labels(language: str) -> dict[str, str]:
    """The industry choices' labels of every template that has an industry field."""
    chinese = language.lower().startswith("zh")
    labels: dict[str, str] = {}
    for template in Template.objects.exclude(current_version=None):
        for spec in get_version(template=template).specs():
            if spec.key != INDUSTRY:
                continue
            for choice in spec.choices():
                words = choice.get("label_zh") if chinese else choice.get("label_en")
                labels.setdefault(choice["value"], words or choice["value"])
    return labels


def grades_by_industry(customers: QuerySet[Customer], language: str) -> Report:
    """Grades by industry, over the customers whose template records one (B2B accounts)."""
    cells = (
        _scores(customers)
        # as plain text, so the test below is a text comparison, not a JSON one
        .annotate(group=Cast(KeyTextTransform(INDUSTRY, "customer__attributes"), CharField()))
        .filter(group__gt="")  # neither missing (NULL) nor blank
        .values("group", "grade")
        .annotate(n=Count("pk"))
    )
    labels = industry_labels(language)
    rows = _table(cells, lambda value: labels.get(value, str(value)))
    return _report("grades_by_industry", _("Grades by industry"), _("Industry"), rows)


def grades_by_value(customers: QuerySet[Customer]) -> Report:
    """Grades by band of total spend (at the last refresh), lowest band first."""
    band = Case(
        *(
            When(monetary__lt=SPEND_BUCKETS[i + 1], then=Value(i))
            for i in range(len(SPEND_BUCKETS) - 1)
        ),
        default=Value(len(SPEND_BUCKETS) - 1),
        output_field=IntegerField(),
    )
    cells = _scores(customers).annotate(band=band).values("band", "grade").annotate(n=Count("pk"))
    found: dict[int, dict[str, int]] = {}
    for cell in cells:
        found.setdefault(cell["band"], {})[cell["grade"]] = cell["n"]
    rows = [
        [label, *(found.get(i, {}).get(g, 0) for g in GRADES)]
        for i, label in enumerate(band_labels(SPEND_BUCKETS))
        if i in found
    ]
    return _report("grades_by_value", _("Grades by total spend"), _("Total spend"), rows)
