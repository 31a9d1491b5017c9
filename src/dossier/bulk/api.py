"""REST endpoints of bulk actions (mounted at /api/v1/bulk-actions). Thin: parse, call, return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.urls import reverse
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from dossier.accounts.auth import ApiRequest
from dossier.bulk import selectors, services
from dossier.bulk.actions import ACTIONS
from dossier.bulk.models import BulkAction
from dossier.core.schemas import ERRORS, TEXT, OneOf, RecordId

router = Router(tags=["bulk actions"])
Text = Annotated[str, Field(max_length=200, pattern=TEXT)]
IdList = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=services.MAX_IDS)]


class ParametersIn(Schema):
    tag: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = Field(
        None, description="add_tag, remove_tag: the tag's id."
    )
    owner: Annotated[str, Field(max_length=150, pattern=TEXT)] | None = Field(
        None, description="change_owner: the new owner's user name."
    )
    lifecycle: Annotated[str, Field(max_length=32, pattern=TEXT)] | None = Field(
        None, description="change_lifecycle: lead, prospect, active, dormant or churned."
    )
    campaign: RecordId | None = Field(None, description="add_to_campaign: the campaign's id.")
    format: Annotated[str, OneOf(["csv", "xlsx", "json"], checked=True)] | None = Field(
        None, description="export: csv (default), xlsx or json."
    )


class FiltersIn(Schema):
    q: Text = ""
    tag: Text = ""
    template: Text = ""
    owner: Text = ""
    status: Text = ""


class BulkActionIn(Schema):
    """An action and its selection: ``ids`` or ``filters``, exactly one of them."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["ids"]}, {"required": ["filters"]}]}
    )

    action: Annotated[str, OneOf(list(ACTIONS), checked=True)]
    parameters: ParametersIn = ParametersIn()  # type: ignore[call-arg]
    # not nullable in the document: a selection is named, never left out by a null
    ids: IdList = Field(None, description="The chosen ids.")  # type: ignore[arg-type]
    filters: FiltersIn = Field(None, description="All matching.")  # type: ignore[arg-type,assignment]


class FailureOut(Schema):
    customer: str
    code: str
    reason: str


class UndoOut(Schema):
    restored: int
    skipped: list[FailureOut]


class BulkActionOut(Schema):
    id: int
    action: str
    parameters: dict[str, Any]
    filters: dict[str, str] | None
    ids: int | None = Field(description="How many ids were chosen (None for filters).")
    state: str
    total: int
    done: int
    failed: int
    percent: int
    failures: list[FailureOut]
    undoable: bool
    undone_at: datetime | None
    undo: UndoOut | None
    download: str | None
    created_at: datetime
    finished_at: datetime | None


def present(bulk: BulkAction) -> dict[str, Any]:
    return {
        "id": bulk.pk,
        "action": bulk.action,
        "parameters": bulk.parameters,
        "filters": bulk.filters,
        "ids": len(bulk.ids) if bulk.ids is not None else None,
        "state": bulk.state,
        "total": bulk.total,
        "done": bulk.done,
        "failed": bulk.failed,
        "percent": bulk.percent,
        "failures": bulk.failures,
        "undoable": services.may_be_undone(bulk),
        "undone_at": bulk.undone_at,
        "undo": bulk.undo_report or None,
        "download": reverse("bulk:download", args=[bulk.pk]) if bulk.action == "export" else None,
        "created_at": bulk.created_at,
        "finished_at": bulk.finished_at,
    }


@router.post("", response={201: BulkActionOut, **ERRORS})
def start_bulk_action(request: ApiRequest, payload: BulkActionIn) -> Any:
    """Add or remove a tag, change the owner or lifecycle, export, delete or add to a campaign,
    for the customers listed in `ids` (up to 10,000) or all matching `filters`.

    Up to 200 customers are handled at once; more are queued (`state` queued or running: poll
    GET /bulk-actions/{id}). Customers you may not change are counted in `failed` and listed
    in `failures` with the reason; the others are changed all the same.
    """
    bulk = services.start_bulk_action(
        actor=request.user,
        action=payload.action,
        parameters=payload.parameters.dict(exclude_none=True),
        ids=payload.ids,
        filters=payload.filters.dict() if payload.filters is not None else None,
    )
    return Status(201, present(bulk))


@router.get("/{bulk_id}", response={200: BulkActionOut, **ERRORS})
def get_bulk_action(request: ApiRequest, bulk_id: RecordId) -> Any:
    """A bulk action's progress: its author's, or their team's for a manager."""
    return present(selectors.bulk_action_for(actor=request.user, bulk_id=bulk_id))


@router.post("/{bulk_id}/undo", response={200: BulkActionOut, **ERRORS})
def undo_bulk_action(request: ApiRequest, bulk_id: RecordId) -> Any:
    """Put back tags, owners, lifecycles or deleted customers as they were before the action,
    for customers unchanged since (the others are listed in `undo.skipped`)."""
    return present(services.undo_bulk_action(actor=request.user, bulk_id=bulk_id))
