"""How interactions plug into the generic processes: the customer-data registry (export,
erasure, merge), the figures, the 360 page's timeline and its quick actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from dossier.activity.figures import FigureSource, register_figure_source
from dossier.activity.kinds import QuickAction, TimelineKind, register_kind, register_quick_action
from dossier.core.actors import MaybeActor
from dossier.customers.access import allows
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.interactions.models import Channel, Direction, Interaction
from dossier.interactions.selectors import interactions_for_timeline
from dossier.interactions.services import FIGURES, TIMELINE_KIND


def interactions_copy(customer: Customer) -> list[dict[str, Any]]:
    """Every contact with the customer and what was noted about it (their copy of their data)."""
    rows = Interaction.objects.filter(customer_id=customer.pk).order_by("occurred_at", "id")
    return [
        {
            "channel": row.channel,
            "direction": row.direction,
            "occurred_at": row.occurred_at.isoformat(),
            "duration_seconds": row.duration_seconds,
            "subject": row.subject,
            "notes": row.notes,
            "outcome": row.outcome,
            "next_step": row.next_step,
        }
        for row in rows
    ]


def blank_texts(rows: QuerySet[Any]) -> None:
    """Erasure: what was said goes; that a contact happened (channel, time, length) stays, so
    the figures kept through erasure still add up."""
    rows.update(subject="", notes="", next_step="")


def recount_last_contact(customer_ids: Sequence[Any] | None) -> Mapping[Any, Mapping[str, Any]]:
    """``last_interaction_at`` from the rows: the latest contact (notes do not count)."""
    rows = Interaction.objects.exclude(channel=Channel.NOTE).exclude(direction=Direction.INTERNAL)
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=list(customer_ids))
    latest = rows.values("customer_id").annotate(last=Max("occurred_at")).order_by()
    return {row["customer_id"]: {"last_interaction_at": row["last"]} for row in latest}


def may_log(actor: MaybeActor, customer: Any) -> bool:
    """The quick actions are for those who may change the customer (not an erased one)."""
    return customer.erased_at is None and allows(actor, customer, "change")


def register_interactions() -> None:
    moves = repoint_rows(CustomerData(key="interactions", model=Interaction))
    register(
        CustomerData(
            key="interactions",
            model=Interaction,
            export=interactions_copy,
            erasure="anonymise",
            anonymise=blank_texts,
            repoint=moves,
        )
    )
    register_figure_source(
        FigureSource(key=FIGURES, columns=("last_interaction_at",), recount=recount_last_contact)
    )
    register_kind(
        TimelineKind(
            key=TIMELINE_KIND,
            label=_("Interaction"),
            template="interactions/_entry.html",
            load=interactions_for_timeline,
        )
    )
    register_quick_action(
        QuickAction(
            key="log_call",
            label=_("Log a call"),
            template="interactions/_log_call.html",
            allowed=may_log,
        )
    )
    register_quick_action(
        QuickAction(
            key="add_note",
            label=_("Add a note"),
            template="interactions/_add_note.html",
            allowed=may_log,
        )
    )
