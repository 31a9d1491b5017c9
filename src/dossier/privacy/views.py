"""Privacy pages: data-subject requests, a customer's privacy page, the self-service page."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dossier.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, request_origin, shows_errors
from dossier.customers.selectors import customer_names, picker_matches
from dossier.customers.templatetags.customer_pages import input_value
from dossier.privacy import requests as subject_requests
from dossier.privacy import selfservice
from dossier.privacy.models import SubjectRequest

_shows_errors = shows_errors("privacy/error.html", nav="privacy")


def _message(error: ApplicationError) -> str:
    language = get_language() or "zh-hans"
    details = [err.message(language) for err in error.errors]
    return " ".join([str(error.message), *details]) if details else str(error.message)


def _int(value: Any, default: int) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value if value not in (None, "") else default


def _received(text: str) -> datetime | None:
    """A date typed on the form as the moment of receipt (today's time of day, local)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None  # empty or unreadable: received now
    now = timezone.localtime()
    return timezone.make_aware(datetime.combine(day, now.time().replace(tzinfo=None)))


@require_http_methods(["GET", "POST"])
@_shows_errors
def request_list(request: AuthenticatedRequest) -> HttpResponse:
    """Requests to answer, soonest due first (overdue ones highlighted); record a new one."""
    form: dict[str, Any] = {}
    status = 200
    query = ""
    if request.method == "POST":
        post = request.POST
        query = post.get("customer_q", "").strip()
        form = {
            "customer_id": post.get("customer_id", "").strip(),
            "kind": post.get("kind", ""),
            "received_via": post.get("received_via", ""),
            "due_in_days": _int(post.get("due_in_days"), subject_requests.DEFAULT_DUE_DAYS),
            "note": post.get("note", ""),
            "received_at": _received(post.get("received_on", "")),
        }
        try:
            if not form["customer_id"]:
                raise ValidationFailed(
                    _("Choose the customer: search by name or phone, then pick one."),
                    code="customer_required",
                )
            subject_requests.open_request(actor=request.user, **form)
        except (ValidationFailed, NotFound) as error:
            messages.error(request, _message(error))
            status = 422 if isinstance(error, ValidationFailed) else 404
        else:
            messages.success(request, _("Request recorded."))
            return redirect("privacy:requests")
    shown = query_text(request, "status", "open")
    filters = subject_requests.RequestFilters(
        status="" if shown == "all" else shown, overdue=query_text(request, "overdue") == "1"
    )
    items = list(subject_requests.request_list(actor=request.user, filters=filters)[:500])
    names = customer_names(
        actor=request.user, customer_ids=[i.customer_id for i in items] + [form.get("customer_id")]
    )
    for item in items:
        item.customer_name = names.get(str(item.customer_id), "")  # type: ignore[attr-defined]
    chosen = form.get("customer_id", "")
    context = {
        "nav": "privacy",
        "items": items,
        "shown": shown,
        "form": form,
        "pick": _pick_context(request, query, chosen, names),
        "kinds": SubjectRequest.Kind.choices,
        "vias": SubjectRequest.Via.choices,
        "default_days": subject_requests.DEFAULT_DUE_DAYS,
    }
    return render(request, "privacy/requests.html", context, status=status)


def _pick_context(
    request: AuthenticatedRequest, query: str, chosen: str, names: dict[str, str]
) -> dict[str, Any]:
    """The customer search box of the request form: the chosen customer and, without
    JavaScript, the customers matching what was typed."""
    picked = (
        {"id": chosen, "name": names[chosen], "short": chosen.replace("-", "")[-8:]}
        if chosen in names
        else None
    )
    matches = picker_matches(actor=request.user, query=query) if query and not picked else []
    return {"chosen": picked, "matches": matches, "query": query}


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("privacy:requests")


@require_POST
@_shows_errors
def request_close(request: AuthenticatedRequest, request_id: int, outcome: str) -> HttpResponse:
    """Complete or refuse a request (refusing needs a reason)."""
    if outcome not in ("complete", "refuse"):
        raise NotFound(_("Not found."))
    try:
        if outcome == "refuse":
            subject_requests.refuse_request(
                actor=request.user, request_id=request_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Request refused."))
        else:
            subject_requests.complete_request(
                actor=request.user, request_id=request_id, note=request.POST.get("note", "")
            )
            messages.success(request, _("Request completed."))
    except ApplicationError as error:
        if isinstance(error, NotFound | PermissionDenied):
            raise
        messages.error(request, _message(error))
    return _back(request)


@require_GET
@_shows_errors
def customer_privacy(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """A customer's requests, restrictions and erasure, with the actions that answer them."""
    context = subject_requests.customer_privacy(actor=request.user, customer_id=customer_id)
    issued = request.session.pop("privacy_issued_link", None)
    if issued:
        issued["expires_at"] = datetime.fromisoformat(issued["expires_at"])
    context.update(
        nav="privacy",
        kinds=SubjectRequest.Kind.choices,
        vias=SubjectRequest.Via.choices,
        default_days=subject_requests.DEFAULT_DUE_DAYS,
        issued=issued,
    )
    return render(request, "privacy/customer.html", context)


@require_POST
@_shows_errors
def customer_export(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Download everything held about the customer as JSON (audited)."""
    data = subject_requests.export_customer_data(
        actor=request.user,
        customer_id=customer_id,
        request_id=request.POST.get("request_id") or None,
    )
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer_id}.json"'
    add_never_cache_headers(response)
    return response


ACTIONS: dict[str, Callable[..., Any]] = {
    "erase": subject_requests.erase_customer,
    "restrict": subject_requests.restrict_processing,
    "lift": subject_requests.lift_restriction,
    "object": subject_requests.object_to_marketing,
}
DONE = {
    "erase": gettext_lazy("The customer's personal data was erased."),
    "restrict": gettext_lazy("Processing restricted."),
    "lift": gettext_lazy("Restriction lifted."),
    "object": gettext_lazy("Objection recorded; marketing consent withdrawn."),
}


@require_POST
@_shows_errors
def customer_action(request: AuthenticatedRequest, customer_id: Any, action: str) -> HttpResponse:
    """Erase, restrict, lift a restriction or record an objection (after confirmation)."""
    post = request.POST
    arguments: dict[str, Any] = {"actor": request.user, "customer_id": customer_id}
    if action == "erase":
        if post.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the erasure."))
            return redirect("privacy:customer", customer_id=customer_id)
        arguments["request_id"] = post.get("request_id") or None
    elif action == "lift":
        arguments.update(scope=post.get("scope", "all"), reason=post.get("reason", ""))
    else:
        arguments.update(reason=post.get("reason", ""), request_id=post.get("request_id") or None)
    if action not in ACTIONS:
        raise NotFound(_("Not found."))
    try:
        ACTIONS[action](**arguments)
    except ApplicationError as error:
        if isinstance(error, NotFound | PermissionDenied):
            raise
        messages.error(request, _message(error))
    else:
        messages.success(request, str(DONE[action]))
    return redirect("privacy:customer", customer_id=customer_id)


@require_POST
@_shows_errors
def customer_link(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Issue a self-service link; the page shows it once, to send to the customer."""
    try:
        link = selfservice.issue_self_service_link(
            actor=request.user,
            customer_id=customer_id,
            days=_int(request.POST.get("days"), selfservice.DEFAULT_DAYS),
        )
    except ApplicationError as error:
        if isinstance(error, NotFound | PermissionDenied):
            raise
        messages.error(request, _message(error))
    else:
        url = request.build_absolute_uri(reverse("privacy:self_service", args=[link.token]))
        request.session["privacy_issued_link"] = {
            "url": url,
            "expires_at": link.expires_at.isoformat(),
        }
    return redirect("privacy:customer", customer_id=customer_id)


# ---- the customer's own page (no log-in: the signed link is the key) ------------------------


def _private(response: HttpResponse, language: str | None) -> HttpResponse:
    """Never cached, never indexed; remembers a language chosen on the page."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    if language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


def _self_service_post(request: HttpRequest, token: str) -> str:
    """Apply the customer's form; returns the success message."""
    post = request.POST
    if post.get("action") == "withdraw":
        purpose, _sep, channel = post.get("consent", "").partition(":")
        selfservice.withdraw_own_consent(
            token=token, purpose=purpose, channel=channel, **request_origin(request)
        )
        return _("Your consent was withdrawn.")
    changed = selfservice.correct_own_profile(
        token=token,
        values={key: post.get(key, "") for key in selfservice.EDITABLE if key in post},
        expected_version=_int(post.get("version"), 0) or None,
        **request_origin(request),
    )
    return _("Your changes were saved.") if changed else _("Nothing was changed.")


@login_not_required
@require_http_methods(["GET", "POST"])
def self_service(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's own profile and consents, unmasked, with contact fields to correct."""
    chosen = query_text(request, "lang")
    language = chosen if chosen in dict(settings.LANGUAGES) else None
    with translation.override(language or get_language()):
        context: dict[str, Any] = {"token": token, "errors": {}, "language": get_language()}
        status = 200
        if request.method == "POST":
            try:
                context["done"] = _self_service_post(request, token)
            except selfservice.LinkRefused as error:
                return _private(_refused(request, error), language)
            except ValidationFailed as error:
                context["errors"] = {e.field: e.message(get_language()) for e in error.errors}
                context["problem"] = str(error.message)
                context["posted"] = request.POST
                status = 422
            except ApplicationError as error:  # a conflict, or the issuer lost access
                context["problem"] = str(error.message)
                status = error.status
        try:
            page = selfservice.self_service_page(token=token, **request_origin(request))
        except selfservice.LinkRefused as error:
            return _private(_refused(request, error), language)
        context.update(page=page, inputs=_inputs(page, context), shown=page.shown)
        response = render(request, "privacy/self_service.html", context, status=status)
    return _private(response, language)


def _inputs(page: selfservice.SelfServicePage, context: dict[str, Any]) -> list[dict[str, Any]]:
    """The correction form's inputs: what was posted (after an error) or what is stored."""
    posted = context.get("posted")
    language = get_language() or "zh-hans"
    return [
        {
            "key": spec.key,
            "label": spec.label(language),
            "required": spec.required,
            "value": posted.get(spec.key, "")
            if posted
            else input_value(spec, page.values.get(spec.key)),
            "error": context["errors"].get(spec.key, ""),
        }
        for spec in page.editable
    ]


def _refused(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    context = {"error": error, "language": get_language()}
    return render(request, "privacy/self_service_refused.html", context, status=error.status)
