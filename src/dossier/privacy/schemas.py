"""API shapes for data-subject requests, erasure, self-service links and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from dossier.core.schemas import IsoDateTime, OneOf, RecordId, documented
from dossier.privacy.models import ProcessingRestriction, RetentionPolicy, SubjectRequest
from dossier.privacy.requests import MAX_DUE_DAYS
from dossier.privacy.retention import ALLOWED_ACTIONS, AUDIT_MINIMUM_MONTHS, MAX_MONTHS
from dossier.privacy.selfservice import MAX_DAYS


class RequestIn(Schema):
    customer_id: UUID
    kind: Annotated[str, OneOf(SubjectRequest.Kind.values)]
    received_via: Annotated[str, OneOf(SubjectRequest.Via.values)]
    due_in_days: int = Field(
        15,
        description="Days to answer (PIPL practice: 15).",
        json_schema_extra=documented(minimum=1, maximum=MAX_DUE_DAYS),
    )
    note: str = Field("", max_length=5000, description="What the customer asked for.")
    received_at: IsoDateTime | None = Field(
        None, description="When the request arrived (default: now; up to a year back)."
    )


class RequestOut(Schema):
    id: int
    customer_id: str
    kind: str
    status: str
    received_via: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    closed_at: datetime | None
    note: str
    refusal_reason: str
    outcome: dict[str, Any]


class CompleteIn(Schema):
    note: str = Field("", max_length=500)


class RefuseIn(Schema):
    reason: str = Field(
        ...,
        max_length=2000,
        description="What the customer is told.",
        json_schema_extra=documented(pattern=r"\S"),
    )


class EraseIn(Schema):
    request_id: RecordId | None = Field(None, description="The deletion request this answers.")


class TombstoneOut(Schema):
    customer_id: str
    erased_at: datetime
    cause: str
    mode: str
    fields: list[str]


class RestrictIn(Schema):
    reason: str = Field("", max_length=500)
    request_id: RecordId | None = None


class LiftIn(Schema):
    scope: Annotated[str, OneOf(ProcessingRestriction.Scope.values, checked=True)] = Field(
        "all", description="all (restriction) or marketing (objection)"
    )
    reason: str = Field("", max_length=500)


class RestrictionOut(Schema):
    id: int
    customer_id: str
    scope: str
    reason: str
    started_at: datetime
    lifted_at: datetime | None


class LinkIn(Schema):
    days: int = Field(
        7,
        description="How many days the link works.",
        json_schema_extra=documented(minimum=1, maximum=MAX_DAYS),
    )


class LinkOut(Schema):
    url: str
    expires_at: datetime


def _policy_variants(schema: dict[str, Any]) -> None:
    # the retention service's rules, per category: which actions, how few months
    variants = []
    for category, actions in ALLOWED_ACTIONS.items():
        least = AUDIT_MINIMUM_MONTHS if category == RetentionPolicy.Category.AUDIT_LOG else 1
        variants.append(
            {
                "properties": {
                    "category": {"enum": [str(category)]},
                    "months": {"minimum": least, "maximum": MAX_MONTHS},
                    "action": {"enum": [str(a) for a in actions]},
                }
            }
        )
    schema["oneOf"] = variants


class PolicyIn(Schema):
    """A category, how many months it is kept and what then happens to it."""

    model_config = ConfigDict(json_schema_extra=_policy_variants)

    category: Annotated[str, OneOf(RetentionPolicy.Category.values)]
    months: int
    action: Annotated[str, OneOf(RetentionPolicy.Action.values)] = Field(
        ..., description="anonymise or delete; audit_log: keep"
    )

    @field_validator("months", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: Any) -> Any:
        # JSON true is not 1 month (pydantic's lax mode would read it so); 12.0 is 12
        if isinstance(value, bool):
            raise ValueError("months must be a whole number, not true or false")
        return value


class PolicyOut(Schema):
    category: str
    months: int
    action: str
    updated_at: datetime


class RetentionReportOut(Schema):
    run_id: int | None
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    anonymised: list[str]
    deleted: list[str]
    skipped: list[str] = []
