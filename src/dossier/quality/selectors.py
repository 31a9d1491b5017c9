"""Reads of data quality, each starting from the customers the actor may see (``restrict``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Case, Count, F, FloatField, QuerySet, Value, When
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.quality.models import CustomerQuality
from dossier.templates.core_fields import SOURCES
from dossier.templates.selectors import version_info

STALE_PAGE = 200
WORST = 100
#: the breakdowns of the dashboard: key, what to group by, how to name a group
BREAKDOWNS = ("template", "owner", "team", "source")


def check_may_view(actor: MaybeActor | None) -> None:
    if not may(actor, "customers.view_customer"):
        raise PermissionDenied(_("You may not see customers' data quality."))


def field_labels(version_id: int, keys: list[str]) -> list[str]:
    """The labels of these fields of a template version, in the user's language."""
    chinese = (get_language() or "zh-hans").startswith("zh")
    specs = {s.key: s for s in version_info(version_id).specs}
    labels = []
    for key in keys:
        spec = specs.get(key)
        if spec is None:
            labels.append(key)
            continue
        first, second = (
            (spec.label_zh, spec.label_en) if chinese else (spec.label_en, spec.label_zh)
        )
        labels.append(first or second or key)
    return labels


def visible_quality(actor: MaybeActor | None) -> QuerySet[CustomerQuality]:
    """Quality rows of the live customers ``actor`` may see."""
    check_may_view(actor)
    visible = restrict(Customer.objects.all(), actor, "view").filter(erased_at__isnull=True)
    return CustomerQuality.objects.filter(customer__in=visible.values("pk"))


@dataclass(frozen=True)
class StaleRow:
    customer_id: Any
    name: str
    template: str
    owner: str
    last_activity_at: datetime | None
    freshness: int
    completeness: int


def stale_customers(
    *, actor: MaybeActor | None, limit: int = STALE_PAGE
) -> tuple[list[StaleRow], int]:
    """The actor's stale records, quietest first (never any activity first), and how many."""
    rows = visible_quality(actor).filter(stale=True)
    total = rows.count()
    found = rows.select_related("customer__template", "customer__owner").order_by(
        F("last_activity_at").asc(nulls_first=True), "customer_id"
    )[:limit]
    return [
        StaleRow(
            q.customer_id,
            q.customer.display_name,
            q.customer.template.name,
            q.customer.owner.username if q.customer.owner else "",
            q.last_activity_at,
            q.freshness,
            q.completeness,
        )
        for q in found
    ], total


_GROUPS = {
    "template": (
        "customer__template_id",
        "customer__template__name_zh",
        "customer__template__name_en",
    ),
    "owner": ("customer__owner_id", "customer__owner__username", "customer__owner__username"),
    "team": ("customer__team_id", "customer__team__name", "customer__team__name"),
    "source": ("customer__source", "customer__source", "customer__source"),
}


def _share(flag: str) -> Avg:
    """The share of rows whose boolean column ``flag`` is true (0.0–1.0)."""
    return Avg(
        Case(When(**{flag: True}, then=Value(1.0)), default=Value(0.0)), output_field=FloatField()
    )


def _source_label(code: str | None, chinese: bool) -> str:
    for choice in SOURCES:
        if choice["value"] == code:
            return choice["label_zh"] if chinese else choice["label_en"]
    return code or ""


def breakdown(rows: QuerySet[CustomerQuality], by: str) -> list[dict[str, Any]]:
    """Average completeness and freshness, share of stale records and count, per group."""
    key, name_zh, name_en = _GROUPS[by]
    chinese = (get_language() or "zh-hans").startswith("zh")
    grouped = (
        rows.order_by()
        .values(key, name_zh, name_en)
        .annotate(
            count=Count("pk"),
            completeness=Avg("completeness"),
            freshness=Avg("freshness"),
            stale_share=_share("stale"),
            verified_share=_share("verified"),
        )
        .order_by("completeness")
    )
    out = []
    for group in grouped:
        first, second = (
            (group[name_zh], group[name_en]) if chinese else (group[name_en], group[name_zh])
        )
        if by == "source":
            first = _source_label(first, chinese)
        out.append(
            {
                "name": first or second or "—",
                "count": group["count"],
                "completeness": round(group["completeness"] or 0),
                "freshness": round(group["freshness"] or 0),
                "stale_percent": round(100 * (group["stale_share"] or 0)),
                "verified_percent": round(100 * (group["verified_share"] or 0)),
            }
        )
    return out


def dashboard(*, actor: MaybeActor | None) -> dict[str, Any]:
    """Averages over the actor's customers, the breakdowns and the worst records."""
    rows = visible_quality(actor)
    totals = rows.aggregate(
        count=Count("pk"),
        completeness=Avg("completeness"),
        freshness=Avg("freshness"),
        stale_share=_share("stale"),
        verified_share=_share("verified"),
    )
    worst = []
    for q in rows.select_related("customer__template", "customer__owner").order_by(
        F("completeness") + F("freshness"), "customer_id"
    )[:WORST]:
        worst.append(
            {
                "customer_id": q.customer_id,
                "name": q.customer.display_name,
                "template": q.customer.template.name,
                "owner": q.customer.owner.username if q.customer.owner else "",
                "completeness": q.completeness,
                "freshness": q.freshness,
                "stale": q.stale,
                "missing": field_labels(q.customer.template_version_id, list(q.missing)),
            }
        )
    return {
        "count": totals["count"],
        "completeness": round(totals["completeness"] or 0),
        "freshness": round(totals["freshness"] or 0),
        "stale_percent": round(100 * (totals["stale_share"] or 0)),
        "verified_percent": round(100 * (totals["verified_share"] or 0)),
        "breakdowns": [(by, breakdown(rows, by)) for by in BREAKDOWNS],
        "worst": worst,
    }


def quality_of(*, actor: MaybeActor | None, customer: Customer) -> CustomerQuality | None:
    """The quality row of a customer the caller already loaded through ``customer_for``."""
    return visible_quality(actor).filter(customer_id=customer.pk).first()
