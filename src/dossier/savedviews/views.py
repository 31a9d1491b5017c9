"""The forms a list page carries: save the current view, delete or make one the default,
choose columns and page size. Each answers with a redirect back to the list page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossier.core.errors import ApplicationError, Conflict, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.savedviews import selectors, services
from dossier.savedviews.registry import ListSpec, column_choices
from dossier.savedviews.selectors import NO_VIEW, checked_list

_shows_errors = shows_errors("savedviews/error.html", nav="")
PARAM_PREFIX = "param:"


def _back(request: AuthenticatedRequest, spec: ListSpec, *, keep_query: bool = False) -> str:
    """Where the form came from (a page of this site only), else the list's page."""
    target = str(request.POST.get("next", ""))[:4000]
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target if keep_query else target.split("?", 1)[0]
    return reverse(spec.url) if spec.url else reverse("home")


def _refused(request: AuthenticatedRequest, error: ApplicationError) -> None:
    details = "; ".join(d["message"] for d in error.details())
    messages.error(request, f"{error.message} {details}".strip())


def _checkbox(request: AuthenticatedRequest, name: str) -> bool:
    return request.POST.get(name, "") in ("1", "on", "true")


@require_POST
@_shows_errors
def save(request: AuthenticatedRequest) -> HttpResponse:
    """Save the list's current query parameters as a view; open the list with it."""
    spec = checked_list(request.user, request.POST.get("list", ""))
    params: dict[str, Any] = {}
    for key in request.POST:
        if key.startswith(PARAM_PREFIX):
            values = request.POST.getlist(key)
            params[key.removeprefix(PARAM_PREFIX)] = values[0] if len(values) == 1 else values
    try:
        view = services.create_view(
            actor=request.user,
            list_name=spec.name,
            name=request.POST.get("name", ""),
            params=params,
            shared=_checkbox(request, "shared"),
            default=_checkbox(request, "default"),
        )
    except (ValidationFailed, Conflict) as error:
        _refused(request, error)
        return HttpResponseRedirect(_back(request, spec, keep_query=True))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return HttpResponseRedirect(f"{_back(request, spec)}?view={view.pk}")


@require_POST
@_shows_errors
def delete(request: AuthenticatedRequest, view_id: int) -> HttpResponse:
    """Delete a view (its owner; a shared one also the team's manager or administrator)."""
    view = selectors.view_for(request.user, view_id, for_change=True)
    spec = checked_list(request.user, view.list_name)
    services.delete_view(actor=request.user, view_id=view.pk)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return HttpResponseRedirect(f"{_back(request, spec)}?view={NO_VIEW}")


@require_POST
@_shows_errors
def default(request: AuthenticatedRequest, view_id: int) -> HttpResponse:
    """Open the list with this view from now on (``default=0``: no longer)."""
    view = selectors.view_for(request.user, view_id)
    spec = checked_list(request.user, view.list_name)
    if request.POST.get("default", "1") == "0":
        services.clear_default_view(actor=request.user, view_id=view.pk)
        messages.success(request, _("The list opens without a saved view again."))
    else:
        services.set_default_view(actor=request.user, list_name=spec.name, view_id=view.pk)
        messages.success(request, _("The list now opens with “%(name)s”.") % {"name": view.name})
    return HttpResponseRedirect(f"{_back(request, spec)}?view={view.pk}")


def _page_size(text: str) -> int | str | None:
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdecimal() and text.isascii() and len(text) < 6 else text[:20]


@require_POST
@_shows_errors
def preferences(request: AuthenticatedRequest, list_name: str) -> HttpResponse:
    """Keep the columns and page size chosen on a list (``reset``: the list's defaults)."""
    spec = checked_list(request.user, list_name)
    reset = _checkbox(request, "reset")
    try:
        services.set_preferences(
            actor=request.user,
            list_name=spec.name,
            columns=[] if reset else request.POST.getlist("columns"),
            page_size=None if reset else _page_size(request.POST.get("page_size", "")),
            allowed_columns=column_choices(spec, request.user),
        )
    except ValidationFailed as error:
        _refused(request, error)
    return HttpResponseRedirect(_back(request, spec, keep_query=True))
