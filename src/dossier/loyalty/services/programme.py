"""The programme's settings and tiers (administrators), and the set-based tier recompute.

Tier rule: a customer's tier is the highest whose ``min_points`` is at most the points they
earned on orders in the last twelve months (365 days), less points taken back for refunds.
Points redeemed or expired do not lower a tier: it rewards buying, not hoarding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import may
from dossier.loyalty.errors import MAX_POINTS, has_control_characters
from dossier.loyalty.ledger import TIER_WINDOW, qualifying
from dossier.loyalty.models import CustomerTier, PointsEntry, Programme, Tier
from dossier.loyalty.services.points import programme

RATE = FieldLabel("points_per_unit", "每元积分", "Points per unit spent")
MONTHS = FieldLabel("validity_months", "有效月数", "Validity in months")
TIERS = FieldLabel("tiers", "等级", "Tiers")
EARN_FROM = FieldLabel("earn_from", "起始日期", "Earn from")
EDITABLE = ("active", "points_per_unit", "validity_months", "earn_from")


def _refuse(error: FieldError) -> ValidationFailed:
    return ValidationFailed(_("The loyalty programme could not be saved."), errors=[error])


def _rate(value: Any) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise _refuse(FieldError("invalid_decimal", spec=RATE)) from None
    if not rate.is_finite() or rate < 0 or rate > 1000:
        raise _refuse(FieldError("date_out_of_range", spec=RATE, min=0, max=1000))
    if rate != rate.quantize(Decimal("0.0001")):
        raise _refuse(FieldError("too_many_decimals", spec=RATE, places=4))
    return rate


def update_programme(*, actor: MaybeActor, changes: Mapping[str, Any]) -> Programme:
    """Change how orders earn points (administrators)."""
    if not may(actor, "loyalty.change_programme"):
        raise PermissionDenied(_("You may not change the loyalty programme."))
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise _refuse(FieldError("unknown_field", field=unknown[0], label=unknown[0]))
    with transaction.atomic():
        found = programme()
        found = Programme.objects.select_for_update().get(pk=found.pk)
        if "points_per_unit" in changes:
            found.points_per_unit = _rate(changes["points_per_unit"])
        if "validity_months" in changes:
            months = changes["validity_months"]
            if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
                raise _refuse(FieldError("date_out_of_range", spec=MONTHS, min=1, max=120))
            found.validity_months = months
        if "active" in changes:
            found.active = bool(changes["active"])
        if "earn_from" in changes:
            moment = changes["earn_from"]
            if moment is not None and not (isinstance(moment, datetime) and moment.tzinfo):
                raise _refuse(FieldError("invalid_datetime", spec=EARN_FROM))
            found.earn_from = moment
        found.save()
        record_audit(
            actor=actor,
            action="update",
            object_type="loyalty_programme",
            object_id=found.pk,
            changes={key: str(changes[key]) for key in changes},
        )
    return found


def set_tiers(*, actor: MaybeActor, tiers: Sequence[Mapping[str, Any]]) -> list[Tier]:
    """Replace the tiers with these (name, min_points); names and thresholds each unique."""
    if not may(actor, "loyalty.change_tier"):
        raise PermissionDenied(_("You may not change the loyalty tiers."))
    clean: list[tuple[str, int]] = []
    for row in tiers:
        name = str(row.get("name") or "").strip()
        points = row.get("min_points")
        if not name or len(name) > 50 or isinstance(points, bool) or not isinstance(points, int):
            raise _refuse(FieldError("invalid_list", spec=TIERS))
        if has_control_characters(name):
            raise _refuse(FieldError("control_characters", spec=TIERS))
        if not 0 <= points <= MAX_POINTS:
            raise _refuse(FieldError("date_out_of_range", spec=TIERS, min=0, max=MAX_POINTS))
        clean.append((name, points))
    if len({n for n, _p in clean}) < len(clean) or len({p for _n, p in clean}) < len(clean):
        raise _refuse(FieldError("not_unique", spec=TIERS))
    with transaction.atomic():
        CustomerTier.objects.all().delete()
        Tier.objects.all().delete()
        made = Tier.objects.bulk_create(Tier(name=n, min_points=p) for n, p in clean)
        record_audit(
            actor=actor,
            action="update",
            object_type="loyalty_tiers",
            changes={"tiers": [{"name": n, "min_points": p} for n, p in clean]},
        )
    recompute_tiers()
    return sorted(made, key=lambda tier: tier.min_points)


def recompute_tiers(*, now: datetime | None = None) -> int:
    """Every customer's tier, rebuilt in one INSERT … SELECT (no loop over customers)."""
    now = now or timezone.now()
    since = now - TIER_WINDOW
    quote = connection.ops.quote_name
    tiers, kept = quote(Tier._meta.db_table), quote(CustomerTier._meta.db_table)
    # the rule itself comes from ledger.qualifying, compiled by the ORM
    sums = (
        PointsEntry.objects.order_by()
        .filter(qualifying(since))
        .values("customer_id")
        .annotate(points=Sum("points"))
    )
    inner, params = sums.query.sql_with_params()
    sql = f"""
        INSERT INTO {kept} (customer_id, tier_id, points, computed_at)
        SELECT s.customer_id,
               (SELECT t.id FROM {tiers} t WHERE t.min_points <= s.points
                ORDER BY t.min_points DESC LIMIT 1),
               s.points, %s
        FROM ({inner}) s
    """  # table names from the models, values as parameters
    with transaction.atomic(), connection.cursor() as cursor:
        CustomerTier.objects.all().delete()
        cursor.execute(sql, [now, *params])
        return int(cursor.rowcount)
