"""The grade thresholds page: every scenario's A/B/C thresholds, changed through the service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.core.errors import ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.insights import thresholds
from dossier.insights.models import ScoreRefresh

_shows_errors = shows_errors("insights/error.html", nav="reports")


def _money(amount: float) -> str:
    return f"{amount:.2f}"


def _cards(request: AuthenticatedRequest, problem: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each scenario with its grades' cells: the saved amounts, or those just refused."""
    cards = []
    for row in thresholds.threshold_rows(actor=request.user):
        mine = problem if problem is not None and problem["scenario"] == row.scenario else None
        cells = []
        for grade in thresholds.GRADES:
            spend, value = row.thresholds[grade]
            shown = (
                mine["given"][grade] if mine else {"spend": _money(spend), "value": _money(value)}
            )
            bad = mine["fields"] if mine else []
            cells.append(
                {
                    "grade": grade,
                    "spend": shown["spend"],
                    "value": shown["value"],
                    "spend_bad": f"{grade}.spend" in bad,
                    "value_bad": f"{grade}.value" in bad,
                }
            )
        cards.append({"row": row, "cells": cells, "problem": mine})
    return cards


def _context(
    request: AuthenticatedRequest, problem: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "nav": "reports",
        "cards": _cards(request, problem),
        "may_change": thresholds.may_change_thresholds(request.user),
        "last_refresh": ScoreRefresh.objects.order_by("-started_at").first(),
    }


@require_GET
@_shows_errors
def threshold_page(request: AuthenticatedRequest) -> HttpResponse:
    """Each scenario's thresholds and where they come from; a form for those who may change."""
    return render(request, "insights/thresholds.html", _context(request))


@require_POST
@_shows_errors
def threshold_update(request: AuthenticatedRequest, scenario: str) -> HttpResponse:
    """Save one scenario's thresholds, or (``reset``) go back to the configured ones."""
    if request.POST.get("reset"):
        thresholds.reset_grade_thresholds(actor=request.user, scenario=scenario)
        messages.success(request, _("The grade thresholds are back to the configured ones."))
        return redirect("insights:thresholds")
    given = {
        grade: {
            measure: str(request.POST.get(f"{grade}-{measure}", ""))[:40]
            for measure in thresholds.MEASURES
        }
        for grade in thresholds.GRADES
    }
    try:
        thresholds.set_grade_thresholds(actor=request.user, scenario=scenario, thresholds=given)
    except ValidationFailed as error:
        language = get_language() or "zh-hans"
        problem = {
            "scenario": scenario,
            "message": str(error.message),
            "details": [e.message(language) for e in error.errors],
            "fields": [e.field for e in error.errors],
            "given": given,
        }
        context = _context(request, problem)
        return render(request, "insights/thresholds.html", context, status=422)
    messages.success(
        request, _("The grade thresholds are saved; grades follow at the next refresh.")
    )
    return redirect("insights:thresholds")
