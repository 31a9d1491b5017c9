"""Writing the pipeline: opportunities created, changed and moved between stages; stages renamed.

Each write runs in one transaction with its stage history row, its timeline entry and its
audit event. The customer is reached through ``customer_for`` (creating) or the opportunity
through :func:`selectors.opportunity_for` (changing), so a customer the actor cannot see is
a 404 and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts.selectors import active_user
from dossier.activity.services import record_entry, update_entry
from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import customer_for, may, restrict
from dossier.customers.models import Customer
from dossier.customers.services import refuse_if_erased
from dossier.pipeline import rules
from dossier.pipeline.models import Opportunity, Stage, StageChange
from dossier.pipeline.selectors import opportunity_for

TIMELINE_KIND = "opportunity"
#: what an update may change (a move changes the stage, see :func:`move_opportunity`)
EDITABLE = ("title", "amount", "currency", "probability", "expected_close", "next_step", "owner")
# free text that may name people: the audit log records that it changed, never the text
PRIVATE_TEXT = ("next_step", "won_reason", "lost_reason")


def timeline_summary(opportunity: Opportunity) -> dict[str, Any]:
    """The facts an opportunity's timeline entry shows: no title, no free text."""
    return {
        "stage": opportunity.stage.key,
        "stage_kind": opportunity.stage.kind,
        "amount": str(opportunity.amount),
        "currency": opportunity.currency,
    }


def _refuse_stage(value: Any, code: str) -> ValidationFailed:
    return ValidationFailed(
        _("This stage is not one of the customer's pipeline."),
        code=code,
        errors=[FieldError("invalid_choice", spec=rules.STAGE, value=str(value)[:40])],
    )


def stage_for(customer: Customer, stage_id: Any = None) -> Stage:
    """The stage ``stage_id`` of the customer's scenario, or its first open stage when None."""
    scenario = customer.template.scenario
    if stage_id is None or stage_id == "":
        first = Stage.objects.filter(scenario=scenario, kind=Stage.Kind.OPEN).first()
        if first is None:
            raise _refuse_stage("", "no_stages")
        return first
    try:
        number = int(stage_id)
    except (TypeError, ValueError):
        raise _refuse_stage(stage_id, "unknown_stage") from None
    stage = Stage.objects.filter(pk=number).first() if 0 < number < 2**63 else None
    if stage is None:
        raise _refuse_stage(stage_id, "unknown_stage")
    if stage.scenario != scenario:
        raise _refuse_stage(stage_id, "stage_not_in_scenario")
    return stage


def _check_owner(owner: User | str, customer: Customer) -> User:
    """An owner (a user or a user name) must be active, work opportunities and be allowed to
    change the customer (422 on ``owner`` otherwise): an owner works the customer."""
    found = active_user(username=owner) if isinstance(owner, str) else owner
    eligible = (
        found is not None
        and found.is_active
        and found.has_perm("pipeline.change_opportunity")
        and restrict(Customer.objects.filter(pk=customer.pk), found, "change").exists()
    )
    if found is None or not eligible:
        name = owner if isinstance(owner, str) else owner.get_username()
        raise ValidationFailed(
            _("The opportunity could not be saved."),
            errors=[FieldError("owner_not_eligible", spec=rules.OWNER, value=name[:150])],
        )
    return found


def _closing(stage: Stage, reasons: Mapping[str, Any]) -> dict[str, str]:
    """The won and lost reasons an opportunity keeps in ``stage``; a closing stage needs its own.

    Moving to a won stage needs ``won_reason`` (422 naming it), to a lost one ``lost_reason``;
    an open stage keeps neither (a reopened opportunity is no longer won or lost).
    """
    kept = {"won_reason": "", "lost_reason": ""}
    if not stage.closes:
        return kept
    field = "won_reason" if stage.kind == Stage.Kind.WON else "lost_reason"
    given = {field: reasons.get(field) or ""}
    clean = rules.clean(given, rules.OPPORTUNITY_FIELDS, _("Say why the opportunity closed."))
    if not clean.get(field):
        raise ValidationFailed(
            _("Say why the opportunity closed."),
            code="reason_required",
            errors=[FieldError("required", spec=rules.OPPORTUNITY_FIELDS[field])],
        )
    kept[field] = clean[field]
    return kept


def _closing_erased(customer: Customer, stage: Stage, reasons: Mapping[str, Any]) -> dict[str, str]:
    """An erased customer's opportunity may only be closed as lost, and without any text.

    Nothing more is written about an erased customer (409 ``customer_erased``), but an open
    opportunity would stay in the pipeline's totals for ever: closing it is allowed.
    """
    if stage.kind != Stage.Kind.LOST or any(reasons.values()):
        refuse_if_erased(customer)
    return {"won_reason": "", "lost_reason": ""}


def _history(opportunity: Opportunity, before: Stage | None, actor: MaybeActor) -> None:
    StageChange.objects.create(
        opportunity=opportunity,
        customer_id=opportunity.customer_id,
        from_stage=before,
        to_stage=opportunity.stage,
        probability=opportunity.probability,
        changed_at=opportunity.stage_changed_at,
        changed_by=person(actor),
    )


def create_opportunity(
    *,
    actor: MaybeActor,
    customer_id: Any,
    title: Any,
    amount: Any = None,
    currency: Any = "CNY",
    stage_id: Any = None,
    probability: Any = None,
    expected_close: Any = None,
    next_step: Any = "",
    owner: User | str | None = None,
    won_reason: Any = "",
    lost_reason: Any = "",
) -> Opportunity:
    """A new opportunity for a customer the actor may change, in a stage of its scenario.

    Without a stage it starts in the scenario's first open stage; without a probability it
    takes the stage's; without an owner it is the actor's.
    """
    if not may(actor, "pipeline.add_opportunity"):
        raise PermissionDenied(_("You may not create opportunities."))
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change")
        refuse_if_erased(customer)
        values = rules.clean(
            {
                "title": title,
                "amount": amount,
                "currency": str(currency or "CNY").strip().upper(),
                "probability": probability,
                "expected_close": expected_close,
                "next_step": next_step,
            },
            rules.OPPORTUNITY_FIELDS,
        )
        stage = stage_for(customer, stage_id)
        reasons = _closing(stage, {"won_reason": won_reason, "lost_reason": lost_reason})
        # the actor passed the checks above; someone else named must qualify
        owner = _check_owner(owner, customer) if owner is not None else person(actor)
        now = timezone.now()
        opportunity = Opportunity.objects.create(
            customer=customer,
            title=values["title"],
            amount=values["amount"] or 0,
            currency=values["currency"] or "CNY",
            stage=stage,
            probability=stage.probability
            if values["probability"] is None
            else values["probability"],
            expected_close=values["expected_close"],
            next_step=values["next_step"] or "",
            owner=owner,
            stage_changed_at=now,
            last_activity_at=now,
            closed_at=now if stage.closes else None,
            created_by=person(actor),
            **reasons,
        )
        _history(opportunity, None, actor)
        record_entry(
            customer_id=customer.pk,
            kind=TIMELINE_KIND,
            object_id=opportunity.pk,
            occurred_at=now,
            summary=timeline_summary(opportunity),
        )
        record_audit(
            actor=actor,
            action="create",
            object_type="opportunity",
            object_id=opportunity.pk,
            customer_id=customer.pk,
            changes={"stage": stage.key, "amount": str(opportunity.amount)},
        )
    return opportunity


def _touched(opportunity: Opportunity, now: datetime) -> None:
    """Any change is activity: the opportunity is no longer stale."""
    opportunity.last_activity_at = now
    opportunity.stale_flagged_at = None


def update_opportunity(
    *, actor: MaybeActor, opportunity_id: Any, changes: Mapping[str, Any]
) -> Opportunity:
    """Change an opportunity's title, amount, currency, probability, close date, next step or
    owner (``changes`` holds only what changes; ``owner`` a user or a user name)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(
            _("The opportunity could not be saved."),
            errors=[FieldError("unknown_field", field=key, label=key) for key in unknown],
        )
    with transaction.atomic():
        opportunity = opportunity_for(actor, opportunity_id, "change", lock=True)
        refuse_if_erased(opportunity.customer)
        raw = {key: value for key, value in changes.items() if key != "owner"}
        if "currency" in raw:
            raw["currency"] = str(raw["currency"] or "").strip().upper()
        values = rules.clean(raw, rules.OPPORTUNITY_FIELDS)
        if "owner" in changes:
            owner = changes["owner"]
            values["owner"] = _check_owner(owner, opportunity.customer) if owner else None
        before = {key: getattr(opportunity, key) for key in values}
        for key, value in values.items():
            if key in ("amount", "next_step") and value is None:
                value = 0 if key == "amount" else ""
            if key == "currency" and not value:
                value = "CNY"
            if key == "probability" and value is None:
                value = opportunity.stage.probability
            setattr(opportunity, key, value)
        changed = [key for key in values if getattr(opportunity, key) != before[key]]
        if not changed:
            return opportunity
        _touched(opportunity, timezone.now())
        opportunity.save()
        update_entry(
            kind=TIMELINE_KIND, object_id=opportunity.pk, summary=timeline_summary(opportunity)
        )
        record_audit(
            actor=actor,
            action="update",
            object_type="opportunity",
            object_id=opportunity.pk,
            customer_id=opportunity.customer_id,
            changes={key: _audited(key, before[key], getattr(opportunity, key)) for key in changed},
        )
    return opportunity


def _audited(key: str, before: Any, after: Any) -> Any:
    if key in PRIVATE_TEXT:
        return "changed"
    if key == "owner":
        return [getattr(before, "username", None), getattr(after, "username", None)]
    return [None if before is None else str(before), None if after is None else str(after)]


def move_opportunity(
    *,
    actor: MaybeActor,
    opportunity_id: Any,
    stage_id: Any,
    won_reason: Any = "",
    lost_reason: Any = "",
    probability: Any = None,
) -> Opportunity:
    """Move an opportunity to another stage of its customer's scenario (kanban, API).

    A won or lost stage closes it and needs its reason; an open stage reopens it (an erased
    customer's opportunity may only be closed as lost, without a reason). The
    probability becomes the stage's unless one is given. Moving to the stage it is in
    changes nothing (a retried request is harmless).
    """
    with transaction.atomic():
        opportunity = opportunity_for(actor, opportunity_id, "change", lock=True)
        stage = stage_for(opportunity.customer, stage_id)
        if stage.pk == opportunity.stage_id:
            return opportunity
        given = {"won_reason": won_reason, "lost_reason": lost_reason}
        if opportunity.customer.erased_at is not None:
            reasons = _closing_erased(opportunity.customer, stage, given)
        else:
            reasons = _closing(stage, given)
        chosen = rules.clean({"probability": probability}, rules.OPPORTUNITY_FIELDS)
        before = opportunity.stage
        now = timezone.now()
        opportunity.stage = stage
        opportunity.probability = (
            stage.probability if chosen["probability"] is None else chosen["probability"]
        )
        opportunity.stage_changed_at = now
        opportunity.closed_at = now if stage.closes else None
        opportunity.won_reason = reasons["won_reason"]
        opportunity.lost_reason = reasons["lost_reason"]
        _touched(opportunity, now)
        opportunity.save()
        _history(opportunity, before, actor)
        update_entry(
            kind=TIMELINE_KIND,
            object_id=opportunity.pk,
            summary=timeline_summary(opportunity),
            occurred_at=now,
        )
        record_audit(
            actor=actor,
            action="update",
            object_type="opportunity",
            object_id=opportunity.pk,
            customer_id=opportunity.customer_id,
            changes={"stage": [before.key, stage.key], "probability": opportunity.probability},
        )
    return opportunity


def update_stage(*, actor: MaybeActor, stage_id: Any, changes: Mapping[str, Any]) -> Stage:
    """Rename, reorder or re-weigh a stage of a scenario's pipeline (administrators).

    Its key and kind stay: opportunities and their history refer to them.
    """
    if not may(actor, "pipeline.change_stage"):
        raise PermissionDenied(_("You may not change the pipeline's stages."))
    with transaction.atomic():
        stage = Stage.objects.select_for_update().filter(pk=stage_id).first()
        if stage is None:
            raise NotFound(_("No such stage."), code="stage_not_found")
        values = rules.clean(changes, rules.STAGE_FIELDS, _("The stage could not be saved."))
        before = {key: getattr(stage, key) for key in values}
        for key, value in values.items():
            setattr(stage, key, "" if value is None and key == "name_en" else value)
        if any(getattr(stage, key) is None for key in values):
            raise ValidationFailed(
                _("The stage could not be saved."),
                errors=[
                    FieldError("required", spec=rules.STAGE_FIELDS[key])
                    for key in values
                    if getattr(stage, key) is None
                ],
            )
        stage.save()
        record_audit(
            actor=actor,
            action="update",
            object_type="stage",
            object_id=stage.pk,
            changes={
                key: [before[key], getattr(stage, key)]
                for key in values
                if before[key] != getattr(stage, key)
            },
        )
    return stage
