"""API shapes for customers and tags. Explicit fields only; no rules here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class TagOut(Schema):
    id: int
    name: str
    group: str
    colour: str


class TagIn(Schema):
    name: str = Field(..., max_length=200)
    group: str = Field("", max_length=200)
    colour: str = Field("#6b7280", max_length=20)


class TagPatch(Schema):
    name: str | None = Field(None, max_length=200)
    group: str | None = Field(None, max_length=200)
    colour: str | None = Field(None, max_length=20)


class CustomerOut(Schema):
    id: str
    template: str
    template_version: int
    values: dict[str, Any] = Field(
        ..., description="Field values by key; masked where `masked` says so."
    )
    masked: list[str]
    tags: list[TagOut]
    owner: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerPageOut(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class DeletedCustomerOut(CustomerOut):
    deleted_at: datetime


class DeletedCustomerPageOut(Schema):
    items: list[DeletedCustomerOut]
    next_cursor: str | None


class CustomerIn(Schema):
    template: str = Field(..., description="The key of the template the profile is built on.")
    values: dict[str, Any] = Field(default_factory=dict)
    owner: str | None = Field(None, description="User name of the owner; defaults to the caller.")
    tags: list[int] = Field(default_factory=list)


class CustomerPatch(Schema):
    version: int = Field(
        ..., description="The version you read; a newer stored version answers 409."
    )
    values: dict[str, Any] = Field(default_factory=dict, description="Only the fields to change.")
    owner: str | None = None
    tags: list[int] | None = None


class RevealIn(Schema):
    fields: list[str] = Field(..., description="Keys of the masked fields to show whole.")
    reason: str = Field(
        ..., max_length=500, description="Why you need them; kept in the audit log."
    )


class RevealOut(Schema):
    values: dict[str, Any]


class TagsIn(Schema):
    tag_ids: list[int]
