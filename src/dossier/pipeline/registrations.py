"""The pipeline's tables in the customer-data registry, its timeline kind and quick action."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dossier.activity.kinds import QuickAction, TimelineKind, register_kind, register_quick_action
from dossier.core.actors import MaybeActor
from dossier.customers.access import allows, may
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.pipeline.models import Opportunity, StageChange
from dossier.pipeline.selectors import load_for_timeline
from dossier.pipeline.services import TIMELINE_KIND

#: what an erased customer's opportunity is called (its amount and stage stay, for the totals)
ERASED_TITLE = "—"


def opportunities_copy(customer: Customer) -> list[dict[str, Any]]:
    """The customer's opportunities, with the free text staff wrote about them."""
    rows = Opportunity.objects.filter(customer_id=customer.pk).select_related("stage")
    return [
        {
            "title": o.title,
            "amount": str(o.amount),
            "currency": o.currency,
            "stage": o.stage.key,
            "probability": o.probability,
            "expected_close": o.expected_close.isoformat() if o.expected_close else None,
            "next_step": o.next_step,
            "won_reason": o.won_reason,
            "lost_reason": o.lost_reason,
            "created_at": o.created_at.isoformat(),
            "closed_at": o.closed_at.isoformat() if o.closed_at else None,
        }
        for o in rows.order_by("id")
    ]


def stage_history_copy(customer: Customer) -> list[dict[str, Any]]:
    """Every move of the customer's opportunities between stages."""
    rows = StageChange.objects.filter(customer_id=customer.pk).select_related(
        "from_stage", "to_stage"
    )
    return [
        {
            "opportunity": str(c.opportunity_id),
            "from": c.from_stage.key if c.from_stage else None,
            "to": c.to_stage.key,
            "changed_at": c.changed_at.isoformat(),
        }
        for c in rows.order_by("changed_at", "id")
    ]


def anonymise_opportunities(rows: QuerySet[Any]) -> None:
    """Keep the amounts and stages (pipeline totals still add up); drop what names anyone."""
    rows.update(title=ERASED_TITLE, next_step="", won_reason="", lost_reason="")


def _may_create(actor: MaybeActor, customer: Any) -> bool:
    return (
        customer.erased_at is None
        and may(actor, "pipeline.add_opportunity")
        and allows(actor, customer, "change")
    )


def register_pipeline() -> None:
    """Opportunities are anonymised on erasure, their history (stage keys, times) kept;
    both move with a merge."""
    opportunities = CustomerData(key="opportunities", model=Opportunity)
    register(
        CustomerData(
            key="opportunities",
            model=Opportunity,
            export=opportunities_copy,
            erasure="anonymise",
            anonymise=anonymise_opportunities,
            repoint=repoint_rows(opportunities),
        )
    )
    history = CustomerData(key="opportunity_stages", model=StageChange)
    register(
        CustomerData(
            key="opportunity_stages",
            model=StageChange,
            export=stage_history_copy,
            erasure="keep",
            repoint=repoint_rows(history),
        )
    )
    register_kind(
        TimelineKind(
            key=TIMELINE_KIND,
            label=_("Opportunity"),
            template="pipeline/_timeline_entry.html",
            load=load_for_timeline,
        )
    )
    register_quick_action(
        QuickAction(
            key="opportunity",
            label=_("New opportunity"),
            template="pipeline/_quick_create.html",
            allowed=_may_create,
        )
    )
