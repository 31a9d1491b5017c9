"""Shapes of the saved-view and list-preference endpoints. The rules live in ``registry``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from dossier.core.schemas import FILLED
from dossier.savedviews.registry import (
    MAX_COLUMNS,
    MAX_PARAMS,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    NAME_PATTERN,
)

#: a parameter's value: text without control characters
ParamText = Annotated[str, Field(max_length=MAX_VALUE_LENGTH, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]
ParamValue = ParamText | Annotated[list[ParamText], Field(max_length=MAX_VALUES)]
PARAMS_HELP = (
    "The list's query parameters: name → text or list of texts. Which names a list accepts "
    "is the list's (customers: q, tag, sort, columns, size …); any other is refused (422 "
    "naming `params.<name>`). Empty values are left out."
)
ListName = Annotated[str, Field(pattern=NAME_PATTERN)]


class SavedViewIn(Schema):
    name: str = Field(..., max_length=100, pattern=FILLED)
    params: dict[str, ParamValue] = Field(..., max_length=MAX_PARAMS, description=PARAMS_HELP)
    shared: bool = Field(False, description="Shared with your team (read-only to them).")
    default: bool = Field(False, description="Open the list with this view from now on.")
    position: int | None = Field(None, ge=0, le=10_000)


class SavedViewPatch(Schema):
    name: str | None = Field(None, max_length=100, pattern=FILLED)
    params: dict[str, ParamValue] | None = Field(
        None, max_length=MAX_PARAMS, description=PARAMS_HELP
    )
    shared: bool | None = None
    position: int | None = Field(None, ge=0, le=10_000)


class SavedViewOut(Schema):
    id: int
    name: str
    params: dict[str, str | list[str]]
    shared: bool
    position: int
    owner: str
    mine: bool
    is_default: bool
    may_change: bool
    query: str = Field(..., description="The list page's query string that opens the view.")
    created_at: datetime
    updated_at: datetime
    # last: in the class body, the name would hide the type ``list`` from the fields below
    list: str


class SavedViewListOut(Schema):
    items: list[SavedViewOut]


class ColumnOut(Schema):
    key: str
    label: str


class PreferencesIn(Schema):
    columns: list[str] = Field(
        ..., max_length=MAX_COLUMNS, description="Column keys in order; empty: the defaults."
    )
    page_size: int | None = Field(
        None, description="One of the list's page sizes; null: its default."
    )


class PreferencesOut(Schema):
    columns: list[str]
    page_size: int | None
    default_view_id: int | None
    allowed_columns: list[ColumnOut]
    page_sizes: list[int]
    list: str  # last, as in SavedViewOut
