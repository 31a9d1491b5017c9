"""REST endpoints of segments (mounted at /api/v1/insights). Thin: parse, call, return."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import get_language
from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, RecordId
from dossier.insights import selectors, services
from dossier.insights.rules import FIELDS
from dossier.insights.schemas import (
    CountOut,
    RuleFieldOut,
    RulesIn,
    SegmentCustomersOut,
    SegmentIn,
    SegmentOut,
    SegmentPageOut,
    SegmentPatch,
)

router = Router(tags=["segments"])


@router.get("/segments", response={200: SegmentPageOut, **ERRORS})
def list_segments(request: ApiRequest) -> Any:
    """The segments you may see: yours, your team's shared ones, everyone's."""
    return {"items": selectors.segment_rows(actor=request.user)}


@router.get("/segments/fields", response={200: list[RuleFieldOut], **ERRORS})
def rule_fields(request: ApiRequest) -> Any:
    """What segment rules may test, with the operators and parameters of each field.

    Template attributes are tested as `attributes.<key>` (eq, ne, in, not_in, empty,
    not_empty, contains); personal and sensitive values are not in `attributes`.
    """
    selectors.checked_may_use(request.user)
    language = get_language() or "en"
    return [
        {
            "key": f.key,
            "label": f.label.label(language),
            "source": f.source,
            "ops": list(f.ops),
            "params": list(f.params),
        }
        for f in FIELDS.values()
    ]


@router.post("/segments/count", response={200: CountOut, **ERRORS})
def count_rules(request: ApiRequest, payload: RulesIn) -> Any:
    """How many customers a rule tree describes (the live preview of the editor)."""
    return selectors.count_rules(actor=request.user, rules=payload.rules).as_dict()


@router.post("/segments", response={201: SegmentOut, **ERRORS})
def create_segment(request: ApiRequest, payload: SegmentIn) -> Any:
    """Save a segment; its members are whoever matches its rules when it is used."""
    segment = services.create_segment(actor=request.user, **payload.dict())
    return Status(201, selectors.segment_row(actor=request.user, segment_id=segment.pk))


@router.get("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def get_segment(request: ApiRequest, segment_id: RecordId) -> Any:
    return selectors.segment_row(actor=request.user, segment_id=segment_id)


@router.patch("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def update_segment(request: ApiRequest, segment_id: RecordId, payload: SegmentPatch) -> Any:
    """Rename, re-share or change the rules of a segment (its owner, their manager, admins)."""
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.update_segment(actor=request.user, segment_id=segment_id, **changes)
    return selectors.segment_row(actor=request.user, segment_id=segment_id)


@router.delete("/segments/{segment_id}", response={204: None, **ERRORS})
def delete_segment(request: ApiRequest, segment_id: RecordId) -> Any:
    services.delete_segment(actor=request.user, segment_id=segment_id)
    return Status(204, None)


@router.get("/segments/{segment_id}/count", response={200: CountOut, **ERRORS})
def count_segment(request: ApiRequest, segment_id: RecordId) -> Any:
    """The segment's size now, among the customers you may see."""
    segment = selectors.get_segment(actor=request.user, segment_id=segment_id)
    return selectors.count_rules(actor=request.user, rules=segment.rules).as_dict()


@router.get("/segments/{segment_id}/customers", response={200: SegmentCustomersOut, **ERRORS})
def segment_customers(
    request: ApiRequest,
    segment_id: RecordId,
    cursor: UUID | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> Any:
    """The segment's customers you may see (ids and names), newest first, by cursor.

    Roles that see aggregates only (analysts) get 403.
    """
    return selectors.segment_customer_page(
        actor=request.user, segment_id=segment_id, cursor=cursor, limit=limit
    )
