"""Ticket pages: the list (with an "overdue" view), one ticket with its workflow buttons, a new
ticket for a customer (the 360 page's quick action posts here with htmx).

Buttons post with htmx and get the redrawn part back (``HX-Trigger: timeline-changed`` tells a
360 page to redraw its timeline); without JavaScript they redirect to the ticket.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dossier.core.errors import ApplicationError, Conflict, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.customers.access import allows, customer_for
from dossier.tickets import selectors, services, transitions
from dossier.tickets.models import PRIORITY_LABELS, STATUS_LABELS

PAGE_SIZE = 50
_shows_errors = shows_errors("tickets/error.html", nav="tickets")
#: the event a 360 page listens to, to redraw its timeline
TIMELINE_CHANGED = "timeline-changed"


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (and wants a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def field_errors(error: ValidationFailed) -> dict[str, str]:
    """The first message of each field, in the page's language."""
    language = get_language() or "zh-hans"
    found: dict[str, str] = {}
    for err in error.errors:
        found.setdefault(err.field or "general", err.message(language))
    return found or {"general": str(error.message)}


@require_GET
@_shows_errors
def ticket_list(request: AuthenticatedRequest) -> HttpResponse:
    """Tickets you may see, filtered by status and assignee; "overdue" lists the late ones."""
    status = query_text(request, "status", limit=40)
    filters = selectors.TicketFilters(
        status=status if status in transitions.STATUSES else "",
        assignee="me" if query_text(request, "assignee") == "me" else "",
        overdue=query_text(request, "overdue") == "1",
    )
    cursor = query_text(request, "cursor", limit=200) or None
    now = timezone.now()
    try:
        page = selectors.ticket_list(
            actor=request.user, filters=filters, cursor=cursor, limit=PAGE_SIZE, now=now
        )
    except ValidationFailed:  # a mangled cursor: the first page instead of an error
        cursor = None
        page = selectors.ticket_list(actor=request.user, filters=filters, limit=PAGE_SIZE, now=now)
    context: dict[str, Any] = {
        "nav": "tickets",
        "tickets": page.items,
        "next_cursor": page.next_cursor,
        "cursor": cursor,
        "filters": filters,
        "statuses": list(STATUS_LABELS.items()),
        "now": now,
    }
    name = "tickets/_results.html" if is_htmx(request) else "tickets/list.html"
    response = render(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _workflow_context(request: AuthenticatedRequest, ticket_id: int) -> dict[str, Any]:
    ticket = selectors.ticket_for(actor=request.user, ticket_id=ticket_id)
    return {
        "nav": "tickets",
        "ticket": ticket,
        "shown": selectors.present(ticket, request.user),
        "history": selectors.present_history(ticket, request.user),
        "may_change": allows(request.user, ticket.customer, "change"),
    }


@require_GET
@_shows_errors
def ticket_detail(request: AuthenticatedRequest, ticket_id: int) -> HttpResponse:
    """One ticket: its facts, the buttons of the moves it allows, and its history."""
    return render(request, "tickets/detail.html", _workflow_context(request, ticket_id))


def _after_change(
    request: AuthenticatedRequest, ticket_id: int, error: ApplicationError | None, done: str
) -> HttpResponse:
    if not is_htmx(request):
        if error is None:
            messages.success(request, done)
        else:
            messages.error(request, str(error.message))
        return redirect("tickets:detail", ticket_id=ticket_id)
    context = _workflow_context(request, ticket_id)
    context["problem"] = str(error.message) if error is not None else ""
    context["notice"] = done if error is None else ""
    response = render(request, "tickets/_workflow.html", context)
    if error is None:
        response["HX-Trigger"] = TIMELINE_CHANGED
    return response


@require_POST
@_shows_errors
def transition(request: AuthenticatedRequest, ticket_id: int) -> HttpResponse:
    """Press a workflow button: move the ticket to the state named by ``to``."""
    try:
        services.transition_ticket(
            actor=request.user,
            ticket_id=ticket_id,
            to=request.POST.get("to", ""),
            note=request.POST.get("note", ""),
            from_status=request.POST.get("from_status") or None,
        )
    except (ValidationFailed, Conflict) as error:
        return _after_change(request, ticket_id, error, "")
    return _after_change(request, ticket_id, None, _("Ticket updated."))


@require_POST
@_shows_errors
def assign(request: AuthenticatedRequest, ticket_id: int) -> HttpResponse:
    """Hand the ticket to a colleague (a user name; "me" takes it)."""
    name = request.POST.get("assignee", "").strip()
    assignee: Any = request.user if name == "me" else name
    try:
        services.assign_ticket(actor=request.user, ticket_id=ticket_id, assignee=assignee)
    except (ValidationFailed, Conflict) as error:
        return _after_change(request, ticket_id, error, "")
    return _after_change(request, ticket_id, None, _("Ticket assigned."))


@require_http_methods(["GET", "POST"])
@_shows_errors
def create(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """A new ticket about a customer (GET: the form as a page; POST: open it)."""
    customer = customer_for(request.user, customer_id, "change")
    context: dict[str, Any] = {
        "nav": "tickets",
        "customer": customer,
        "errors": {},
        "form": {},
        "priorities": list(PRIORITY_LABELS.items()),
    }
    if request.method == "POST":
        try:
            ticket = services.open_ticket(
                actor=request.user,
                customer_id=customer.pk,
                subject=request.POST.get("subject", ""),
                description=request.POST.get("description", ""),
                priority=request.POST.get("priority", ""),
                product_ref=request.POST.get("product_ref", ""),
                order_ref=request.POST.get("order_ref", ""),
            )
        except ValidationFailed as error:
            context.update(errors=field_errors(error), form=request.POST)
            if is_htmx(request):
                return render(request, "tickets/quick_action.html", context)
            return render(request, "tickets/create.html", context, status=422)
        if not is_htmx(request):
            messages.success(request, _("Ticket opened."))
            return redirect("tickets:detail", ticket_id=ticket.pk)
        context.update(notice=_("Ticket opened."), opened=ticket)
        response = render(request, "tickets/quick_action.html", context)
        response["HX-Trigger"] = TIMELINE_CHANGED
        return response
    return render(request, "tickets/create.html", context)
