"""The 360 view's parts as pages of their own, for htmx: the timeline and the key figures.

The customer's page itself is the customers app's detail page, which draws the sections
registered in ``sections.py``; these answer the reloads (a filter, "more", a change).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dossier.core.errors import ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.overview import selectors
from dossier.overview.sections import header_context, more_context, timeline_context

# parts of a customer's page share its error page
_shows_errors = shows_errors("customers/error.html", nav="customers")


@require_GET
@_shows_errors
def timeline(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """The timeline section (a filter chose a kind), or with a cursor the next entries only."""
    customer = selectors.visible_customer(actor=request.user, customer_id=customer_id)
    kind = query_text(request, "kind", limit=30)
    cursor = query_text(request, "cursor", limit=200)
    if not cursor:
        context = timeline_context(request.user, customer, kind=kind)
        return render(request, "overview/_timeline.html", context)
    try:
        context = more_context(request.user, customer, kind=kind, cursor=cursor)
    except ValidationFailed as error:
        # only a hand-made address gets here: the button's cursor is the server's own
        return render(request, "overview/_more_problem.html", {"error": error}, status=422)
    return render(request, "overview/_entries.html", context)


@require_GET
@_shows_errors
def header(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """The key figures, reloaded when something on the page changed the timeline."""
    return render(request, "overview/_header.html", header_context(request.user, customer_id))
