"""Data-quality pages: the dashboard and the stale records (with their follow-up action)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from dossier.accounts.selectors import role_of_cached
from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.quality import selectors, services, trend
from dossier.quality.policies import may_keep_policies

_shows_errors = shows_errors("quality/error.html", nav="quality")


@require_GET
@_shows_errors
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Completeness, freshness, verified and stale shares over the user's customers, the
    worst records and the trend by month."""
    data = selectors.dashboard(actor=request.user)
    months = trend.trend(actor=request.user)
    # capture's rule for keeping forms (the capture app sits above this one): only a link
    keeps_forms = request.user.is_superuser or role_of_cached(request.user) in (
        roles.ADMIN,
        roles.MANAGER,
    )
    context = {
        "data": data,
        "trend": months,
        "charts": trend.trend_chart(months["overall"]),
        "nav": "quality",
        "keeps_forms": keeps_forms,
        "keeps_policies": may_keep_policies(request.user),
    }
    return render(request, "quality/dashboard.html", context)


@require_GET
@_shows_errors
def stale(request: AuthenticatedRequest) -> HttpResponse:
    """The user's stale records, quietest first."""
    rows, total = selectors.stale_customers(actor=request.user)
    return render(request, "quality/stale.html", {"rows": rows, "total": total, "nav": "quality"})


@require_POST
@_shows_errors
def stale_tasks(request: AuthenticatedRequest) -> HttpResponse:
    """Turn the selected stale records (or all those listed) into follow-up tasks."""
    chosen = [str(v)[:40] for v in request.POST.getlist("customer")][: services.MAX_TASKS]
    every = request.POST.get("all") == "1"
    try:
        made = services.create_stale_tasks(
            actor=request.user, customer_ids=None if every else chosen
        )
    except ValidationFailed as error:
        messages.error(request, str(error.message))
        return redirect("quality:stale")
    messages.success(
        request,
        ngettext("%(count)d follow-up task planned.", "%(count)d follow-up tasks planned.", made)
        % {"count": made},
    )
    return redirect("quality:stale")
