"""Writing saved views and list preferences.

Creating, changing and deleting a view is audited, as segments are: a shared view changes
what a team sees, and a manager may change a teammate's. Choosing one's default view,
columns and page size is a personal display setting and is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.errors import Conflict, ValidationFailed
from dossier.core.fields import FieldError
from dossier.savedviews.models import ListPreference, SavedView
from dossier.savedviews.registry import (
    Column,
    checked_columns,
    checked_page_size,
    checked_params,
    column_choices,
)
from dossier.savedviews.selectors import checked_list, view_for

NAME_MAX = 100
#: the most views one user keeps on one list (tabs beyond this help nobody)
MAX_VIEWS = 50
MAX_POSITION = 10_000
#: control characters a name may not hold (tab and line breaks are only white space)
_CONTROL = {chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127]}


def _checked_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        error = FieldError("required", field="name", label=_("name"))
    elif len(name.strip()) > NAME_MAX:
        error = FieldError("too_long", field="name", label=_("name"), max=NAME_MAX)
    elif any(ch in _CONTROL for ch in name):
        error = FieldError("control_characters", field="name", label=_("name"))
    else:
        return name.strip()
    raise ValidationFailed(_("The view could not be saved."), errors=[error])


def _checked_position(position: Any) -> int:
    if (
        isinstance(position, bool)
        or not isinstance(position, int)
        or not (0 <= position <= MAX_POSITION)
    ):
        error = FieldError(
            "rule_bad_number", field="position", label=_("position"), min=0, max=MAX_POSITION
        )
        raise ValidationFailed(_("The view could not be saved."), errors=[error])
    return position


def _checked_shared(shared: Any) -> bool:
    if not isinstance(shared, bool):
        error = FieldError("invalid_boolean", field="shared", label=_("shared"))
        raise ValidationFailed(_("The view could not be saved."), errors=[error])
    return shared


def _name_taken() -> Conflict:
    return Conflict(_("You already have a view of that name on this list."))


def _audit(actor: Any, action: str, view: SavedView, changes: dict[str, Any]) -> None:
    record_audit(
        actor=actor,
        action=action,
        object_type="saved_view",
        object_id=view.pk,
        changes={"list": view.list_name, "owner": view.owner.get_username(), **changes},
    )


@transaction.atomic
def create_view(
    *,
    actor: Any,
    list_name: str,
    name: str,
    params: Any,
    shared: bool = False,
    default: bool = False,
    position: int | None = None,
) -> SavedView:
    """Save a list's parameters as a view owned by ``actor`` (last among theirs unless
    ``position`` says), shared with their team if asked, their default if asked."""
    spec = checked_list(actor, list_name)
    fields = {
        "name": _checked_name(name),
        "params": checked_params(spec, params),
        "shared": _checked_shared(shared),
    }
    mine = SavedView.objects.filter(owner_id=actor.pk, list_name=list_name)
    if mine.count() >= MAX_VIEWS:
        error = FieldError("too_many_items", field="list", label=_("saved views"), max=MAX_VIEWS)
        raise ValidationFailed(_("The view could not be saved."), errors=[error])
    if mine.filter(name=fields["name"]).exists():
        raise _name_taken()
    if position is None:
        last = mine.aggregate(last=Max("position"))["last"]
        position = min((last + 1) if last is not None else 0, MAX_POSITION)
    try:
        with transaction.atomic():
            view = SavedView.objects.create(
                **fields,
                list_name=list_name,
                owner=actor,
                position=_checked_position(position),
            )
    except IntegrityError:
        raise _name_taken() from None  # the same name saved at the same moment
    _audit(actor, "create", view, {"name": view.name, "params": view.params, "shared": view.shared})
    if default:
        set_default_view(actor=actor, list_name=list_name, view_id=view.pk)
    return view


UPDATABLE = {"name", "params", "shared", "position"}


@transaction.atomic
def update_view(*, actor: Any, view_id: Any, **changes: Any) -> SavedView:
    """Rename, re-share, move or change the parameters of a view (its owner; a manager or
    administrator of the owner's team for a shared one)."""
    view = view_for(actor, view_id, for_change=True)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationFailed(
            _("The view could not be saved."),
            errors=[FieldError("unknown_field", field=k, label=k) for k in sorted(unknown)],
        )
    view = SavedView.objects.select_for_update().select_related("owner").get(pk=view.pk)
    spec = checked_list(actor, view.list_name)
    if "name" in changes:
        name = _checked_name(changes["name"])
        taken = SavedView.objects.filter(
            owner_id=view.owner_id, list_name=view.list_name, name=name
        ).exclude(pk=view.pk)
        if taken.exists():
            raise _name_taken()
        view.name = name
    if "params" in changes:
        view.params = checked_params(spec, changes["params"])
    if "shared" in changes:
        view.shared = _checked_shared(changes["shared"])
    if "position" in changes:
        view.position = _checked_position(changes["position"])
    view.save()
    _audit(actor, "update", view, {k: getattr(view, k) for k in sorted(changes)})
    return view


@transaction.atomic
def delete_view(*, actor: Any, view_id: Any) -> None:
    """Delete a view; whoever had it as their default opens the plain list again."""
    view = view_for(actor, view_id, for_change=True)
    _audit(actor, "delete", view, {"name": view.name})
    view.delete()


def _preference_row(actor: Any, list_name: str) -> ListPreference:
    preference, _created = ListPreference.objects.select_for_update().get_or_create(
        user_id=actor.pk, list_name=list_name
    )
    return preference


@transaction.atomic
def set_default_view(*, actor: Any, list_name: str, view_id: Any) -> None:
    """Open ``list_name`` with this view (one the actor sees, theirs or their team's shared
    one), instead of any earlier default; ``view_id=None`` opens the plain list again."""
    checked_list(actor, list_name)
    view = None if view_id is None else view_for(actor, view_id)
    if view is not None and view.list_name != list_name:
        raise ValidationFailed(
            _("The view belongs to another list."),
            errors=[FieldError("invalid_choice", field="view_id", label="view_id", value=view.pk)],
        )
    preference = _preference_row(actor, list_name)
    preference.default_view = view
    preference.save(update_fields=["default_view", "updated_at"])


@transaction.atomic
def clear_default_view(*, actor: Any, view_id: Any) -> None:
    """Stop opening the view's list with it, if it was the actor's default."""
    view = view_for(actor, view_id)
    ListPreference.objects.filter(
        user_id=actor.pk, list_name=view.list_name, default_view=view
    ).update(default_view=None)


@transaction.atomic
def set_preferences(
    *,
    actor: Any,
    list_name: str,
    columns: Any,
    page_size: Any = None,
    allowed_columns: Iterable[str | Column] | None = None,
) -> ListPreference:
    """Keep the actor's columns (in order; empty: the list's defaults) and page size (None:
    the list's default) for a list. ``allowed_columns``: the columns the list offers this
    actor (by default the ones the list registered for them)."""
    spec = checked_list(actor, list_name)
    allowed = column_choices(spec, actor) if allowed_columns is None else allowed_columns
    chosen = checked_columns(columns, allowed)
    size = checked_page_size(spec, page_size)
    preference = _preference_row(actor, list_name)
    preference.columns = chosen
    preference.page_size = size
    preference.save(update_fields=["columns", "page_size", "updated_at"])
    return preference
