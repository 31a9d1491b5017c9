"""Writes of the quality app: follow-up tasks for stale records, template policies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.followups.models import Task
from dossier.followups.services import schedule_follow_up
from dossier.quality.models import CustomerQuality, TemplateQualityPolicy
from dossier.templates.models import Template

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


def set_quality_policy(
    *,
    actor: MaybeActor,
    template: Template,
    weights: dict[str, Any] | None = None,
    freshness_months: int = 12,
    stale_months: int | None = None,
) -> TemplateQualityPolicy:
    """Keep a template's quality policy (those who may change templates)."""
    if not may(actor, "templates.change_template"):
        raise PermissionDenied(_("You may not change templates."))
    errors = []
    clean: dict[str, int] = {}
    for key, weight in (weights or {}).items():
        if (
            not isinstance(key, str)
            or not isinstance(weight, int)
            or isinstance(weight, bool)
            or not 0 <= weight <= 100
        ):
            errors.append(FieldError("invalid_integer", field="weights", label="weights"))
            break
        clean[key] = weight
    for name, months in (("freshness_months", freshness_months), ("stale_months", stale_months)):
        if months is not None and (not isinstance(months, int) or not 1 <= months <= 120):
            errors.append(FieldError("invalid_integer", field=name, label=name))
    if errors:
        raise ValidationFailed(_("The quality policy is not valid."), errors=errors)
    with transaction.atomic():
        policy, _created = TemplateQualityPolicy.objects.update_or_create(
            template=template,
            defaults={
                "weights": clean,
                "freshness_months": freshness_months,
                "stale_months": stale_months,
            },
        )
        record_audit(
            actor=actor,
            action="update",
            object_type="quality_policy",
            object_id=template.pk,
            changes={
                "freshness_months": [None, freshness_months],
                "stale_months": [None, stale_months],
            },
        )
    return policy
