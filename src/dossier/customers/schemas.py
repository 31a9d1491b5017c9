"""API shapes for customers and tags. Explicit fields only; no rules here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from dossier.core.schemas import FILLED, MAX_FIELDS, MAX_ITEMS, TEXT, RecordId, documented
from dossier.customers.services.profiles import MAX_TAGS
from dossier.customers.services.reveal import MIN_REASON

#: what ``TAG_SPECS`` accepts (the tag service validates with them)
TAG_NAME = documented(maxLength=50, pattern=FILLED)
TAG_GROUP = documented(maxLength=50, pattern=TEXT)
TAG_COLOUR = documented(pattern=r"^#[0-9a-fA-F]{6}$")
#: at least MIN_REASON characters once trimmed
REASON = rf"^\s*\S[\s\S]{{{MIN_REASON - 2},}}\S\s*$"


class TagOut(Schema):
    id: int
    name: str
    group: str
    colour: str


class TagIn(Schema):
    name: str = Field(..., json_schema_extra=TAG_NAME)
    group: str = Field("", json_schema_extra=TAG_GROUP)
    colour: str = Field("#6b7280", json_schema_extra=TAG_COLOUR)


class TagPatch(Schema):
    name: str | None = Field(None, json_schema_extra=TAG_NAME)
    group: str | None = Field(None, json_schema_extra=TAG_GROUP)
    colour: str | None = Field(None, json_schema_extra=TAG_COLOUR)


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


class CustomerListItemOut(CustomerOut):
    figures: dict[str, Any] = Field(
        default_factory=dict,
        description="Key figures (last purchase, total spend, orders, last interaction); "
        "null where the customer has none yet.",
    )


class CustomerPageOut(Schema):
    items: list[CustomerListItemOut]
    next_cursor: str | None
    previous_cursor: str | None = None
    count: int | None = Field(None, description="How many match, when `count=true` asked.")
    count_exact: bool | None = Field(
        None, description="False when `count` is PostgreSQL's estimate (large results)."
    )


class DeletedCustomerOut(CustomerOut):
    deleted_at: datetime


class DeletedCustomerPageOut(Schema):
    items: list[DeletedCustomerOut]
    next_cursor: str | None


class CustomerIn(Schema):
    template: str = Field(..., description="The key of the template the profile is built on.")
    values: dict[str, Any] = Field(default_factory=dict, max_length=MAX_FIELDS)
    owner: str | None = Field(None, description="User name of the owner; defaults to the caller.")
    tags: list[RecordId] = Field(
        default_factory=list, json_schema_extra=documented(maxItems=MAX_TAGS)
    )
    allow_duplicate: bool = Field(
        False,
        description=(
            "Save even though the customer likely duplicates one on file (templates whose "
            "duplicate policy is 'warn'; 'block' refuses regardless)."
        ),
    )


class CustomerPatch(Schema):
    version: int = Field(
        ..., description="The version you read; a newer stored version answers 409."
    )
    values: dict[str, Any] = Field(
        default_factory=dict, max_length=MAX_FIELDS, description="Only the fields to change."
    )
    owner: str | None = None
    tags: list[RecordId] | None = Field(None, json_schema_extra=documented(maxItems=MAX_TAGS))


class RevealIn(Schema):
    fields: list[str] = Field(
        ...,
        max_length=MAX_ITEMS,
        description="Keys of the masked fields to show whole.",
        json_schema_extra=documented(minItems=1),
    )
    reason: str = Field(
        ...,
        max_length=500,
        json_schema_extra=documented(pattern=REASON),
        description=f"Why you need them ({MIN_REASON} characters at least); kept in the audit log.",
    )


class RevealOut(Schema):
    values: dict[str, Any]


class TagsIn(Schema):
    tag_ids: list[RecordId] = Field(..., json_schema_extra=documented(maxItems=MAX_TAGS))
