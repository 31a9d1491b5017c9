"""REST endpoints of the pipeline: /opportunities and /pipeline/stages (thin: parse, call)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, OneOf, RecordId
from dossier.pipeline import selectors, services
from dossier.pipeline.schemas import (
    MoveIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPageOut,
    OpportunityPatch,
    StageOut,
    StagePatch,
)
from dossier.templates.models import Scenario

opportunities_router = Router(tags=["opportunities"])
stages_router = Router(tags=["pipeline"])

ScenarioKey = Annotated[str, OneOf(Scenario.values, checked=True)]


@opportunities_router.get("", response={200: OpportunityPageOut, **ERRORS})
def list_opportunities(
    request: ApiRequest,
    stage: Annotated[str, Field(max_length=32)] = "",
    scenario: ScenarioKey | None = None,
    owner: Annotated[str, Field(max_length=150)] = Query("", description="User name, or `me`."),
    customer_id: UUID | None = None,
    cursor: Annotated[int, Field(ge=1)] | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """Opportunities whose customers you may see, newest first; `cursor` is `next_cursor`."""
    filters = selectors.OpportunityFilters(
        stage=stage.replace("\x00", ""),
        scenario=scenario or "",
        owner=owner.replace("\x00", ""),
        customer_id=str(customer_id or ""),
    )
    page = selectors.opportunity_list(
        actor=request.user, filters=filters, cursor=cursor, limit=limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@opportunities_router.post("", response={201: OpportunityOut, **ERRORS})
def create_opportunity(request: ApiRequest, payload: OpportunityIn) -> Any:
    """A new opportunity for a customer you may change (in a stage of its scenario)."""
    created = services.create_opportunity(
        actor=request.user,
        customer_id=payload.customer_id,
        title=payload.title,
        amount=payload.amount,
        currency=payload.currency,
        stage_id=payload.stage_id,
        probability=payload.probability,
        expected_close=payload.expected_close,
        next_step=payload.next_step,
        owner=payload.owner,
        won_reason=payload.won_reason,
        lost_reason=payload.lost_reason,
    )
    return Status(201, selectors.get_opportunity(actor=request.user, opportunity_id=created.pk))


@opportunities_router.get("/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def get_opportunity(request: ApiRequest, opportunity_id: RecordId) -> Any:
    return selectors.get_opportunity(actor=request.user, opportunity_id=opportunity_id)


@opportunities_router.patch("/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def update_opportunity(
    request: ApiRequest, opportunity_id: RecordId, payload: OpportunityPatch
) -> Any:
    """Change some fields (send only those); the stage changes with `/move`."""
    services.update_opportunity(
        actor=request.user,
        opportunity_id=opportunity_id,
        changes=payload.dict(exclude_unset=True),
    )
    return selectors.get_opportunity(actor=request.user, opportunity_id=opportunity_id)


@opportunities_router.post("/{opportunity_id}/move", response={200: OpportunityOut, **ERRORS})
def move_opportunity(request: ApiRequest, opportunity_id: RecordId, payload: MoveIn) -> Any:
    """Move to another stage of the customer's scenario; won and lost stages need a reason."""
    services.move_opportunity(
        actor=request.user,
        opportunity_id=opportunity_id,
        stage_id=payload.stage_id,
        won_reason=payload.won_reason,
        lost_reason=payload.lost_reason,
        probability=payload.probability,
    )
    return selectors.get_opportunity(actor=request.user, opportunity_id=opportunity_id)


@stages_router.get("/stages", response={200: list[StageOut], **ERRORS})
def list_stages(request: ApiRequest, scenario: ScenarioKey | None = None) -> Any:
    """The stages of a scenario's pipeline (or of every scenario), in board order."""
    stages = selectors.stage_list(actor=request.user, scenario=scenario or "")
    return [selectors.present_stage(stage) for stage in stages]


@stages_router.patch("/stages/{stage_id}", response={200: StageOut, **ERRORS})
def update_stage(request: ApiRequest, stage_id: RecordId, payload: StagePatch) -> Any:
    """Rename, reorder or re-weigh a stage (administrators); its key and kind stay."""
    # null for a name, a position or a probability leaves it as it is (the English name may
    # be cleared): a stage always has them
    given = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in given.items() if v is not None or k == "name_en"}
    stage = services.update_stage(actor=request.user, stage_id=stage_id, changes=changes)
    return selectors.present_stage(stage)
