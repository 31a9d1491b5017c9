"""Shapes of the insights API: segments, their counts and their customers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

Visibility = Literal["personal", "team", "everyone"]
RULES_HELP = (
    'A rule tree: {"all": [...]}, {"any": [...]}, {"not": {...}} or a condition such as '
    '{"field": "orders", "metric": "count", "within_days": 90, "op": "gte", "value": 3}. '
    "GET /insights/segments/fields lists every field with its operators and parameters."
)


class SegmentIn(Schema):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=500)
    visibility: Visibility = "team"
    rules: dict[str, Any] = Field(..., description=RULES_HELP)


class SegmentPatch(Schema):
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=500)
    visibility: Visibility | None = None
    rules: dict[str, Any] | None = Field(None, description=RULES_HELP)


class RulesIn(Schema):
    rules: dict[str, Any] = Field(..., description=RULES_HELP)


class CountOut(Schema):
    count: int | None = Field(
        ..., description="Customers matching, among those you may see; null when suppressed."
    )
    suppressed: bool = Field(
        ..., description="True when fewer than 5 match and your role sees aggregates only."
    )
    shown: str = Field(..., description='The count as shown ("1,234" or "< 5").')


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    visibility: Visibility
    rules: dict[str, Any]
    owner: str
    last_count: int | None
    last_counted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    may_change: bool


class SegmentPageOut(Schema):
    items: list[SegmentOut]


class SegmentCustomerOut(Schema):
    id: str
    name: str


class SegmentCustomersOut(Schema):
    items: list[SegmentCustomerOut]
    next_cursor: str | None


class RuleFieldOut(Schema):
    key: str
    label: str
    source: str
    ops: list[str]
    params: list[str]


class TagRuleIn(Schema):
    segment_id: int = Field(..., ge=1, le=2**63 - 1)
    tag_id: int = Field(..., ge=1, le=2**63 - 1)


class TagRuleOut(Schema):
    id: int
    segment_id: int
    segment: str
    tag_id: int
    tag: str
    last_applied_at: datetime | None
    last_added: int
    last_removed: int


class RecommendationOut(Schema):
    sku: str
    name: str
    score: float = Field(..., description="Share of buyers of a product bought who bought it too.")
    reason: str


class GradeAmountsIn(Schema):
    spend: Any = Field(None, description="Minimum total spend for the grade (≥ 0).")
    value: Any = Field(None, description="Minimum predicted lifetime value for the grade (≥ 0).")


class GradeThresholdsIn(Schema):
    """A scenario's thresholds; each measure must go A ≥ B ≥ C ≥ 0."""

    A: GradeAmountsIn
    B: GradeAmountsIn
    C: GradeAmountsIn


class GradeAmountsOut(Schema):
    spend: float
    value: float


class GradeThresholdsOut(Schema):
    scenario: str = Field(..., description='A template scenario, or "*" for every other one.')
    label: str
    source: Literal["saved", "settings", "default", "every"]
    A: GradeAmountsOut
    B: GradeAmountsOut
    C: GradeAmountsOut
    updated_at: datetime | None = None
    updated_by: str = ""
