"""REST endpoints of segments (mounted at /api/v1/insights). Thin: parse, call, return."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from django.utils.translation import get_language
from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.campaigns.schemas import AddReportOut
from dossier.core.schemas import ERRORS, OneOf, RecordId
from dossier.insights import recommendations, selectors, services, tag_rules, thresholds
from dossier.insights.rules import FIELDS
from dossier.insights.schemas import (
    CountOut,
    GradeThresholdsIn,
    GradeThresholdsOut,
    RecommendationOut,
    RuleFieldOut,
    RulesIn,
    SegmentCustomersOut,
    SegmentIn,
    SegmentOut,
    SegmentPageOut,
    SegmentPatch,
    TagRuleIn,
    TagRuleOut,
)
from dossier.loyalty.schemas import IssueOut

router = Router(tags=["segments"])
#: a template scenario, or "*" for every scenario without thresholds of its own
ScenarioKey = Annotated[str, OneOf([key for key, _label in thresholds.scenario_keys()])]


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


def _rule_row(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "segment_id": rule.segment_id,
        "segment": rule.segment.name,
        "tag_id": rule.tag_id,
        "tag": rule.tag.name,
        "last_applied_at": rule.last_applied_at,
        "last_added": rule.last_added,
        "last_removed": rule.last_removed,
    }


@router.get("/tag-rules", response={200: list[TagRuleOut], **ERRORS})
def list_tag_rules(request: ApiRequest) -> Any:
    """Tags kept by segments you may see (applied nightly, after the scores)."""
    selectors.checked_may_use(request.user)
    return [_rule_row(rule) for rule in tag_rules.tag_rules(actor=request.user)]


@router.post("/tag-rules", response={201: TagRuleOut, **ERRORS})
def create_tag_rule(request: ApiRequest, payload: TagRuleIn) -> Any:
    """Keep a tag on a segment's members: given now to those who match, taken nightly from
    those who no longer do (a tag staff gave by hand is never taken). Needs tag editing."""
    rule = tag_rules.create_tag_rule(
        actor=request.user, segment_id=payload.segment_id, tag_id=payload.tag_id
    )
    rule.refresh_from_db()
    return Status(201, _rule_row(rule))


@router.delete("/tag-rules/{rule_id}", response={204: None, **ERRORS})
def delete_tag_rule(request: ApiRequest, rule_id: RecordId) -> Any:
    """Stop a rule; the tags it gave stay."""
    tag_rules.delete_tag_rule(actor=request.user, rule_id=rule_id)
    return Status(204, None)


@router.get(
    "/customers/{customer_id}/recommendations", response={200: list[RecommendationOut], **ERRORS}
)
def customer_recommendations(
    request: ApiRequest, customer_id: UUID, limit: int = Query(5, ge=1, le=20)
) -> Any:
    """The next products to offer the customer, best first, each with its reason."""
    found = recommendations.recommendations_for(
        actor=request.user, customer_id=customer_id, limit=limit
    )
    return [vars(item) for item in found]


@router.post(
    "/segments/{segment_id}/campaigns/{campaign_id}", response={200: AddReportOut, **ERRORS}
)
def add_segment_to_campaign(
    request: ApiRequest, segment_id: RecordId, campaign_id: RecordId
) -> Any:
    """Add the segment's customers you may see to a campaign. Those without consent for the
    campaign's purpose on its channel, restricted or erased are left out, with the reason."""
    report = services.add_segment_to_campaign(
        actor=request.user, segment_id=segment_id, campaign_id=campaign_id
    )
    return {
        "added": report.added,
        "already_members": report.already_members,
        "skipped": dict(report.skipped),
        "left_out": [{"customer_id": pk, "reason": why} for pk, why in report.left_out],
    }


@router.post(
    "/segments/{segment_id}/coupon-campaigns/{campaign_id}", response={200: IssueOut, **ERRORS}
)
def issue_coupons_to_segment(
    request: ApiRequest, segment_id: RecordId, campaign_id: RecordId
) -> Any:
    """One coupon of a coupon campaign to each of the segment's customers you may see and
    market to (one per customer per campaign; the restricted and erased are left out)."""
    return services.issue_coupons_to_segment(
        actor=request.user, segment_id=segment_id, campaign_id=campaign_id
    )


def _thresholds_row(row: thresholds.ScenarioThresholds) -> dict[str, Any]:
    amounts = {g: {"spend": s, "value": v} for g, (s, v) in row.thresholds.items()}
    return {
        "scenario": row.scenario,
        "label": row.label,
        "source": row.source,
        **amounts,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }


@router.get("/grade-thresholds", response={200: list[GradeThresholdsOut], **ERRORS})
def list_grade_thresholds(request: ApiRequest) -> Any:
    """Every scenario's A/B/C thresholds in force (administrators and managers)."""
    return [_thresholds_row(row) for row in thresholds.threshold_rows(actor=request.user)]


@router.put("/grade-thresholds/{scenario}", response={200: GradeThresholdsOut, **ERRORS})
def set_grade_thresholds(
    request: ApiRequest, scenario: ScenarioKey, payload: GradeThresholdsIn
) -> Any:
    """Set a scenario's thresholds ("*": every scenario without its own). Grades follow at
    the next nightly refresh; unordered or negative amounts are refused, naming the field."""
    thresholds.set_grade_thresholds(
        actor=request.user, scenario=scenario, thresholds=payload.dict()
    )
    rows = thresholds.threshold_rows(actor=request.user)
    return next(_thresholds_row(row) for row in rows if row.scenario == scenario)


@router.delete("/grade-thresholds/{scenario}", response={204: None, **ERRORS})
def reset_grade_thresholds(request: ApiRequest, scenario: ScenarioKey) -> Any:
    """Forget a scenario's saved thresholds: the configured ones apply again."""
    thresholds.reset_grade_thresholds(actor=request.user, scenario=scenario)
    return Status(204, None)
