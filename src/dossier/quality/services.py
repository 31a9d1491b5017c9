"""Writes of the quality app: follow-up tasks for stale records, template quality policies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.followups.models import Task
from dossier.followups.services import schedule_follow_up
from dossier.quality.models import CustomerQuality, TemplateQualityPolicy
from dossier.quality.policies import check_may_keep_policies, policy_specs
from dossier.templates.selectors import get_template
from dossier.verification.selectors import required_fields
from dossier.verification.services import set_required_verifications

CAUSE_KIND = "stale_record"
#: days a stale record's follow-up is due in
DUE_DAYS = 7
#: the most customers one request turns into tasks (the page lists at most this many)
MAX_TASKS = 500


def _spell(last_activity_at: datetime | None) -> str:
    """Names one quiet spell: a new activity starts another (and may earn another task)."""
    return "never" if last_activity_at is None else str(int(last_activity_at.timestamp() * 1e6))


def _ids(customer_ids: Sequence[Any]) -> list[UUID]:
    found = []
    for value in customer_ids:
        try:
            found.append(UUID(str(value)))
        except ValueError:
            raise ValidationFailed(
                _("Not a customer id."),
                errors=[FieldError("pattern", field="customer_ids", label="customer_ids")],
            ) from None
    return found


def create_stale_tasks(
    *, actor: MaybeActor, customer_ids: Sequence[Any] | None = None, now: datetime | None = None
) -> int:
    """Give each stale record the actor may change (those listed, else all) a follow-up task
    for its owner; a record gets one task per quiet spell however often this runs. How many."""
    if not may(actor, "customers.change_customer"):
        raise PermissionDenied(_("You may not plan follow-ups."))
    now = now or timezone.now()
    changeable = restrict(Customer.objects.all(), actor, "change").filter(erased_at__isnull=True)
    rows = CustomerQuality.objects.filter(stale=True, customer__in=changeable.values("pk"))
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=_ids(customer_ids)[:MAX_TASKS])
    made = []
    for customer_id in list(
        rows.order_by("last_activity_at").values_list("pk", flat=True)[:MAX_TASKS]
    ):
        with transaction.atomic():
            # the row lock makes a second run (or a second worker) wait, then see the task
            row = (
                CustomerQuality.objects.select_for_update()
                .filter(pk=customer_id, stale=True)
                .first()
            )
            if row is None:
                continue
            spell = _spell(row.last_activity_at)
            if Task.objects.filter(
                customer_id=customer_id, cause_kind=CAUSE_KIND, cause_id=spell
            ).exists():
                continue
            schedule_follow_up(
                actor=actor,
                customer_id=customer_id,
                title=_("Stale record: check and update the profile"),
                due_at=now + timedelta(days=DUE_DAYS),
                cause_kind=CAUSE_KIND,
                cause_id=spell,
            )
            made.append(customer_id)
    if made:
        record_audit(
            actor=actor,
            action="create",
            object_type="stale_record_tasks",
            object_id=str(len(made)),
            changes={"tasks": [0, len(made)]},
        )
    return len(made)


WHOLE = re.compile(r"[+-]?[0-9]{1,9}")
#: bounds of a policy's months and of a field's weight
MONTHS_RANGE = (1, 120)
WEIGHT_RANGE = (0, 100)
FRESHNESS = FieldLabel("freshness_months", "新鲜度归零月数", "Months until freshness is 0")
STALE = FieldLabel("stale_months", "视为陈旧的月数", "Months until a record is stale")


def _whole(value: Any, label: FieldLabel, bounds: tuple[int, int]) -> int | FieldError:
    """A whole number within ``bounds`` from an int or a form's text, else the error."""
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if WHOLE.fullmatch(text) else text
    if not isinstance(value, int) or isinstance(value, bool):
        return FieldError("invalid_integer", spec=label)
    low, high = bounds
    if value < low:
        return FieldError("too_small", spec=label, min=low)
    if value > high:
        return FieldError("too_large", spec=label, max=high)
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _weights(
    given: Mapping[str, Any], specs: dict[str, FieldSpec], errors: list[FieldError]
) -> dict[str, int]:
    """The weights kept: one per field given a value (blank: the field's default)."""
    clean: dict[str, int] = {}
    for key, value in given.items():
        key = str(key)[:64]
        spec = specs.get(key)
        if spec is None:
            errors.append(FieldError("unknown_field", field=f"weights.{key}", label=key))
            continue
        if _blank(value):
            continue
        label = FieldLabel(
            f"weights.{key}",
            f"{spec.label('zh-hans')}的权重",
            f"Weight of {spec.label('en')}",
        )
        weight = _whole(value, label, WEIGHT_RANGE)
        if isinstance(weight, FieldError):
            errors.append(weight)
        else:
            clean[key] = weight
    return clean


def set_quality_policy(
    *,
    actor: MaybeActor,
    template_key: str,
    freshness_months: Any,
    stale_months: Any = None,
    weights: Mapping[str, Any] | None = None,
    required_verified: Iterable[str] | None = None,
) -> TemplateQualityPolicy:
    """Keep a template's quality policy: months to zero freshness and to stale (blank: the
    freshness months), each field's completeness weight (blank: its default) and the contact
    fields that must be verified before a customer counts as active (None: left as they are).

    Administrators only (the policy weighs every team's customers). Values may be a form's
    text; every mistake is reported at once, naming the field, and nothing is kept then.
    """
    check_may_keep_policies(actor)
    template = get_template(key=str(template_key)[:64])
    specs = policy_specs(template)
    errors: list[FieldError] = []
    fresh = _whole(freshness_months, FRESHNESS, MONTHS_RANGE)
    stale = None if _blank(stale_months) else _whole(stale_months, STALE, MONTHS_RANGE)
    for checked in (fresh, stale):
        if isinstance(checked, FieldError):
            errors.append(checked)
    if weights is not None and not isinstance(weights, Mapping):
        errors.append(FieldError("invalid_text", field="weights", label="weights"))
        weights = {}
    clean = _weights(weights or {}, specs, errors)
    if errors:
        raise ValidationFailed(_("The quality policy is not valid."), errors=errors)
    assert isinstance(fresh, int) and not isinstance(stale, FieldError)
    with transaction.atomic():
        policy = TemplateQualityPolicy.objects.select_for_update().filter(template=template).first()
        before = (
            {"freshness_months": None, "stale_months": None, "weights": {}}
            if policy is None
            else {
                "freshness_months": policy.freshness_months,
                "stale_months": policy.stale_months,
                "weights": dict(policy.weights or {}),
            }
        )
        after = {"freshness_months": fresh, "stale_months": stale, "weights": clean}
        policy, _created = TemplateQualityPolicy.objects.update_or_create(
            template=template, defaults=after
        )
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changes:
            record_audit(
                actor=actor,
                action="update",
                object_type="quality_policy",
                object_id=template.key,
                changes=changes,
            )
        if required_verified is not None:
            wanted = sorted({str(f)[:64] for f in required_verified})
            if wanted != required_fields(template.pk):
                # the verification app's own rule and audit; its refusal undoes the policy too
                set_required_verifications(actor=actor, template_key=template.key, fields=wanted)
    return policy
