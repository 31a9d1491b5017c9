"""Verification pages: the buttons of the customer page's section, and the rule's report.

The section's forms post with htmx and get the redrawn section back; without JavaScript they
redirect to the customer's page with a message.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.core.errors import Conflict, TooManyAttempts, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.customers.access import customer_for
from dossier.verification import selectors, services
from dossier.verification.registrations import section_context

_shows_errors = shows_errors("verification/error.html", nav="customers")


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _message(error: ValidationFailed | Conflict | TooManyAttempts) -> str:
    language = get_language() or "zh-hans"
    for err in getattr(error, "errors", []) or []:
        return str(err.message(language))
    return str(error.message)


def _answer(
    request: AuthenticatedRequest, customer_id: UUID, *, note: str = "", problem: str = ""
) -> HttpResponse:
    """The redrawn section (htmx) or the customer's page with a message."""
    if _is_htmx(request):
        customer = customer_for(request.user, customer_id, "view")
        context: dict[str, Any] = dict(section_context(request, customer) or {})
        context.update({"note": note, "problem": problem})
        return render(request, "verification/_section.html", context)
    if problem:
        messages.error(request, problem)
    elif note:
        messages.success(request, note)
    return redirect("customers:detail", customer_id=customer_id)


def _act(request: AuthenticatedRequest, customer_id: UUID, work: Any) -> HttpResponse:
    try:
        note = work()
    except (ValidationFailed, Conflict, TooManyAttempts) as error:
        customer_for(request.user, customer_id, "change")  # 404/403 before a message
        return _answer(request, customer_id, problem=_message(error))
    return _answer(request, customer_id, note=note)


@require_POST
@_shows_errors
def start(request: AuthenticatedRequest, customer_id: UUID, field: str) -> HttpResponse:
    """Send a code to the field's current value."""

    def work() -> str:
        sent = services.start_verification(actor=request.user, customer_id=customer_id, field=field)
        how = _("by SMS") if sent.via == "sms" else _("by e-mail")
        return _("Code sent %(how)s. Ask the customer to read it back.") % {"how": how}

    return _act(request, customer_id, work)


@require_POST
@_shows_errors
def confirm(request: AuthenticatedRequest, customer_id: UUID, field: str) -> HttpResponse:
    """The code the customer read back."""
    code = str(request.POST.get("code", ""))[:64]

    def work() -> str:
        services.confirm_verification(
            actor=request.user, customer_id=customer_id, field=field, code=code
        )
        return _("Verified.")

    return _act(request, customer_id, work)


@require_POST
@_shows_errors
def record(request: AuthenticatedRequest, customer_id: UUID, field: str) -> HttpResponse:
    """Record a verification by a phone call with the customer."""
    note = str(request.POST.get("note", ""))[:500]

    def work() -> str:
        services.record_verification(
            actor=request.user, customer_id=customer_id, field=field, note=note
        )
        return _("Recorded as verified by a phone call.")

    return _act(request, customer_id, work)


@require_GET
@_shows_errors
def unverified_active(request: AuthenticatedRequest) -> HttpResponse:
    """Active customers whose template's required contact fields are not verified."""
    found = list(
        selectors.active_without_verification(actor=request.user).select_related(
            "template_version"
        )[:200]
    )
    language = get_language() or "zh-hans"
    rows = []
    for customer in found:
        labels = {s.key: s.label(language) for s in customer.template_version.specs()}
        missing = selectors.missing_verifications(customer)
        rows.append({"customer": customer, "missing": [labels.get(k, k) for k in missing]})
    return render(request, "verification/unverified.html", {"nav": "customers", "rows": rows})
