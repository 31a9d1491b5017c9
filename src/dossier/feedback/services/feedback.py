"""Recording feedback and taking it from new to closed; a complaint gets a follow-up task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.figures import add_to_figures, extend_figures
from dossier.activity.services import record_entry, update_entry
from dossier.audit.services import record_audit
from dossier.core import inputs
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import customer_for
from dossier.customers.services import refuse_if_erased
from dossier.feedback.models import Feedback, Kind, Status
from dossier.feedback.selectors import feedback_for
from dossier.followups.services import schedule_follow_up
from dossier.outbox.services import publish

TIMELINE_KIND = "feedback"
FIGURES = "feedback"
MAX_TEXT = 4000
MAX_RESOLUTION = 4000
MAX_ORDER_REF = 64
#: a complaint is called back within a day
FOLLOW_UP_AFTER = timedelta(hours=24)

KIND = FieldLabel("kind", "类型", "Kind")
TEXT = FieldLabel("text", "内容", "Text")
CSAT = FieldLabel("csat", "满意度（CSAT）", "CSAT")
NPS = FieldLabel("nps", "推荐意愿（NPS）", "NPS")
ORDER = FieldLabel("order_ref", "订单号", "Order")
STATUS = FieldLabel("status", "状态", "Status")
RESOLUTION = FieldLabel("resolution", "处理结果", "Resolution")

#: where a status may go next
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.ACKNOWLEDGED, Status.RESOLVED, Status.CLOSED),
    Status.ACKNOWLEDGED: (Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.CLOSED,),
    Status.CLOSED: (),
}


def summary_of(row: Feedback) -> dict[str, Any]:
    """The timeline entry's facts: never the text (what the customer wrote is personal)."""
    return {"kind": row.kind, "status": row.status, "csat": row.csat, "nps": row.nps}


def record_feedback(
    *,
    actor: MaybeActor,
    customer_id: Any,
    kind: str,
    text: str = "",
    csat: Any = None,
    nps: Any = None,
    order_ref: str = "",
) -> Feedback:
    """Record what a customer told us; a complaint is scheduled for a call back in 24 hours."""
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change")
        refuse_if_erased(customer)
        errors: list[FieldError] = []
        row = Feedback(
            customer_id=customer.pk,
            kind=inputs.one_of(kind, KIND, errors, Kind.values),
            text=inputs.text(text, TEXT, errors, max_length=MAX_TEXT),
            csat=inputs.whole_number(csat, CSAT, errors, minimum=1, maximum=5),
            nps=inputs.whole_number(nps, NPS, errors, minimum=0, maximum=10),
            order_ref=inputs.text(order_ref, ORDER, errors, max_length=MAX_ORDER_REF),
            recorded_by=person(actor),
            received_at=timezone.now(),
        )
        if errors:
            raise ValidationFailed(_("The feedback could not be saved."), errors=errors)
        row.save()
        record_entry(
            customer_id=customer.pk,
            kind=TIMELINE_KIND,
            object_id=row.pk,
            occurred_at=row.received_at,
            summary=summary_of(row),
        )
        add_scores(customer.pk, row.csat, row.nps, row.received_at)
        if row.kind == Kind.COMPLAINT:
            add_to_figures(customer_id=customer.pk, complaint_count=1)
            schedule_follow_up(
                actor=actor,
                customer_id=customer.pk,
                title=_("Call back about the complaint"),
                due_at=row.received_at + FOLLOW_UP_AFTER,
                cause_kind=TIMELINE_KIND,
                cause_id=row.pk,
            )
        publish(
            name="feedback.created",
            actor=actor,
            customer_id=customer.pk,
            object_type="feedback",
            object_id=row.pk,
            data={"kind": row.kind, "csat": row.csat, "nps": row.nps},
        )
        record_audit(
            actor=actor,
            action="create",
            object_type="feedback",
            object_id=row.pk,
            customer_id=customer.pk,
            changes={"kind": row.kind, "csat": row.csat, "nps": row.nps},
        )
    return row


def add_scores(customer_id: Any, csat: int | None, nps: int | None, at: Any) -> None:
    """Add a CSAT to the customer's average and make an NPS their last one (answered now)."""
    if csat is not None:
        add_to_figures(customer_id=customer_id, csat_total=csat, csat_count=1)
    if nps is not None:
        extend_figures(customer_id=customer_id, values={"last_nps": nps, "last_nps_at": at})


def change_status(
    *, actor: MaybeActor, feedback_id: Any, status: str, resolution: str | None = None
) -> Feedback:
    """Move feedback on (acknowledged, resolved, closed); resolving needs what was done."""
    with transaction.atomic():
        row = feedback_for(actor, feedback_id, "change", lock=True)
        refuse_if_erased(row.customer)
        before = row.status
        errors: list[FieldError] = []
        status = inputs.one_of(status, STATUS, errors, Status.values)
        if status and status not in TRANSITIONS[before]:
            errors.append(
                FieldError(
                    "status_change_not_allowed",
                    spec=STATUS,
                    before=Status(before).label,
                    after=Status(status).label,
                )
            )
        needs_text = status == Status.RESOLVED or (status == Status.CLOSED and not row.resolution)
        text = inputs.text(
            resolution, RESOLUTION, errors, max_length=MAX_RESOLUTION, required=needs_text
        )
        if errors:
            raise ValidationFailed(_("The feedback could not be changed."), errors=errors)
        row.status = status
        if text:
            row.resolution = text
        if status in (Status.RESOLVED, Status.CLOSED) and row.resolved_at is None:
            row.resolved_at, row.resolved_by = timezone.now(), person(actor)
        row.save()
        update_entry(kind=TIMELINE_KIND, object_id=row.pk, summary=summary_of(row))
        record_audit(
            actor=actor,
            action="update",
            object_type="feedback",
            object_id=row.pk,
            customer_id=row.customer_id,
            changes={"status": [before, status], **({"resolution": "***"} if text else {})},
        )
    return row


def acknowledge_feedback(*, actor: MaybeActor, feedback_id: Any) -> Feedback:
    """Tell the customer we have it (new → acknowledged)."""
    return change_status(actor=actor, feedback_id=feedback_id, status=Status.ACKNOWLEDGED)


def resolve_feedback(
    *, actor: MaybeActor, feedback_id: Any, resolution: str, close: bool = False
) -> Feedback:
    """Record what was done (→ resolved), or close it at once (→ closed)."""
    return change_status(
        actor=actor,
        feedback_id=feedback_id,
        status=Status.CLOSED if close else Status.RESOLVED,
        resolution=resolution,
    )
