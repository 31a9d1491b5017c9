"""Feedback and survey pages: the list (filters), one feedback with its next steps, surveys
and their results. Thin: parse the request, call a selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.core.errors import ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.feedback import selectors, services
from dossier.feedback.models import Feedback, Kind, Status
from dossier.feedback.services.feedback import TRANSITIONS

_shows_errors = shows_errors("feedback/error.html", nav="feedback")
PAGE_SIZE = 50
DONE: dict[str, Any] = {
    Status.ACKNOWLEDGED: gettext_lazy("Marked as acknowledged."),
    Status.RESOLVED: gettext_lazy("Marked as resolved."),
    Status.CLOSED: gettext_lazy("Closed."),
}


def _cursor(request: AuthenticatedRequest) -> str | None:
    return query_text(request, "cursor", limit=40) or None


@require_GET
@_shows_errors
def feedback_list(request: AuthenticatedRequest) -> HttpResponse:
    """Feedback of the customers you may see (a manager: the team's), filtered by kind/status."""
    kind = query_text(request, "kind", limit=20)
    status = query_text(request, "status", limit=20)
    filters = selectors.FeedbackFilters(
        kind=kind if kind in Kind.values else "",
        status=status if status in Status.values else "",
    )
    try:
        page = selectors.feedback_list(
            actor=request.user, filters=filters, cursor=_cursor(request), limit=PAGE_SIZE
        )
    except ValidationFailed:  # a cursor typed by hand: start again from the first page
        page = selectors.feedback_list(actor=request.user, filters=filters, limit=PAGE_SIZE)
    context = {
        "nav": "feedback",
        "filters": filters,
        "kinds": Kind.choices,
        "statuses": Status.choices,
        "items": page.items,
        "next_cursor": page.next_cursor,
        "cursor": _cursor(request),
    }
    return render(request, "feedback/list.html", context)


def _detail(
    request: AuthenticatedRequest, row: Feedback, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "nav": "feedback",
        "feedback": row,
        "next_statuses": TRANSITIONS[row.status],
        "errors": errors or {},
        "form": request.POST if errors else {},
    }


@require_GET
@_shows_errors
def feedback_detail(request: AuthenticatedRequest, feedback_id: int) -> HttpResponse:
    """One feedback: what the customer said, and buttons to move it on."""
    row = selectors.feedback_for(request.user, feedback_id)
    return render(request, "feedback/detail.html", _detail(request, row))


@require_POST
@_shows_errors
def feedback_change(request: AuthenticatedRequest, feedback_id: int) -> HttpResponse:
    """Acknowledge, resolve or close (the button pressed names the new status)."""
    status = str(request.POST.get("status", ""))
    try:
        services.change_status(
            actor=request.user,
            feedback_id=feedback_id,
            status=status,
            resolution=request.POST.get("resolution", ""),
        )
    except ValidationFailed as error:
        language = get_language() or "zh-hans"
        errors = {err.field: err.message(language) for err in error.errors}
        row = selectors.feedback_for(request.user, feedback_id)
        return render(request, "feedback/detail.html", _detail(request, row, errors), status=422)
    messages.success(request, DONE.get(status, _("Saved.")))
    return redirect("feedback:detail", feedback_id=feedback_id)


@require_GET
@_shows_errors
def survey_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every survey; its results for those who may read customers' answers."""
    surveys = selectors.survey_list(actor=request.user)
    return render(request, "feedback/surveys.html", {"nav": "feedback", "surveys": surveys})


@require_GET
@_shows_errors
def survey_results(request: AuthenticatedRequest, survey_id: int) -> HttpResponse:
    """A survey's summary (CSAT, NPS, choices) and its answers, of the customers you may see."""
    try:
        page = selectors.survey_responses(
            actor=request.user, survey_id=survey_id, cursor=_cursor(request), limit=PAGE_SIZE
        )
    except ValidationFailed:
        page = selectors.survey_responses(actor=request.user, survey_id=survey_id)
    context = {
        "nav": "feedback",
        "survey": page.survey,
        "summary": page.summary,
        "items": page.items,
        "next_cursor": page.next_cursor,
        "cursor": _cursor(request),
    }
    return render(request, "feedback/survey.html", context)
