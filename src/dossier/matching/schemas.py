"""Shapes of the duplicates and merge API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema

from dossier.core.schemas import OneOf, documented
from dossier.matching.survivorship import RULES


class ScanOut(Schema):
    id: int
    status: str
    customers: int
    done: int
    pairs: int
    groups: int
    error: str


class PairOut(Schema):
    a: str
    b: str
    score: float
    decision: str
    rule: str | None
    reasons: list[str]


class GroupOut(Schema):
    id: int
    status: str
    score: float
    customers: list[str]
    pairs: list[PairOut]


class MergeIn(Schema):
    customers: list[UUID] = Field(
        ..., min_length=2, max_length=50, json_schema_extra=documented(uniqueItems=True)
    )
    survivor: UUID | None = Field(None, description="Defaults to the most complete customer.")
    rule: Annotated[str, OneOf(RULES)] = Field(
        "complete", description="complete, newest, trusted or manual"
    )
    picks: dict[str, UUID] = Field(
        default_factory=dict,
        max_length=200,
        description="Field key → id of the customer whose value survives.",
    )


class MergeOut(Schema):
    id: int
    survivor: str
    merged: list[str]
    rule: str
    choices: dict[str, Any]
    created_at: datetime
    undone_at: datetime | None
