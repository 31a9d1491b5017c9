"""The audit log page: search by person, action, customer and dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from dossier.core.errors import PermissionDenied, ValidationFailed

from .audit_log import AuditFilters, AuditPage, audit_events
from .models import AuditEvent


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Audit events, newest first, with filters and pages."""
    get = request.GET
    filters = AuditFilters(
        actor=get.get("actor", "").strip(),
        action=get.get("action", ""),
        customer=get.get("customer", "").strip(),
        since=_day(get.get("since", "")),
        until=_day(get.get("until", "")),
    )
    cursor = int(get["cursor"]) if get.get("cursor", "").isdecimal() else None
    try:
        page = audit_events(actor=request.user, filters=filters, cursor=cursor)
    except PermissionDenied as error:
        return render(
            request, "privacy/audit_denied.html", {"error": error, "nav": "audit"}, status=403
        )
    except ValidationFailed as error:
        language = get_language() or "zh-hans"
        for problem in error.errors:
            messages.error(request, problem.message(language))
        page = AuditPage(items=[], next_cursor=None)
    query = request.GET.copy()
    query.pop("cursor", None)
    context: dict[str, Any] = {
        "nav": "audit",
        "page": page,
        "filters": filters,
        "actions": AuditEvent.Action.choices,
        "query": query.urlencode(),
    }
    return render(request, "privacy/audit.html", context)
