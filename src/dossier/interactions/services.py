"""Logging, correcting and deleting interactions; each keeps the timeline and figures current."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.figures import extend_figures, refresh_figures
from dossier.activity.services import record_entry, remove_entries, update_entry
from dossier.audit.services import record_audit
from dossier.core import inputs
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import customer_for
from dossier.customers.services import refuse_if_erased
from dossier.interactions.models import Channel, Direction, Interaction, Outcome
from dossier.interactions.selectors import interaction_for

TIMELINE_KIND = "interaction"
FIGURES = "interactions"

MAX_SUBJECT = 200
MAX_NOTES = 4000
MAX_NEXT_STEP = 500
#: a call lasting longer than a day is a typing error
MAX_DURATION = 24 * 3600
#: how far back an interaction may be logged (a call centre's history synced late)
MAX_AGE_DAYS = 3650

LABELS = {
    "channel": FieldLabel("channel", "渠道", "Channel"),
    "direction": FieldLabel("direction", "方向", "Direction"),
    "occurred_at": FieldLabel("occurred_at", "时间", "Time"),
    "duration_seconds": FieldLabel("duration_seconds", "时长（秒）", "Duration (seconds)"),
    "subject": FieldLabel("subject", "主题", "Subject"),
    "notes": FieldLabel("notes", "备注", "Notes"),
    "outcome": FieldLabel("outcome", "结果", "Outcome"),
    "next_step": FieldLabel("next_step", "下一步", "Next step"),
}
#: what the audit log may name of a change: the plain columns' values, the others' names only
PLAIN = ("channel", "direction", "occurred_at", "duration_seconds", "outcome")
FIELDS = (*PLAIN, "subject", "notes", "next_step")


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check every given field at once; ValidationFailed lists each one that is wrong."""
    errors: list[FieldError] = []
    unknown = sorted(set(values) - set(FIELDS))
    errors += [FieldError("unknown_field", field=k, label=k) for k in unknown]
    clean: dict[str, Any] = {}
    now = timezone.now()
    for name, raw in values.items():
        label = LABELS.get(name)
        if label is None:
            continue
        if name == "channel":
            clean[name] = inputs.one_of(raw, label, errors, Channel.values)
        elif name == "direction":
            clean[name] = inputs.one_of(raw, label, errors, Direction.values)
        elif name == "outcome":
            clean[name] = inputs.one_of(raw, label, errors, Outcome.values, required=False)
        elif name == "duration_seconds":
            clean[name] = inputs.whole_number(raw, label, errors, minimum=0, maximum=MAX_DURATION)
        elif name == "occurred_at":
            earliest = now - timedelta(days=MAX_AGE_DAYS)
            latest = now + timedelta(minutes=5)
            clean[name] = inputs.moment(raw, label, errors, earliest=earliest, latest=latest)
        else:
            limit = {"subject": MAX_SUBJECT, "notes": MAX_NOTES, "next_step": MAX_NEXT_STEP}[name]
            clean[name] = inputs.text(raw, label, errors, max_length=limit)
    if errors:
        raise ValidationFailed(_("The interaction could not be saved."), errors=errors)
    return clean


def summary_of(row: Interaction) -> dict[str, Any]:
    # what the 360 page draws without loading the row: never the subject or notes (typed
    # text may hold names and numbers, and the timeline is shown to roles that may not see
    # personal data)
    return {
        "channel": row.channel,
        "direction": row.direction,
        "duration": row.duration_seconds,
        "outcome": row.outcome,
    }


def log_interaction(
    *,
    actor: MaybeActor,
    customer_id: Any,
    channel: str,
    direction: str,
    occurred_at: datetime | str | None = None,
    duration_seconds: Any = None,
    subject: str = "",
    notes: str = "",
    outcome: str = "",
    next_step: str = "",
) -> Interaction:
    """Record a contact with a customer the actor may change (or a note about them)."""
    given = {
        "channel": channel,
        "direction": direction,
        "occurred_at": occurred_at,
        "duration_seconds": duration_seconds,
        "subject": subject,
        "notes": notes,
        "outcome": outcome,
        "next_step": next_step,
    }
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change")
        refuse_if_erased(customer)
        clean = _clean(given)
        clean["occurred_at"] = clean["occurred_at"] or timezone.now()
        row = Interaction.objects.create(customer_id=customer.pk, staff=person(actor), **clean)
        record_entry(
            customer_id=customer.pk,
            kind=TIMELINE_KIND,
            object_id=row.pk,
            occurred_at=row.occurred_at,
            summary=summary_of(row),
        )
        if row.is_contact:
            extend_figures(customer_id=customer.pk, latest={"last_interaction_at": row.occurred_at})
        record_audit(
            actor=actor,
            action="create",
            object_type="interaction",
            object_id=row.pk,
            customer_id=customer.pk,
            changes=_audited(clean),
        )
    return row


def _audited(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain columns with their values; typed text only named (the audit log never forgets)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in PLAIN:
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        elif value:
            out[name] = "***"
    return out


def update_interaction(
    *, actor: MaybeActor, interaction_id: Any, values: Mapping[str, Any]
) -> Interaction:
    """Correct some fields of an interaction of a customer the actor may change."""
    with transaction.atomic():
        row = interaction_for(actor, interaction_id, "change", lock=True)
        refuse_if_erased(row.customer)
        clean = _clean(values)
        if clean.get("occurred_at") is None:
            clean.pop("occurred_at", None)  # a time cannot be taken away, only moved
        changed = {k: v for k, v in clean.items() if getattr(row, k) != v}
        was_contact = row.is_contact
        for name, value in changed.items():
            setattr(row, name, value)
        if not changed:
            return row
        row.save(update_fields=[*changed, "updated_at"])
        update_entry(
            kind=TIMELINE_KIND,
            object_id=row.pk,
            summary=summary_of(row),
            occurred_at=row.occurred_at,
        )
        if was_contact != row.is_contact or (row.is_contact and "occurred_at" in changed):
            # the latest contact may have moved back: recount it from the rows
            refresh_figures([row.customer_id], sources=[FIGURES])
        record_audit(
            actor=actor,
            action="update",
            object_type="interaction",
            object_id=row.pk,
            customer_id=row.customer_id,
            changes=_audited(changed),
        )
    return row


def delete_interaction(*, actor: MaybeActor, interaction_id: Any) -> None:
    """Remove an interaction (logged by mistake) of a customer the actor may change."""
    with transaction.atomic():
        row = interaction_for(actor, interaction_id, "change", lock=True)
        refuse_if_erased(row.customer)
        customer_id, pk = row.customer_id, row.pk
        row.delete()
        remove_entries(kind=TIMELINE_KIND, object_ids=[pk])
        refresh_figures([customer_id], sources=[FIGURES])
        record_audit(
            actor=actor,
            action="delete",
            object_type="interaction",
            object_id=pk,
            customer_id=customer_id,
            changes={"channel": row.channel, "direction": row.direction},
        )
