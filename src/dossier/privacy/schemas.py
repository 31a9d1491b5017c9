"""API shapes for data-subject requests, erasure, self-service links and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class RequestIn(Schema):
    customer_id: UUID
    kind: str = Field(
        ..., description="access, copy, correction, deletion, restriction or objection"
    )
    received_via: str = Field(
        ..., description="email, phone, letter, in_person, web, self_service or other"
    )
    due_in_days: int = Field(15, description="Days to answer (PIPL practice: 15).")
    note: str = Field("", max_length=5000, description="What the customer asked for.")
    received_at: datetime | None = Field(
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
    reason: str = Field("", max_length=2000, description="Required: what the customer is told.")


class EraseIn(Schema):
    request_id: int | None = Field(None, description="The deletion request this answers.")


class TombstoneOut(Schema):
    customer_id: str
    erased_at: datetime
    cause: str
    mode: str
    fields: list[str]


class RestrictIn(Schema):
    reason: str = Field("", max_length=500)
    request_id: int | None = None


class LiftIn(Schema):
    scope: str = Field("all", description="all (restriction) or marketing (objection)")
    reason: str = Field("", max_length=500)


class RestrictionOut(Schema):
    id: int
    customer_id: str
    scope: str
    reason: str
    started_at: datetime
    lifted_at: datetime | None


class LinkIn(Schema):
    days: int = Field(7, description="How many days the link works (1–30).")


class LinkOut(Schema):
    url: str
    expires_at: datetime


class PolicyIn(Schema):
    category: str = Field(
        ..., description="inactive_customer_personal_data, deleted_customer or audit_log"
    )
    months: int
    action: str = Field(..., description="anonymise or delete; audit_log: keep")


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
