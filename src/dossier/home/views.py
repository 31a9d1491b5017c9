"""The home page (what needs doing today, per role) and the global search's pages.

The search box's recent customers are kept in the user's session: a customer opened from
the search results (through :func:`open_customer`) goes on top of a short list. Nothing else
records which customers a user viewed, and the customer pages belong to another app.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.customers.access import customer_for
from dossier.home import search as global_search
from dossier.home.selectors import home_for

_shows_errors = shows_errors("home/error.html", nav="home")
#: the session key of the recently opened customers (ids, newest first)
RECENT_KEY = "home.recent_customers"
RECENT_KEPT = 8


def _recent_ids(request: AuthenticatedRequest) -> list[str]:
    kept = request.session.get(RECENT_KEY, [])
    return [str(pk) for pk in kept][:RECENT_KEPT] if isinstance(kept, list) else []


def _recent(request: AuthenticatedRequest) -> list[dict[str, str]]:
    # access is checked again on every read: a customer handed to another team drops out
    return global_search.recent_customers(actor=request.user, customer_ids=_recent_ids(request))


@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Today's work for the signed-in user, each section only where the role may see it."""
    now = timezone.now()
    context = {
        "nav": "home",
        "home": home_for(actor=request.user, now=now),
        "recent": _recent(request)[:3],
        "now": now,
    }
    return render(request, "home/home.html", context)


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


@require_GET
@_shows_errors
def search(request: AuthenticatedRequest) -> HttpResponse:
    """Results of the header's search box: a page, or (htmx) the results list alone."""
    results = global_search.search_everything(actor=request.user, query=request.GET.get("q", ""))
    context = {"nav": "search", "results": results, "recent": _recent(request)}
    if _is_htmx(request):
        if not results.searched and not context["recent"]:
            return HttpResponse("")  # nothing to offer: the header's list stays closed
        return render(request, "home/_results.html", {**context, "popup": True})
    return render(request, "home/search.html", context)


@require_GET
@_shows_errors
def open_customer(request: AuthenticatedRequest, customer_id: UUID) -> HttpResponse:
    """Open a customer from the search results, putting them on top of the recent list."""
    customer = customer_for(request.user, customer_id, "view")
    kept = [pk for pk in _recent_ids(request) if pk != str(customer.pk)]
    request.session[RECENT_KEY] = [str(customer.pk), *kept][:RECENT_KEPT]
    return redirect("customers:detail", customer_id=customer.pk)
