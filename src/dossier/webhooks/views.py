"""Webhook pages: your subscriptions (create, pause, test, remove) and their delivery log."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dossier.core.errors import ApplicationError, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.outbox.models import EVENT_NAMES
from dossier.webhooks import selectors, services
from dossier.webhooks.models import Delivery
from dossier.webhooks.signing import VERIFICATION_SNIPPET

_shows_errors = shows_errors("webhooks/error.html", nav="webhooks")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _field_errors(error: ValidationFailed) -> dict[str, list[str]]:
    language = get_language() or "zh-hans"
    found: dict[str, list[str]] = defaultdict(list)
    for err in error.errors:
        found[err.field or "form"].append(err.message(language))
    return dict(found)


@require_http_methods(["GET", "POST"])
@_shows_errors
def subscriptions(request: AuthenticatedRequest) -> HttpResponse:
    """Your subscriptions; creating one shows its signing secret this once."""
    form: dict[str, Any] = {"name": "", "url": "", "events": []}
    errors: dict[str, list[str]] = {}
    created, secret, status = None, "", 200
    if request.method == "POST":
        form = {
            "name": request.POST.get("name", ""),
            "url": request.POST.get("url", "").strip(),
            "events": request.POST.getlist("events"),
        }
        try:
            created, secret = services.create_subscription(actor=request.user, **form)
        except ValidationFailed as error:
            errors, status = _field_errors(error), 422
        else:
            form = {"name": "", "url": "", "events": []}
    cursor = query_text(request, "cursor", limit=18)
    page = selectors.subscription_page(
        actor=request.user, cursor=cursor if cursor.isdecimal() else "", limit=100
    )
    context = {
        "nav": "webhooks",
        "rows": page.items,
        "next_cursor": page.next_cursor,
        "form": form,
        "errors": errors,
        "created": created,
        "secret": secret,
        "event_names": EVENT_NAMES,
        "snippet": VERIFICATION_SNIPPET,
    }
    return render(request, "webhooks/subscriptions.html", context, status=status)


@require_POST
@_shows_errors
def toggle(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    """Pause a subscription, or start it again."""
    current = selectors.get_subscription(actor=request.user, subscription_id=subscription_id)
    services.update_subscription(
        actor=request.user, subscription_id=subscription_id, active=not current["active"]
    )
    if current["active"]:
        messages.success(request, _("Webhook “%(name)s” paused.") % {"name": current["name"]})
    else:
        messages.success(request, _("Webhook “%(name)s” resumed.") % {"name": current["name"]})
    return redirect("webhooks:list")


@require_POST
@_shows_errors
def delete(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    """Remove a subscription and its delivery log."""
    current = selectors.get_subscription(actor=request.user, subscription_id=subscription_id)
    services.delete_subscription(actor=request.user, subscription_id=subscription_id)
    messages.success(request, _("Webhook “%(name)s” removed.") % {"name": current["name"]})
    return redirect("webhooks:list")


@require_POST
@_shows_errors
def ping(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    """Send a test event now; htmx gets the result in place, others a message."""
    delivery = services.ping(actor=request.user, subscription_id=subscription_id)
    shown = selectors.get_delivery(actor=request.user, delivery_id=delivery.pk)
    if _is_htmx(request):
        return render(request, "webhooks/_ping_result.html", {"delivery": shown})
    if shown["status"] == Delivery.Status.DELIVERED:
        messages.success(request, _("Test event delivered."))
    else:
        messages.error(request, _("Test event not delivered: %(why)s") % {"why": _why(shown)})
    return redirect("webhooks:deliveries", subscription_id=subscription_id)


def _why(delivery: dict[str, Any]) -> str:
    code = delivery["last_status_code"]
    return f"HTTP {code}" if code else (delivery["last_error"] or "—")


@require_GET
@_shows_errors
def deliveries(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    """The delivery log of one subscription, newest first, with a redeliver button per row."""
    subscription = selectors.get_subscription(actor=request.user, subscription_id=subscription_id)
    status = query_text(request, "status", limit=16)
    if status not in Delivery.Status.values:
        status = ""
    cursor = query_text(request, "cursor", limit=18)
    page = selectors.delivery_page(
        actor=request.user,
        subscription_id=subscription_id,
        cursor=cursor if cursor.isdecimal() else "",
        status=status,
    )
    more = ""
    if page.next_cursor:
        more = f"{reverse('webhooks:deliveries', args=[subscription_id])}?cursor={page.next_cursor}"
        more += f"&status={status}" if status else ""
    context = {
        "nav": "webhooks",
        "subscription": subscription,
        "rows": page.items,
        "more": more,
        "status": status,
        "statuses": Delivery.Status.choices,
    }
    return render(request, "webhooks/deliveries.html", context)


@require_POST
@_shows_errors
def redeliver(request: AuthenticatedRequest, delivery_id: int) -> HttpResponse:
    """Send a delivery's event again; htmx gets the new row to put on top of the log."""
    try:
        delivery = services.redeliver(actor=request.user, delivery_id=delivery_id)
    except ApplicationError as error:
        if error.status != 409:
            raise
        if _is_htmx(request):
            return render(request, "webhooks/_notice.html", {"text": error.message})
        messages.error(request, error.message)
        original = selectors.get_delivery(actor=request.user, delivery_id=delivery_id)
        return redirect("webhooks:deliveries", subscription_id=original["subscription_id"])
    shown = selectors.get_delivery(actor=request.user, delivery_id=delivery.pk)
    if _is_htmx(request):
        return render(request, "webhooks/_delivery_row.html", {"row": shown})
    messages.success(request, _("Sent again as delivery %(id)s.") % {"id": delivery.pk})
    return redirect("webhooks:deliveries", subscription_id=shown["subscription_id"])
