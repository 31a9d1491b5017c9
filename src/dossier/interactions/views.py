"""The quick actions "log a call" and "add a note" of a customer's page.

Each form posts here with htmx and gets itself back: emptied with a confirmation and an
``HX-Trigger: timeline-changed`` header (the page reloads its timeline), or with the errors
(answered 200, since htmx swaps nothing on a 4xx). Without JavaScript the form posts normally:
a redirect to the customer's page, or the form alone with its errors (422).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossier.core import inputs
from dossier.core.errors import ApplicationError, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.customers.access import customer_for
from dossier.interactions import services
from dossier.interactions.models import Channel, Direction

_shows_errors = shows_errors("customers/error.html", nav="customers")

MINUTES = FieldLabel("duration_minutes", "时长（分钟）", "Duration (minutes)")
NOTE = FieldLabel("notes", "备注", "Note")
FORMS = {
    "call": ("interactions/_log_call.html", gettext_lazy("Call logged.")),
    "note": ("interactions/_add_note.html", gettext_lazy("Note added.")),
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _call_values(post: Any) -> dict[str, Any]:
    """The call form's fields as the service takes them (minutes typed, seconds stored)."""
    errors: list[FieldError] = []
    minutes = inputs.whole_number(
        post.get("duration_minutes"), MINUTES, errors, minimum=0, maximum=24 * 60
    )
    if errors:
        raise ValidationFailed(_("The interaction could not be saved."), errors=errors)
    return {
        "channel": post.get("channel", Channel.PHONE),
        "direction": post.get("direction", Direction.OUTBOUND),
        "occurred_at": post.get("occurred_at") or None,
        "duration_seconds": None if minutes is None else minutes * 60,
        "subject": post.get("subject", ""),
        "notes": post.get("notes", ""),
        "outcome": post.get("outcome", ""),
        "next_step": post.get("next_step", ""),
    }


def _note_values(post: Any) -> dict[str, Any]:
    # a note is its text: the form asks for it (the service allows an interaction without)
    if not str(post.get("notes", "")).strip():
        raise ValidationFailed(
            _("The interaction could not be saved."),
            errors=[FieldError("required", spec=NOTE)],
        )
    return {
        "channel": Channel.NOTE,
        "direction": Direction.INTERNAL,
        "notes": post.get("notes", ""),
    }


def _errors(error: ValidationFailed) -> tuple[dict[str, str], list[str]]:
    language = get_language() or "zh-hans"
    by_field: dict[str, str] = {}
    for err in error.errors:
        by_field.setdefault(err.field, err.message(language))
    return by_field, [err.message(language) for err in error.errors] or [str(error.message)]


def _quick(request: AuthenticatedRequest, customer_id: Any, form: str) -> HttpResponse:
    template, done = FORMS[form]
    customer = customer_for(request.user, customer_id, "change")
    context: dict[str, Any] = {"customer": customer, "errors": {}, "summary": [], "form": {}}
    try:
        values = _call_values(request.POST) if form == "call" else _note_values(request.POST)
        services.log_interaction(actor=request.user, customer_id=customer.pk, **values)
    except ValidationFailed as error:
        context["errors"], context["summary"] = _errors(error)
        context["form"] = request.POST
        return render(request, template, context, status=200 if _is_htmx(request) else 422)
    except ApplicationError as error:  # an erased customer: nothing more may be added
        context["summary"] = [str(error.message)]
        return render(request, template, context, status=200 if _is_htmx(request) else 409)
    if not _is_htmx(request):
        messages.success(request, done)
        return redirect("customers:detail", customer_id=customer.pk)
    context["done"] = done
    response = render(request, template, context)
    response["HX-Trigger"] = "timeline-changed"
    return response


@require_POST
@_shows_errors
def log_call(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Log a call with the customer (quick action)."""
    return _quick(request, customer_id, "call")


@require_POST
@_shows_errors
def add_note(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Add an internal note about the customer (quick action)."""
    return _quick(request, customer_id, "note")
