"""REST endpoints of saved views and list preferences (mounted at /api/v1). Thin."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, RecordId
from dossier.savedviews import selectors, services
from dossier.savedviews.schemas import (
    ListName,
    PreferencesIn,
    PreferencesOut,
    SavedViewIn,
    SavedViewListOut,
    SavedViewOut,
    SavedViewPatch,
)

router = Router(tags=["saved views"])
#: ``?list=customers``: the list page the views belong to
LIST_QUERY = Query(..., alias="list", description="The list page: customers, tickets …")


@router.get("/saved-views", response={200: SavedViewListOut, **ERRORS})
def list_views(request: ApiRequest, list_name: ListName = LIST_QUERY) -> Any:
    """The views of a list you see: yours first, then those shared with your team."""
    return {"items": selectors.view_rows(request.user, list_name)}


@router.post("/saved-views", response={201: SavedViewOut, **ERRORS})
def create_view(request: ApiRequest, payload: SavedViewIn, list_name: ListName = LIST_QUERY) -> Any:
    """Save a list's query parameters as a view, personal or shared with your team."""
    view = services.create_view(actor=request.user, list_name=list_name, **payload.dict())
    return Status(201, selectors.one_view_row(request.user, view.pk))


@router.patch("/saved-views/{view_id}", response={200: SavedViewOut, **ERRORS})
def update_view(request: ApiRequest, view_id: RecordId, payload: SavedViewPatch) -> Any:
    """Rename, re-share, move or change a view (its owner; a shared one also the manager or
    administrator of the owner's team)."""
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.update_view(actor=request.user, view_id=view_id, **changes)
    return selectors.one_view_row(request.user, view_id)


@router.delete("/saved-views/{view_id}", response={204: None, **ERRORS})
def delete_view(request: ApiRequest, view_id: RecordId) -> Any:
    services.delete_view(actor=request.user, view_id=view_id)
    return Status(204, None)


@router.post("/saved-views/{view_id}/default", response={200: SavedViewOut, **ERRORS})
def set_default_view(request: ApiRequest, view_id: RecordId) -> Any:
    """Open the view's list with this view (yours or your team's), instead of any other."""
    view = selectors.view_for(request.user, view_id)
    services.set_default_view(actor=request.user, list_name=view.list_name, view_id=view.pk)
    return selectors.one_view_row(request.user, view_id)


@router.delete("/saved-views/{view_id}/default", response={204: None, **ERRORS})
def clear_default_view(request: ApiRequest, view_id: RecordId) -> Any:
    """Open the view's list plain again, if this view was your default."""
    services.clear_default_view(actor=request.user, view_id=view_id)
    return Status(204, None)


@router.get("/list-preferences/{list_name}", response={200: PreferencesOut, **ERRORS})
def get_preferences(request: ApiRequest, list_name: ListName) -> Any:
    """Your columns and page size on a list, with the columns and sizes it offers you."""
    return selectors.preference_row(request.user, list_name)


@router.put("/list-preferences/{list_name}", response={200: PreferencesOut, **ERRORS})
def put_preferences(request: ApiRequest, list_name: ListName, payload: PreferencesIn) -> Any:
    """Choose your columns (of those offered; empty: the defaults) and page size on a list."""
    services.set_preferences(actor=request.user, list_name=list_name, **payload.dict())
    return selectors.preference_row(request.user, list_name)
