"""The audit log page: search by person, action, customer and dates."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dossier.audit.models import AuditEvent
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.pages import query_date, query_number, query_text
from dossier.customers.selectors import customer_names, picker_matches
from dossier.privacy.audit_log import AuditFilters, AuditPage, audit_events

#: what the records an event is about are called on the page
OBJECT_TYPES = {
    "customer": gettext_lazy("customer"),
    "customer_batch": gettext_lazy("customers (batch)"),
    "consent": gettext_lazy("consent"),
    "subject_request": gettext_lazy("data-subject request"),
    "processing_restriction": gettext_lazy("processing restriction"),
    "self_service": gettext_lazy("self-service page"),
    "self_service_link": gettext_lazy("self-service link"),
    "template": gettext_lazy("template"),
    "retention_policy": gettext_lazy("retention policy"),
    "api_token": gettext_lazy("API token"),
    "user": gettext_lazy("user"),
}
#: reasons Dossier itself records (services write them in English, for the log)
REASONS = {
    "self-service": gettext_lazy("by the customer, through a self-service link"),
    "data subject access": gettext_lazy("the customer asked for a copy of their data"),
    "data subject erasure request": gettext_lazy("the customer asked for erasure"),
}
_RETENTION = re.compile(r"retention policy (?P<category>\S+) \((?P<months>\d+) months\)")
_LOGIN = re.compile(r"username: (?P<name>.*?)(?P<locked> \(locked out\))?")


def reason_text(reason: str) -> str:
    """A recorded reason in the reader's language (staff-typed reasons stay as typed)."""
    if reason in REASONS:
        return str(REASONS[reason])
    if found := _RETENTION.fullmatch(reason):
        return _("retention policy %(category)s (%(months)s months)") % found.groupdict()
    if found := _LOGIN.fullmatch(reason):
        if found["locked"]:
            return _("log-in name: %(name)s (locked out)") % {"name": found["name"]}
        return _("log-in name: %(name)s") % {"name": found["name"]}
    return reason


def _rows(page: AuditPage, names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "event": event,
            "customer_name": names.get(str(event.customer_id), ""),
            "object_label": OBJECT_TYPES.get(event.object_type, event.object_type),
            "reason": reason_text(event.reason),
        }
        for event in page.items
    ]


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Audit events, newest first, with filters and pages."""
    query = query_text(request, "customer_q")
    customer = query_text(request, "customer")
    matches = picker_matches(actor=request.user, query=query) if query and not customer else []
    if len(matches) == 1:  # typed without JavaScript: one match is the one meant
        customer = matches[0]["id"]
    filters = AuditFilters(
        actor=query_text(request, "actor"),
        action=query_text(request, "action"),
        customer=customer,
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
    names = customer_names(
        actor=request.user, customer_ids=[e.customer_id for e in page.items] + [customer]
    )
    chosen = (
        {"id": customer, "name": names[customer], "short": customer.replace("-", "")[-8:]}
        if customer in names
        else None
    )
    params = request.GET.copy()
    params.pop("cursor", None)
    context: dict[str, Any] = {
        "nav": "audit",
        "page": page,
        "rows": _rows(page, names),
        "filters": filters,
        "pick": {"chosen": chosen, "matches": [] if chosen else matches, "query": query},
        "actions": AuditEvent.Action.choices,
        "query": params.urlencode(),
    }
    return render(request, "privacy/audit.html", context)
