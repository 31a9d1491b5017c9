"""Cleaning pages: start a run and list runs; one run's suggestions and report.

The decisions post one form: a row's own accept/reject button, or the selected rows, or all
of the run's pending suggestions. Without JavaScript everything works; htmx only refreshes a
run that is still going.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from dossier.cleaning import selectors, services
from dossier.cleaning.models import CleaningRun
from dossier.core.pages import AuthenticatedRequest, shows_errors

_page = shows_errors("cleaning/error.html", nav="cleaning")


@require_GET
@_page
def runs(request: AuthenticatedRequest) -> HttpResponse:
    """The runs the user may see, newest first, and the buttons that start one."""
    services.check_may_clean(request.user)
    context = {
        "nav": "cleaning",
        "runs": selectors.visible_runs(actor=request.user)[:50],
        "kinds": CleaningRun.KINDS,
    }
    return render(request, "cleaning/runs.html", context)


@require_POST
@_page
def start(request: AuthenticatedRequest) -> HttpResponse:
    """Start a run of the kind chosen."""
    run = services.start_run(actor=request.user, kind=request.POST.get("kind", ""))
    messages.success(request, _("Cleaning started. This page shows what it finds."))
    return redirect("cleaning:run", run_id=run.pk)


@require_GET
@_page
def run(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """A run's suggestions (to accept or reject) and its report of what it could not fix."""
    services.check_may_clean(request.user)
    found = selectors.run_for(actor=request.user, run_id=run_id)
    context = {
        "nav": "cleaning",
        "run": found,
        "suggestions": selectors.suggestion_rows(actor=request.user, run=found),
        **selectors.report_rows(actor=request.user, run=found),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "cleaning/_run.html", context)
    return render(request, "cleaning/run.html", context)


def _ids(values: list[str]) -> list[int] | None:
    """The suggestion ids sent, or None when one is not a number (a tampered form)."""
    if not all(v.isdecimal() for v in values):
        return None
    return [int(v) for v in values]


@require_POST
@_page
def decide(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """Accept or reject one suggestion, the selected ones, or all of the run's pending ones."""
    post = request.POST
    one = post.get("accept_one") or post.get("reject_one")
    if one:
        action, chosen = ("accept" if post.get("accept_one") else "reject"), _ids([one])
    else:
        action, _sep, scope = post.get("action", "").partition("_")
        chosen = None if scope == "all" else _ids(post.getlist("suggestion"))
        if scope != "all" and not chosen:
            messages.error(request, _("Choose at least one suggestion from the list."))
            return redirect("cleaning:run", run_id=run_id)
    if action not in ("accept", "reject") or (one and not chosen):
        messages.error(request, _("Choose accept or reject for suggestions from the list."))
        return redirect("cleaning:run", run_id=run_id)
    change = services.accept_suggestions if action == "accept" else services.reject_suggestions
    outcome = change(actor=request.user, run_id=run_id, suggestion_ids=chosen)
    if outcome.accepted:
        count = len(outcome.accepted)
        messages.success(
            request,
            ngettext("%(count)d change applied.", "%(count)d changes applied.", count)
            % {"count": count},
        )
    if outcome.rejected:
        messages.success(request, _("Rejected: the customers stay as they are."))
    for problem in sorted(set(outcome.conflicts.values()) | set(outcome.failed.values())):
        messages.error(request, problem)
    return redirect("cleaning:run", run_id=run_id)
