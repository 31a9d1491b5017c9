"""API shapes for templates, versions and field definitions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StrictBool

from dossier.core.fields import registered_types
from dossier.core.fields.base import CLASSIFICATIONS, KEY_PATTERN
from dossier.core.schemas import MAX_FIELDS, NOT_BLANK, OneOf, documented
from dossier.templates.models import DuplicatePolicy, Scenario

ScenarioName = Annotated[str, OneOf(Scenario.values)]
DuplicatePolicyName = Annotated[str, OneOf(DuplicatePolicy.values)]


class FieldDefinition(Schema):
    key: str = Field(..., max_length=64, json_schema_extra=documented(pattern=KEY_PATTERN.pattern))
    type: Annotated[str, OneOf(registered_types())]
    label_zh: str = Field("", max_length=100)
    label_en: str = Field("", max_length=100)
    required: StrictBool = False
    unique: StrictBool = False
    rules: dict[str, Any] = Field(default_factory=dict)
    default: Any = None
    help_zh: str = Field("", max_length=300)
    help_en: str = Field("", max_length=300)
    classification: Annotated[str, OneOf(CLASSIFICATIONS)] = Field(
        "general",
        description=(
            "general, personal or sensitive; never below the type's minimum_classification "
            "(identifiers are personal at least)"
        ),
    )
    sensitive: StrictBool = Field(False, description="Shorthand for classification = sensitive.")
    section: str = Field("", max_length=50)


class FieldDefinitionOut(Schema):
    key: str
    type: str
    label_zh: str
    label_en: str
    required: bool
    unique: bool
    rules: dict[str, Any]
    default: Any
    help_zh: str
    help_en: str
    classification: str
    sensitive: bool
    section: str


class VersionOut(Schema):
    number: int
    status: str
    note: str
    published_at: datetime | None
    fields: list[FieldDefinitionOut]


class TemplateOut(Schema):
    key: str
    name_zh: str
    name_en: str
    scenario: str
    description: str = Field(..., description="In Chinese.")
    description_en: str
    builtin: bool
    archived: bool
    current_version: int | None
    duplicate_policy: DuplicatePolicyName


class TemplateDetailOut(TemplateOut):
    fields: list[FieldDefinitionOut] = Field(
        ..., description="Every field of the current version, core fields included."
    )


class TemplateIn(Schema):
    key: str = Field(..., pattern=r"^[a-z][a-z0-9_-]{0,63}$")
    name_zh: str = Field(..., max_length=100, json_schema_extra=documented(pattern=NOT_BLANK))
    name_en: str = Field("", max_length=100)
    scenario: ScenarioName
    description: str = Field("", max_length=2000, description="In Chinese.")
    description_en: str = Field("", max_length=2000)
    fields: list[FieldDefinition] = Field(default_factory=list, max_length=MAX_FIELDS)


class TemplateUpdate(Schema):
    name_zh: str | None = Field(
        None, max_length=100, json_schema_extra=documented(pattern=NOT_BLANK)
    )
    name_en: str | None = Field(None, max_length=100)
    scenario: ScenarioName | None = None
    description: str | None = Field(None, max_length=2000, description="In Chinese.")
    description_en: str | None = Field(None, max_length=2000)
    fields: list[FieldDefinition] | None = Field(
        None, max_length=MAX_FIELDS, description="New fields publish a new version."
    )
    duplicate_policy: DuplicatePolicyName | None = Field(
        None,
        description=(
            "A new customer that likely duplicates one on file: block (refused), warn (409 "
            "unless allow_duplicate) or allow (not checked)."
        ),
    )
    note: str = Field("", max_length=300)
    lowering_reason: str = Field(
        "",
        max_length=500,
        description="Why a field's classification is lowered (administrators only; audited).",
    )


class CloneIn(Schema):
    key: str = Field(..., pattern=r"^[a-z][a-z0-9_-]{0,63}$")
    name_zh: str = Field(..., max_length=100, json_schema_extra=documented(pattern=NOT_BLANK))
    name_en: str = Field("", max_length=100)


class MigrationOut(Schema):
    id: int
    template: str
    target_version: int
    status: str
    migrated: int
    failed: int
    failures: list[dict[str, Any]]


class FieldTypeOut(Schema):
    name: str
    widget: str
    rules: list[str]
    minimum_classification: str
