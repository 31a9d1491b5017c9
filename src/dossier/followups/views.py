"""Follow-up pages: "my tasks" (today / overdue / upcoming), done and reopen, a new task.

The buttons post with htmx and get the redrawn row back (with ``HX-Trigger: timeline-changed``
so a customer's 360 page redraws its timeline); without JavaScript they redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dossier.core.errors import Conflict, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.customers.access import customer_for
from dossier.followups import selectors, services

_shows_errors = shows_errors("followups/error.html", nav="tasks")
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
def my_tasks(request: AuthenticatedRequest) -> HttpResponse:
    """Your open tasks in three sections: overdue, due today, upcoming."""
    now = timezone.now()
    sections = selectors.my_sections(actor=request.user, now=now)
    context = {"nav": "tasks", "sections": sections, "now": now}
    return render(request, "followups/my_tasks.html", context)


def _changed(request: AuthenticatedRequest, change: Any, task_id: int, done: str) -> HttpResponse:
    try:
        task = change(actor=request.user, task_id=task_id)
    except Conflict as error:
        if is_htmx(request):
            task = selectors.task_for(actor=request.user, task_id=task_id)
            context = {"task": task, "problem": error.message, "now": timezone.now()}
            return render(request, "followups/_task.html", context)
        messages.error(request, str(error.message))
        return redirect("followups:my_tasks")
    if not is_htmx(request):
        messages.success(request, done)
        return redirect("followups:my_tasks")
    response = render(request, "followups/_task.html", {"task": task, "now": timezone.now()})
    response["HX-Trigger"] = TIMELINE_CHANGED
    return response


@require_POST
@_shows_errors
def complete(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    """Tick a task done."""
    return _changed(request, services.complete_task, task_id, _("Task done."))


@require_POST
@_shows_errors
def reopen(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    """Open a done task again."""
    return _changed(request, services.reopen_task, task_id, _("Task reopened."))


@require_http_methods(["GET", "POST"])
@_shows_errors
def create(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """A new task about a customer (the 360 page's quick action posts here with htmx)."""
    customer = customer_for(request.user, customer_id, "change")
    context: dict[str, Any] = {"nav": "tasks", "customer": customer, "errors": {}, "form": {}}
    if request.method == "POST":
        try:
            services.create_task(
                actor=request.user,
                customer_id=customer.pk,
                title=request.POST.get("title", ""),
                due_at=request.POST.get("due_at", ""),
                assignee=request.POST.get("assignee", "").strip() or None,
            )
        except ValidationFailed as error:
            context.update(errors=field_errors(error), form=request.POST)
            if is_htmx(request):
                return render(request, "followups/quick_action.html", context)
            return render(request, "followups/create.html", context, status=422)
        if not is_htmx(request):
            messages.success(request, _("Task created."))
            return redirect("followups:my_tasks")
        context["notice"] = _("Task created.")
        response = render(request, "followups/quick_action.html", context)
        response["HX-Trigger"] = TIMELINE_CHANGED
        return response
    return render(request, "followups/create.html", context)
