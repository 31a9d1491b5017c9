"""Grade thresholds per template scenario: those in force, and changing them (audited).

In force for a scenario: its saved thresholds, else those of ``settings.DOSSIER_GRADE_THRESHOLDS``,
else :data:`grading.DEFAULT_THRESHOLDS`; a scenario with none of these takes ``"*"``'s. The
nightly refresh reads them, so a change shows in the grades from the next refresh on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields.base import FieldError
from dossier.customers.access import may
from dossier.insights import grading
from dossier.insights.models import GradeThresholds
from dossier.templates.models import Scenario

EVERY = "*"
GRADES = ("A", "B", "C")
MEASURES = ("spend", "value")
#: the largest threshold a column holds (16 digits, 2 after the point)
MAXIMUM = Decimal("99999999999999.99")


def scenario_keys() -> list[tuple[str, str]]:
    """Every scenario one may set thresholds for, ``"*"`` first (labels not translated)."""
    return [(EVERY, "Every other scenario"), *((k, str(k)) for k in Scenario.values)]


def scenarios() -> list[tuple[str, str]]:
    """Every scenario one may set thresholds for with its label, ``"*"`` (all the others) first."""
    return [(EVERY, _("Every other scenario")), *((k, str(v)) for k, v in Scenario.choices)]


def configured() -> dict[str, dict[str, tuple[float, float]]]:
    """The thresholds of the defaults and the settings (before anything saved)."""
    found = {**grading.DEFAULT_THRESHOLDS, **getattr(settings, "DOSSIER_GRADE_THRESHOLDS", {})}
    grading.check_thresholds(found)
    return found


def thresholds_in_force(*, leaving_out: str = "") -> dict[str, dict[str, tuple[float, float]]]:
    """Scenario → grade → (minimum spend, minimum lifetime value), saved ones winning (but
    the one saved for ``leaving_out``)."""
    found = configured()
    for row in GradeThresholds.objects.exclude(scenario=leaving_out):
        found[row.scenario] = row.as_thresholds()
    return found


@dataclass(frozen=True)
class ScenarioThresholds:
    """A scenario's thresholds as the page shows them, and where they come from."""

    scenario: str
    label: str
    thresholds: dict[str, tuple[float, float]]
    #: "saved", "settings", "default" or "every" (it takes "*"'s)
    source: str
    updated_at: Any = None
    updated_by: str = ""


def may_see_thresholds(actor: MaybeActor | None) -> bool:
    return may(actor, "insights.view_gradethresholds")


def may_change_thresholds(actor: MaybeActor | None) -> bool:
    return may(actor, "insights.change_gradethresholds")


def threshold_rows(*, actor: MaybeActor) -> list[ScenarioThresholds]:
    """Every scenario's thresholds in force, for administrators and managers."""
    if not may_see_thresholds(actor):
        raise PermissionDenied(_("You may not see the grade thresholds."))
    saved = {row.scenario: row for row in GradeThresholds.objects.select_related("updated_by")}
    from_settings = getattr(settings, "DOSSIER_GRADE_THRESHOLDS", {})
    in_force = thresholds_in_force()
    rows = []
    for key, label in scenarios():
        row = saved.get(key)
        if row is not None:
            source = "saved"
        elif key in from_settings:
            source = "settings"
        elif key in grading.DEFAULT_THRESHOLDS:
            source = "default"
        else:
            source = "every"
        rows.append(
            ScenarioThresholds(
                scenario=key,
                label=label,
                thresholds=in_force.get(key, in_force[EVERY]),
                source=source,
                updated_at=row.updated_at if row else None,
                updated_by=row.updated_by.get_username() if row and row.updated_by else "",
            )
        )
    return rows


def _label(grade: str, measure: str) -> str:
    words = _("minimum spend") if measure == "spend" else _("minimum lifetime value")
    return _("Grade %(grade)s, %(measure)s") % {"grade": grade, "measure": words}


def _amount(raw: Any, grade: str, measure: str) -> tuple[Decimal | None, FieldError | None]:
    field, label = f"{grade}.{measure}", _label(grade, measure)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, FieldError("required", field=field, label=label)
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        return None, FieldError("invalid_decimal", field=field, label=label)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        return None, FieldError("invalid_decimal", field=field, label=label)
    if not value.is_finite() or (isinstance(raw, float) and not math.isfinite(raw)):
        return None, FieldError("invalid_decimal", field=field, label=label)
    if value < 0:
        return None, FieldError("too_small", field=field, label=label, min=0)
    if value > MAXIMUM:
        return None, FieldError("too_large", field=field, label=label, max=f"{MAXIMUM:,}")
    return value.quantize(Decimal("0.01")), None


def checked_thresholds(data: Any) -> dict[str, dict[str, Decimal]]:
    """``{grade: {"spend": x, "value": y}}`` read and checked: every amount a number ≥ 0 and
    A ≥ B ≥ C in each measure; ValidationFailed naming each bad field and why."""
    if not isinstance(data, Mapping):
        raise ValidationFailed(
            _("The grade thresholds could not be saved."),
            errors=[FieldError("required", field="thresholds", label=_("Thresholds"))],
        )
    errors: list[FieldError] = []
    found: dict[str, dict[str, Decimal]] = {}
    for grade in GRADES:
        given = data.get(grade)
        given = given if isinstance(given, Mapping) else {}
        for measure in MEASURES:
            value, error = _amount(given.get(measure), grade, measure)
            if error is not None:
                errors.append(error)
            elif value is not None:
                found.setdefault(grade, {})[measure] = value
    unknown = sorted(str(k)[:20] for k in data if k not in GRADES)
    errors += [FieldError("unknown_field", field=k, label=k) for k in unknown]
    for measure in MEASURES:
        for better, worse in (("A", "B"), ("B", "C")):
            high = found.get(better, {}).get(measure)
            low = found.get(worse, {}).get(measure)
            if high is not None and low is not None and low > high:
                errors.append(
                    FieldError(
                        "threshold_order",
                        field=f"{worse}.{measure}",
                        label=_label(worse, measure),
                        better=better,
                        limit=f"{high:,}",
                    )
                )
    if errors:
        raise ValidationFailed(_("The grade thresholds could not be saved."), errors=errors)
    return found


def _checked_scenario(scenario: Any) -> str:
    if scenario not in dict(scenario_keys()):
        raise ValidationFailed(
            _("The grade thresholds could not be saved."),
            errors=[
                FieldError(
                    "invalid_choice",
                    field="scenario",
                    label=_("Scenario"),
                    value=str(scenario)[:32],
                )
            ],
        )
    return str(scenario)


def _as_changes(thresholds: Mapping[str, tuple[float, float]]) -> dict[str, list[str]]:
    return {
        g: [f"{Decimal(str(s)):.2f}", f"{Decimal(str(v)):.2f}"] for g, (s, v) in thresholds.items()
    }


@transaction.atomic
def set_grade_thresholds(*, actor: MaybeActor, scenario: Any, thresholds: Any) -> GradeThresholds:
    """Save a scenario's A/B/C thresholds (administrators and managers); audited with the
    thresholds before and after. The grades follow at the next nightly refresh."""
    if not may_change_thresholds(actor):
        raise PermissionDenied(_("You may not change the grade thresholds."))
    key = _checked_scenario(scenario)
    values = checked_thresholds(thresholds)
    # the row is locked (or, first time, inserted) before "before" is read, so two saves at
    # one instant each record what the other left
    row, created = GradeThresholds.objects.select_for_update().get_or_create(
        scenario=key,
        defaults={f"{g.lower()}_{m}": values[g][m] for g in GRADES for m in MEASURES},
    )
    if created:
        others = thresholds_in_force(leaving_out=key)
        before = others.get(key, others[EVERY])
    else:
        before = row.as_thresholds()
    for grade in GRADES:
        for measure in MEASURES:
            setattr(row, f"{grade.lower()}_{measure}", values[grade][measure])
    row.updated_by_id = actor.pk
    row.save()
    record_audit(
        actor=actor,
        action="update",
        object_type="grade_thresholds",
        object_id=key,
        changes={"before": _as_changes(before), "after": _as_changes(row.as_thresholds())},
    )
    return row


@transaction.atomic
def reset_grade_thresholds(*, actor: MaybeActor, scenario: Any) -> None:
    """Forget a scenario's saved thresholds: the settings' or the defaults apply again."""
    if not may_change_thresholds(actor):
        raise PermissionDenied(_("You may not change the grade thresholds."))
    key = _checked_scenario(scenario)
    row = GradeThresholds.objects.select_for_update().filter(scenario=key).first()
    if row is None:
        return
    before = row.as_thresholds()
    row.delete()
    after = thresholds_in_force()
    record_audit(
        actor=actor,
        action="reset",
        object_type="grade_thresholds",
        object_id=key,
        changes={"before": _as_changes(before), "after": _as_changes(after.get(key, after[EVERY]))},
    )
