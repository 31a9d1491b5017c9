"""The per-template quality policy pages (administrators): the list and one template's form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dossier.core.errors import ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.quality import policies, services

_shows_errors = shows_errors("quality/error.html", nav="quality")
#: a posted field's weight is named "weight:<field key>"
WEIGHT = "weight:"


@require_GET
@_shows_errors
def policy_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every template with the quality policy in force for it."""
    rows = policies.policy_list(actor=request.user)
    return render(request, "quality/policies.html", {"rows": rows, "nav": "quality"})


def _posted(request: AuthenticatedRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "freshness_months": str(post.get("freshness_months", ""))[:20],
        "stale_months": str(post.get("stale_months", ""))[:20],
        "weights": {
            key[len(WEIGHT) :][:64]: str(value)[:20]
            for key, value in post.items()
            if key.startswith(WEIGHT)
        },
        "required_verified": [str(v)[:64] for v in post.getlist("verified")][:50],
    }


@require_http_methods(["GET", "POST"])
@_shows_errors
def policy_edit(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """One template's policy: months, field weights, fields to verify before active."""
    shown = policies.policy_of(actor=request.user, template_key=key)
    if request.method == "GET":
        return render(request, "quality/policy.html", {"policy": shown, "nav": "quality"})
    posted = _posted(request)
    try:
        services.set_quality_policy(actor=request.user, template_key=key, **posted)
    except ValidationFailed as error:
        language = get_language() or "zh-hans"
        errors = {err.field: err.message(language) for err in error.errors}
        # the form shows what was posted, so nothing typed is lost
        shown["freshness_months"] = posted["freshness_months"]
        shown["stale_months"] = posted["stale_months"]
        for row in shown["fields"]:
            row["weight"] = posted["weights"].get(row["key"], "")
            row["verified"] = row["key"] in posted["required_verified"]
            row["error"] = errors.get(f"weights.{row['key']}")
        context = {
            "policy": shown,
            "errors": errors,
            "problem": str(error.message),
            "all_errors": [err.message(language) for err in error.errors],
            "nav": "quality",
        }
        return render(request, "quality/policy.html", context, status=422)
    messages.success(request, _("The quality policy was saved."))
    return redirect("quality:policy", key=shown["template"].key)
