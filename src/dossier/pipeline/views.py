"""Pipeline pages: the kanban of a scenario, a move (drag or stage menu), a new opportunity.

Without JavaScript every form posts and redirects; with htmx a move answers the board again
(with its real status: kanban.js swaps a refusal in too, so the message shows where the card
was dropped), and the quick action on a customer's page answers its form.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.accounts.selectors import role_of_cached
from dossier.core import roles
from dossier.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.customers.access import works_in
from dossier.pipeline import selectors, services
from dossier.pipeline.models import Stage
from dossier.templates.models import Scenario

_shows_errors = shows_errors("pipeline/error.html", nav="pipeline")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _message(error: ApplicationError) -> str:
    language = get_language() or "zh-hans"
    details = [err.message(language) for err in error.errors]
    return " ".join([str(error.message), *details]) if details else str(error.message)


def _scenarios(actor: Any) -> list[tuple[str, str]]:
    """The scenarios whose pipelines the actor works in, as (key, label)."""
    return [(key, str(label)) for key, label in Scenario.choices if works_in(actor, key)]


def _scenario(actor: Any, wanted: str) -> str:
    """The scenario asked for when the actor works in it; else their first (sales first)."""
    mine = [key for key, _label in _scenarios(actor)]
    if wanted in mine:
        return wanted
    preferred = roles.ROLE_SCENARIOS.get(role_of_cached(actor) or "", [Scenario.SALES])
    return next((key for key in preferred if key in mine), mine[0] if mine else Scenario.SALES)


def _board_context(actor: Any, scenario: str, **more: Any) -> dict[str, Any]:
    return {
        "board": selectors.board(actor=actor, scenario=scenario),
        "scenarios": _scenarios(actor),
        "nav": "pipeline",
        **more,
    }


@require_GET
@_shows_errors
def board(request: AuthenticatedRequest) -> HttpResponse:
    """The kanban of one scenario: a column per stage; on a phone, a list grouped by stage."""
    scenario = _scenario(request.user, query_text(request, "scenario", limit=32))
    context = _board_context(request.user, scenario)
    name = "pipeline/_board.html" if _is_htmx(request) else "pipeline/board.html"
    return render(request, name, context)


def _answer(
    request: AuthenticatedRequest, scenario: str, status: int = 200, **more: Any
) -> HttpResponse:
    name = "pipeline/_board.html" if _is_htmx(request) else "pipeline/board.html"
    context = _board_context(request.user, scenario, **more)
    return render(request, name, context, status=status)


@require_POST
@_shows_errors  # a refusal to someone who may not even see the board: its 403 page
def move(request: AuthenticatedRequest, opportunity_id: int) -> HttpResponse:
    """Move a card to another stage; a won or lost stage asks for the reason first."""
    scenario = _scenario(request.user, str(request.POST.get("scenario", ""))[:32])
    stage_id = str(request.POST.get("stage", ""))[:20]
    reason = str(request.POST.get("reason", ""))
    try:
        moved = services.move_opportunity(
            actor=request.user,
            opportunity_id=opportunity_id,
            stage_id=stage_id,
            won_reason=reason,
            lost_reason=reason,
        )
    except (NotFound, PermissionDenied) as error:
        if not _is_htmx(request):
            context = {"error": error, "nav": "pipeline"}
            return render(request, "pipeline/error.html", context, status=error.status)
        return _answer(request, scenario, error.status, problem=_message(error))
    except ValidationFailed as error:
        pending = None
        if error.code == "reason_required":
            pending = {
                "opportunity": selectors.opportunity_for(request.user, opportunity_id),
                "stage": Stage.objects.get(pk=stage_id),
            }
        return _answer(request, scenario, 422, problem=_message(error), pending=pending)
    scenario = moved.stage.scenario
    if _is_htmx(request):
        return _answer(request, scenario, moved=moved.pk)
    return redirect(f"{reverse('pipeline:board')}?scenario={scenario}")


@require_POST
def create(request: AuthenticatedRequest) -> HttpResponse:
    """The quick action of a customer's page: a new opportunity in the first open stage."""
    customer_id = str(request.POST.get("customer_id", ""))[:40]
    form = {
        key: str(request.POST.get(key, ""))
        for key in ("title", "amount", "expected_close", "next_step")
    }
    try:
        services.create_opportunity(
            actor=request.user,
            customer_id=customer_id,
            title=form["title"],
            amount=form["amount"] or None,
            expected_close=form["expected_close"] or None,
            next_step=form["next_step"],
        )
    except (NotFound, PermissionDenied) as error:
        return render(
            request, "pipeline/error.html", {"error": error, "nav": "pipeline"}, status=error.status
        )
    except ValidationFailed as error:
        language = get_language() or "zh-hans"
        context: dict[str, Any] = {
            "customer": {"pk": customer_id},
            "form": form,
            "errors": {err.field: err.message(language) for err in error.errors},
            "problem": str(error.message),
        }
        if _is_htmx(request):  # the customer's page swaps a 200 only: the form with its errors
            return render(request, "pipeline/_quick_create.html", context)
        return render(request, "pipeline/new.html", context, status=422)
    if _is_htmx(request):
        done = {"customer": {"pk": customer_id}, "done": _("Opportunity created.")}
        response = render(request, "pipeline/_quick_create.html", done)
        response["HX-Trigger"] = "timeline-changed"
        return response
    return redirect("customers:detail", customer_id=customer_id)
