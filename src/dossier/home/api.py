"""The global search over the API (mounted at /api/v1/search). Thin: parse, call, return."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS
from dossier.home.schemas import SearchOut
from dossier.home.search import MAX_QUERY, search_everything

router = Router(tags=["search"])


@router.get("", response={200: SearchOut, **ERRORS})
def search(request: ApiRequest, q: str = Query("", max_length=MAX_QUERY)) -> Any:
    """Customers (name, pinyin, initials, company, exact phone / e-mail / ID number as your
    role allows, a phone's last four digits), orders by number (or `source:number`) and
    tickets by number (`123` or `#123`): a few of each, only what you may see."""
    found = search_everything(actor=request.user, query=q)
    return {
        "q": found.query,
        "customers": found.customers,
        "orders": found.orders,
        "tickets": found.tickets,
    }
