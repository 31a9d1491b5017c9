"""Consent pages: a customer's consent panel (staff) and the public code confirmation page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dossier.consent import selectors, services
from dossier.core.errors import TooManyAttempts, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, request_origin, shows_errors

OPERATIONS = ("grant", "withdraw", "request")


# consent pages are part of a customer's pages, and share their error page
_shows_errors = shows_errors("customers/error.html", nav="customers")


def _errors(error: ValidationFailed) -> tuple[dict[str, str], list[str]]:
    """Messages by field and the list for the summary, in the page's language."""
    language = get_language() or "zh-hans"
    by_field: dict[str, str] = {}
    summary = []
    for err in error.errors:
        by_field.setdefault(err.field, err.message(language))
        summary.append(err.message(language))
    return by_field, summary or [str(error.message)]


def _change(request: AuthenticatedRequest, customer_id: Any) -> str:
    """Apply the button pressed ("grant:marketing:sms" …); return the success message."""
    operation, _sep, rest = str(request.POST.get("change", "")).partition(":")
    purpose, _sep, channel = rest.partition(":")
    if operation not in OPERATIONS:
        raise ValidationFailed(_("Choose what to record with one of the buttons."))
    common: dict[str, Any] = {
        "actor": request.user,
        "customer_id": customer_id,
        "purpose": purpose,
        "channel": channel,
        "notice_version": request.POST.get("notice_version", ""),
        "evidence": {**request_origin(request), "reference": request.POST.get("reference", "")},
    }
    if operation == "grant":
        services.grant_consent(source="staff", **common)
        return _("Consent recorded.")
    if operation == "withdraw":
        services.withdraw_consent(source="staff", **common)
        return _("Withdrawal recorded.")
    started = services.start_double_opt_in(**common)
    return _("A confirmation code was sent by %(via)s.") % {
        "via": _("e-mail") if started.deliver_via == "email" else _("SMS")
    }


@require_http_methods(["GET", "POST"])
@_shows_errors
def customer_consent(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """A customer's consent per purpose × channel, with grant, withdraw and send-code buttons."""
    context: dict[str, Any] = {"nav": "customers", "errors": {}, "summary": [], "form": {}}
    status = 200
    if request.method == "POST":
        try:
            messages.success(request, _change(request, customer_id))
            return redirect("consent:customer", customer_id=customer_id)
        except ValidationFailed as error:
            context["errors"], context["summary"] = _errors(error)
            context["form"] = request.POST
            status = 422
    context.update(selectors.consent_panel(actor=request.user, customer_id=customer_id))
    return render(request, "consent/customer.html", context, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """Public: a customer types (or follows a link with) their code to confirm consent.

    A GET only fills in the form, so mail scanners that open links confirm nothing.
    """
    client = request_origin(request)
    context: dict[str, Any] = {"code": query_text(request, "code", limit=64), "errors": {}}
    if request.method != "POST":
        return render(request, "consent/confirm.html", context)
    context["code"] = request.POST.get("code", "")[:64]
    try:
        event = services.confirm_double_opt_in(
            code=context["code"], evidence=client, client_ip=client["ip"]
        )
    except TooManyAttempts as error:
        minutes = max(1, -(-error.retry_after // 60))
        context["errors"] = {
            "code": ngettext(
                "Too many wrong codes. Try again in %(minutes)d minute.",
                "Too many wrong codes. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        }
        response = render(request, "consent/confirm.html", context, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except ValidationFailed as error:
        context["errors"], _summary = _errors(error)
        return render(request, "consent/confirm.html", context, status=422)
    done = {"purpose": event.purpose, "channel": event.get_channel_display()}
    return render(request, "consent/confirmed.html", done)
