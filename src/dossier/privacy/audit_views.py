"""The audit log page: search by person, action, customer and dates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.pages import query_date, query_number, query_text

from .audit_log import AuditFilters, AuditPage, audit_events
from .models import AuditEvent


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Audit events, newest first, with filters and pages."""
    filters = AuditFilters(
        actor=query_text(request, "actor"),
        action=query_text(request, "action"),
        customer=query_text(request, "customer"),
        since=query_date(request, "since"),
        until=query_date(request, "until"),
    )
    cursor = query_number(request, "cursor")
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
