"""Reading the pipeline: always from the opportunities whose customers the actor may see.

Every read starts from ``restrict_owned(Opportunity…, actor, action)``, so the board, the API
list and a single opportunity cannot show different things to the same user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import may, restrict_owned
from dossier.customers.selectors import customer_names
from dossier.pipeline.models import Opportunity, Stage
from dossier.templates.models import Scenario

MAX_PAGE_SIZE = 200
#: the most cards one column of the board shows (the newest moves first)
CARDS_PER_COLUMN = 50
CENT = Decimal("0.01")
PERMISSION = {"view": "pipeline.view_opportunity", "change": "pipeline.change_opportunity"}


def _opportunities() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related("stage", "owner", "customer__template")


def may_see_pipeline(actor: MaybeActor) -> bool:
    """Whether the actor may see opportunities at all."""
    return may(actor, PERMISSION["view"])


def opportunity_for(
    actor: MaybeActor, opportunity_id: Any, action: str = "view", *, lock: bool = False
) -> Opportunity:
    """The one opportunity the actor may ``view`` or ``change``.

    403 when the actor's role does not work with opportunities, or when they may see this
    one but not change it; 404 when its customer is out of their sight (nothing confirmed).
    """
    if not may(actor, PERMISSION[action]):
        raise PermissionDenied(_("You may not work with opportunities."))
    try:
        number = int(opportunity_id)
    except (TypeError, ValueError):
        number = 0
    if not 0 < number < 2**63:
        raise NotFound(_("No such opportunity."), code="opportunity_not_found")
    rows = _opportunities()
    if lock:
        rows = rows.select_for_update(of=("self",))
    found = restrict_owned(rows, actor, action).filter(pk=number).first()
    if found is not None:
        return found
    if action != "view" and (
        restrict_owned(Opportunity.objects.all(), actor, "view").filter(pk=number).exists()
    ):
        raise PermissionDenied(_("You may not change this opportunity."))
    raise NotFound(_("No such opportunity."), code="opportunity_not_found")


def stage_list(*, actor: MaybeActor, scenario: str = "") -> QuerySet[Stage]:
    """The stages of one scenario's pipeline (or of every scenario), in board order."""
    if not may(actor, "pipeline.view_stage"):
        raise PermissionDenied(_("You may not see the pipeline."))
    stages = Stage.objects.all()
    if scenario:
        stages = stages.filter(scenario=check_scenario(scenario))
    return stages.order_by("scenario", "position", "id")


def check_scenario(scenario: str) -> str:
    """A template scenario's key, or ValidationFailed naming ``scenario``."""
    if scenario not in Scenario.values:
        raise ValidationFailed(
            _("Unknown scenario."),
            errors=[
                FieldError("invalid_choice", field="scenario", label="scenario", value=scenario)
            ],
        )
    return scenario


@dataclass
class OpportunityFilters:
    """Filters of the opportunity list (each optional)."""

    stage: str = ""
    scenario: str = ""
    owner: str = ""
    customer_id: str = ""


@dataclass
class OpportunityPage:
    items: list[dict[str, Any]]
    next_cursor: int | None


def opportunity_queryset(
    *, actor: MaybeActor, filters: OpportunityFilters | None = None
) -> QuerySet[Opportunity]:
    """The opportunities the actor may see, filtered; not yet ordered."""
    if not may_see_pipeline(actor):
        raise PermissionDenied(_("You may not see opportunities."))
    filters = filters or OpportunityFilters()
    rows = restrict_owned(_opportunities(), actor, "view")
    if filters.stage:
        rows = rows.filter(stage__key=filters.stage)
    if filters.scenario:
        rows = rows.filter(stage__scenario=filters.scenario)
    if filters.owner:
        owner_id = (
            actor.pk
            if filters.owner == "me"
            else get_user_model()
            .objects.filter(username=filters.owner)
            .values_list("pk", flat=True)
            .first()
        )
        rows = rows.filter(owner_id=owner_id) if owner_id else rows.none()
    if filters.customer_id:
        rows = rows.filter(customer_id=filters.customer_id)
    return rows


def opportunity_list(
    *,
    actor: MaybeActor,
    filters: OpportunityFilters | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> OpportunityPage:
    """One page of opportunities, newest first; ``next_cursor`` pages on."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = opportunity_queryset(actor=actor, filters=filters)
    if cursor is not None:
        rows = rows.filter(id__lt=cursor)
    page = list(rows.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    names = customer_names(actor=actor, customer_ids=[o.customer_id for o in page])
    return OpportunityPage(
        items=[present(o, names) for o in page],
        next_cursor=page[-1].pk if more and page else None,
    )


def get_opportunity(*, actor: MaybeActor, opportunity_id: Any) -> dict[str, Any]:
    """One opportunity as the actor may see it."""
    found = opportunity_for(actor, opportunity_id, "view")
    return present(found, customer_names(actor=actor, customer_ids=[found.customer_id]))


def present_stage(stage: Stage) -> dict[str, Any]:
    return {
        "id": stage.pk,
        "scenario": stage.scenario,
        "key": stage.key,
        "name_zh": stage.name_zh,
        "name_en": stage.name_en,
        "position": stage.position,
        "probability": stage.probability,
        "kind": stage.kind,
    }


def present(opportunity: Opportunity, names: dict[str, str]) -> dict[str, Any]:
    """An opportunity as plain data with explicit fields (the customer's name as masked)."""
    return {
        "id": opportunity.pk,
        "customer_id": str(opportunity.customer_id),
        "customer_name": names.get(str(opportunity.customer_id), ""),
        "title": opportunity.title,
        "amount": str(opportunity.amount),
        "currency": opportunity.currency,
        "stage": present_stage(opportunity.stage),
        "probability": opportunity.probability,
        "expected_close": opportunity.expected_close,
        "next_step": opportunity.next_step,
        "owner": opportunity.owner.get_username() if opportunity.owner else None,
        "won_reason": opportunity.won_reason,
        "lost_reason": opportunity.lost_reason,
        "stage_changed_at": opportunity.stage_changed_at,
        "last_activity_at": opportunity.last_activity_at,
        "closed_at": opportunity.closed_at,
        "created_at": opportunity.created_at,
    }


@dataclass
class Column:
    """One stage of the board: its cards (newest moves first), how many and how much."""

    stage: Stage
    cards: list[Opportunity] = field(default_factory=list)
    count: int = 0
    totals: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return max(0, self.count - len(self.cards))


@dataclass
class Board:
    scenario: str
    columns: list[Column]
    names: dict[str, str]
    stages: list[Stage]


def board(*, actor: MaybeActor, scenario: str, per_column: int = CARDS_PER_COLUMN) -> Board:
    """The kanban of one scenario: a column per stage, the opportunities the actor may see."""
    stages = list(stage_list(actor=actor, scenario=scenario))
    rows = opportunity_queryset(actor=actor, filters=OpportunityFilters(scenario=scenario))
    columns = {stage.pk: Column(stage=stage) for stage in stages}
    sums = (
        rows.order_by().values("stage_id", "currency").annotate(n=Count("id"), total=Sum("amount"))
    )
    for row in sums:
        column = columns.get(row["stage_id"])
        if column is not None:
            column.count += row["n"]
            column.totals.append((row["currency"], (row["total"] or Decimal(0)).quantize(CENT)))
    for column in columns.values():
        if column.count:
            column.cards = list(
                rows.filter(stage_id=column.stage.pk).order_by("-stage_changed_at", "-id")[
                    :per_column
                ]
            )
    shown = [card.customer_id for column in columns.values() for card in column.cards]
    return Board(
        scenario=scenario,
        columns=list(columns.values()),
        names=customer_names(actor=actor, customer_ids=shown),
        stages=stages,
    )


def load_for_timeline(actor: MaybeActor, object_ids: Sequence[str]) -> dict[str, Any]:
    """The opportunities behind timeline entries that the actor may see, by id."""
    if not may_see_pipeline(actor):
        return {}
    ids = [int(pk) for pk in object_ids if str(pk).isdecimal()]
    rows = restrict_owned(Opportunity.objects.select_related("stage"), actor, "view")
    return {str(o.pk): o for o in rows.filter(pk__in=ids)}
