"""Reading saved views and list preferences as each user may, and what a list page applies.

Visibility: a personal view is its owner's alone; a shared view is seen by everyone in its
owner's team (now). Changing: the owner, or for a shared view a manager or administrator of
that same team. Nobody sees another person's personal view, administrators included: a view
holds no data, only someone's way of looking at a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import QueryDict
from django.utils.translation import gettext as _

from dossier.accounts.models import Membership
from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied
from dossier.savedviews.models import ListPreference, SavedView
from dossier.savedviews.registry import (
    Column,
    ListSpec,
    column_choices,
    list_spec,
    normalised_columns,
)

#: ``?view=all``: the plain list, even for a user who has a default view
NO_VIEW = "all"


def checked_list(actor: Any, list_name: Any) -> ListSpec:
    """The registered list, or NotFound; PermissionDenied if ``actor`` may not use it."""
    spec = list_spec(list_name)
    if not spec.may_use(actor):
        raise PermissionDenied(_("You may not use this list."))
    return spec


def visible_views(actor: Any) -> QuerySet[SavedView]:
    """Every view ``actor`` may see, on any list: their own, their team's shared ones."""
    pk = getattr(actor, "pk", None)
    if pk is None or not actor.is_authenticated:
        return SavedView.objects.none()
    shown = Q(owner_id=pk)
    team_id = team_id_of(actor)
    if team_id is not None:
        shown |= Q(shared=True, owner__membership__team_id=team_id)
    return SavedView.objects.filter(shown).select_related("owner")


def views_for(actor: Any, list_name: str) -> list[SavedView]:
    """The views of a list ``actor`` sees: personal ones first by position, then shared ones
    (their own first), each by position."""
    checked_list(actor, list_name)
    group = Case(
        When(shared=False, then=Value(0)),
        When(owner_id=actor.pk, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    views = visible_views(actor).filter(list_name=list_name).annotate(group=group)
    return list(views.order_by("group", "position", "id"))


def may_change_view(actor: Any, view: SavedView) -> bool:
    """The owner changes their view; a manager or administrator of the owner's team a
    shared one."""
    if getattr(actor, "pk", None) is None:
        return False
    if view.owner_id == actor.pk:
        return True
    if not view.shared:
        return False
    role = roles.ADMIN if actor.is_superuser else role_of_cached(actor)
    if role not in (roles.MANAGER, roles.ADMIN):
        return False
    team_id = team_id_of(actor)
    owner_team = (
        Membership.objects.filter(user_id=view.owner_id).values_list("team_id", flat=True).first()
    )
    return team_id is not None and owner_team == team_id


def view_for(actor: Any, view_id: Any, *, for_change: bool = False) -> SavedView:
    """One view ``actor`` sees (NotFound otherwise); with ``for_change``, PermissionDenied
    if they may see it but not change it."""
    try:
        view = visible_views(actor).get(pk=int(view_id))
    except (SavedView.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such saved view.")) from None
    checked_list(actor, view.list_name)
    if for_change and not may_change_view(actor, view):
        raise PermissionDenied(_("You may not change this saved view."))
    return view


def _preference(actor: Any, list_name: str) -> ListPreference | None:
    if getattr(actor, "pk", None) is None:
        return None
    return ListPreference.objects.filter(user_id=actor.pk, list_name=list_name).first()


def default_view(actor: Any, list_name: str) -> SavedView | None:
    """The view ``actor`` opens the list with, if they chose one they still see."""
    checked_list(actor, list_name)
    preference = _preference(actor, list_name)
    if preference is None or preference.default_view_id is None:
        return None
    return visible_views(actor).filter(pk=preference.default_view_id).first()


@dataclass(frozen=True)
class Preferences:
    """A user's columns and page size on a list; empty / None: the list's own defaults."""

    columns: list[str] = field(default_factory=list)
    page_size: int | None = None


def preferences_for(
    actor: Any, list_name: str, allowed_columns: Iterable[str | Column] | None = None
) -> Preferences:
    """The columns (still allowed to ``actor``) and page size they chose on the list."""
    spec = checked_list(actor, list_name)
    preference = _preference(actor, list_name)
    if preference is None:
        return Preferences()
    allowed = normalised_columns(
        column_choices(spec, actor) if allowed_columns is None else allowed_columns
    )
    keys = {key for key, _label in allowed}
    columns = [c for c in preference.columns if isinstance(c, str) and c in keys]
    page_size = preference.page_size if preference.page_size in spec.page_sizes else None
    return Preferences(columns=columns, page_size=page_size)


def view_row(actor: Any, view: SavedView, *, default_id: int | None = None) -> dict[str, Any]:
    """A view as the API and the pages show it."""
    return {
        "id": view.pk,
        "list": view.list_name,
        "name": view.name,
        "params": view.params,
        "shared": view.shared,
        "position": view.position,
        "owner": view.owner.get_username(),
        "mine": view.owner_id == actor.pk,
        "is_default": view.pk == default_id,
        "may_change": may_change_view(actor, view),
        "query": f"?view={view.pk}",
        "created_at": view.created_at,
        "updated_at": view.updated_at,
    }


def view_rows(actor: Any, list_name: str) -> list[dict[str, Any]]:
    """The views of a list ``actor`` sees, in tab order, as rows."""
    default = default_view(actor, list_name)
    default_id = default.pk if default else None
    return [view_row(actor, v, default_id=default_id) for v in views_for(actor, list_name)]


def one_view_row(actor: Any, view_id: Any) -> dict[str, Any]:
    """One view ``actor`` sees, as a row (NotFound otherwise)."""
    view = view_for(actor, view_id)
    default = default_view(actor, view.list_name)
    return view_row(actor, view, default_id=default.pk if default else None)


def preference_row(actor: Any, list_name: str) -> dict[str, Any]:
    """The actor's choices on a list with what the list offers them, for the API."""
    spec = checked_list(actor, list_name)
    allowed = column_choices(spec, actor)
    preferences = preferences_for(actor, list_name, allowed)
    default = default_view(actor, list_name)
    return {
        "list": list_name,
        "columns": preferences.columns,
        "page_size": preferences.page_size,
        "default_view_id": default.pk if default else None,
        "allowed_columns": [{"key": key, "label": label} for key, label in allowed],
        "page_sizes": list(spec.page_sizes),
    }


def _as_query(params: Mapping[str, Any]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, list(value) if isinstance(value, list) else [value])
    query._mutable = False
    return query


def _request_params(spec: ListSpec, request_params: Any) -> dict[str, list[str]]:
    # the request's own values of the list's parameters, an empty list for one sent empty (a
    # filter cleared on a view's page clears the view's value); others (a cursor, ``view``)
    # are the list's business and never kept in a view
    getlist = getattr(request_params, "getlist", None)
    found: dict[str, list[str]] = {}
    for key in request_params:
        if key not in spec.params:
            continue
        values = getlist(key) if getlist else request_params[key]
        values = values if isinstance(values, list) else [values]
        found[key] = [v for v in values if isinstance(v, str) and v.strip()]
    return found


def _filled(params: Mapping[str, Any]) -> dict[str, list[str]]:
    lists = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    return {k: v for k, v in lists.items() if v}


def _same(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    return _filled(one) == _filled(other)


def list_context(
    actor: Any,
    list_name: str,
    request_params: Any,
    allowed_columns: Iterable[str | Column] | None = None,
    default_columns: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Everything a list page needs for its saved views and column chooser.

    Call it with ``request.GET``; ``allowed_columns``: the columns this actor may see, as
    keys or (key, label) pairs (default: what the list registered for them);
    ``default_columns``: the list's own choice when the user made none (default: all
    allowed). PermissionDenied if the actor may not use the list, NotFound if unregistered.

    The parameters to apply (``params``, a QueryDict of the list's registered parameters
    only): a chosen ``?view=<id>``'s, any of the list's parameters in the request replacing
    the view's (one sent empty clears it); else the request's; else, when the request names
    none of the list's parameters and is not ``?view=all``, the user's default view's. A
    view that is gone or not visible is ignored (``view_missing``). Keys returned:
    ``list_name``, ``saved_views`` (rows, tab order), ``active_view`` (row or None; a plain
    request with exactly a view's parameters marks that view), ``active_view_modified``,
    ``view_missing``, ``default_view``, ``params``, ``current_params`` ((key, value) pairs
    for hidden inputs), ``current_query``, ``allowed_columns`` ((key, label) pairs),
    ``preferences`` (columns, page_size, chosen), ``columns`` (the columns to show),
    ``page_size``, ``page_sizes``, ``no_view``.
    """
    spec = checked_list(actor, list_name)
    own = _request_params(spec, request_params)
    rows = view_rows(actor, list_name)
    by_id = {str(row["id"]): row for row in rows}
    default = next((row for row in rows if row["is_default"]), None)
    asked = str(request_params.get("view", "") or "").strip()
    active, view_missing, modified = None, False, False
    if asked and asked != NO_VIEW:
        active = by_id.get(asked)
        view_missing = active is None
    elif not asked and not own and default is not None:
        active = default
    if active is not None:
        base = {k: v for k, v in _filled(active["params"]).items() if k in spec.params}
        applied = _filled({**base, **own})
        modified = applied != base
    else:
        applied = _filled(own)
        # the plain list showing exactly a view's parameters is that view
        active = next((row for row in rows if applied and _same(row["params"], applied)), None)
    allowed = normalised_columns(
        column_choices(spec, actor) if allowed_columns is None else allowed_columns
    )
    preferences = preferences_for(actor, list_name, allowed)
    keys = [key for key, _label in allowed]
    defaults = [c for c in default_columns if c in keys] if default_columns else keys
    params = _as_query(applied)
    return {
        "list_name": list_name,
        "saved_views": rows,
        "active_view": active,
        "active_view_modified": modified,
        "view_missing": view_missing,
        "default_view": default,
        "params": params,
        "current_params": [(k, v) for k in params for v in params.getlist(k)],
        "current_query": params.urlencode(),
        "allowed_columns": allowed,
        "preferences": {
            "columns": preferences.columns,
            "page_size": preferences.page_size,
            "chosen": bool(preferences.columns) or preferences.page_size is not None,
        },
        "columns": preferences.columns or defaults,
        "page_size": preferences.page_size or spec.default_page_size,
        "page_sizes": list(spec.page_sizes),
        "no_view": NO_VIEW,
    }
