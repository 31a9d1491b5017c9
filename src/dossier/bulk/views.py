"""Bulk action pages: the form target of the customer list, progress, undo, the download;
and the owner and share forms of the customer page. Thin: parse, call, answer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.bulk import selectors, services
from dossier.bulk.actions import failure
from dossier.bulk.exporting import selection_export
from dossier.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.customers.services import assign_owner, share_customer

_shows_errors = shows_errors("bulk/error.html", nav="customers")
#: the form fields of the action bar that carry an action's parameters
PARAMETER_FIELDS = {
    "bulk_tag": "tag",
    "bulk_owner": "owner",
    "bulk_lifecycle": "lifecycle",
    "bulk_campaign": "campaign",
    "bulk_format": "format",
}


def _field(request: AuthenticatedRequest, name: str, limit: int = 200) -> str:
    return request.POST.get(name, "").replace("\x00", "").strip()[:limit]


@require_POST
def start(request: AuthenticatedRequest) -> HttpResponse:
    """The action bar's form: ``action``, its ``bulk_*`` parameters, and repeated ``ids`` or
    ``all_matching=1`` with the list's filters (q, tag, template, owner, status)."""
    parameters = {key: _field(request, name) for name, key in PARAMETER_FIELDS.items()}
    everything = request.POST.get("all_matching") == "1"
    try:
        bulk = services.start_bulk_action(
            actor=request.user,
            action=_field(request, "action", 32),
            parameters={k: v for k, v in parameters.items() if v},
            ids=None if everything else request.POST.getlist("ids"),
            filters={k: _field(request, k) for k in selectors.FILTER_KEYS} if everything else None,
        )
    except ApplicationError as error:
        context = {"error": error, "details": error.details(), "nav": "customers"}
        return render(request, "bulk/error.html", context, status=error.status)
    return redirect("bulk:detail", bulk_id=bulk.pk)


@require_GET
@_shows_errors
def detail(request: AuthenticatedRequest, bulk_id: int) -> HttpResponse:
    """A bulk action's progress (htmx asks again every two seconds until it is finished)."""
    bulk = selectors.bulk_action_for(actor=request.user, bulk_id=bulk_id)
    context = {
        "bulk": bulk,
        "nav": "customers",
        "undoable": services.may_be_undone(bulk),
        "mine": bulk.actor_id == request.user.pk,
    }
    if request.headers.get("HX-Request"):
        return render(request, "bulk/_progress.html", context)
    return render(request, "bulk/detail.html", context)


@require_POST
@_shows_errors
def undo(request: AuthenticatedRequest, bulk_id: int) -> HttpResponse:
    """Undo a bulk action for the customers unchanged since."""
    try:
        bulk = services.undo_bulk_action(actor=request.user, bulk_id=bulk_id)
    except ApplicationError as error:
        if isinstance(error, NotFound | PermissionDenied):
            raise
        messages.error(request, str(error.message))
        return redirect("bulk:detail", bulk_id=bulk_id)
    if bulk.undo_report:
        messages.success(
            request,
            _("Undone for %(restored)d customers; %(skipped)d left as they are now.")
            % {
                "restored": bulk.undo_report["restored"],
                "skipped": len(bulk.undo_report["skipped"]),
            },
        )
    return redirect("bulk:detail", bulk_id=bulk.pk)


@require_GET
@_shows_errors  # type: ignore[arg-type]  # a streamed answer, not an HttpResponse
def download(request: AuthenticatedRequest, bulk_id: int) -> HttpResponseBase:
    """The file of an export action, for its author only, masked as they see the customers."""
    bulk = selectors.bulk_action_for(actor=request.user, bulk_id=bulk_id)
    if bulk.action != "export" or bulk.actor_id != request.user.pk:
        raise NotFound(_("No such export."), code="bulk_action_not_found")
    if not request.user.has_perm("customers.export_customer"):
        raise PermissionDenied(_("You may not export customers."))
    export = selection_export(bulk)
    response = StreamingHttpResponse(export.chunks(), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _person(request: AuthenticatedRequest, field: str) -> Any:
    name = _field(request, field, 150)
    person = (
        get_user_model().objects.filter(username=name, is_active=True).first() if name else None
    )
    if person is None:
        raise ValidationFailed(
            _("There is no active user “%(name)s”.") % {"name": name}
            if name
            else _("Choose a user.")
        )
    return person


def _back(customer_id: Any) -> HttpResponse:
    return redirect("customers:detail", customer_id=customer_id)


@require_POST
@_shows_errors
def change_owner(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Give the customer to another owner (the core's rule on who may hold it)."""
    try:
        owner = _person(request, "owner")
        assign_owner(actor=request.user, customer_id=customer_id, owner=owner)
    except ValidationFailed as error:
        messages.error(request, failure(customer_id, error)["reason"])
        return _back(customer_id)
    messages.success(
        request, _("%(name)s now owns this customer.") % {"name": owner.get_username()}
    )
    return _back(customer_id)


@require_POST
@_shows_errors
def share(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Let a colleague see and work on the customer too."""
    try:
        person = _person(request, "user")
        share_customer(actor=request.user, customer_id=customer_id, user=person)
    except ValidationFailed as error:
        messages.error(request, failure(customer_id, error)["reason"])
        return _back(customer_id)
    messages.success(request, _("Shared with %(name)s.") % {"name": person.get_username()})
    return _back(customer_id)
