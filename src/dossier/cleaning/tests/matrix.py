"""Role-matrix rows of the cleaning app (collected by site/tests/test_role_matrix.py).

The run is east sales' (the matrix's "sales"), with a suggestion about their own customer
``estate``: east's manager sees it too, anyone else who may change customers gets a 404,
and roles that may not change customers (marketing, analyst) a 403.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.accounts.selectors import team_id_of
from dossier.cleaning.models import CleaningRun, CleaningSuggestion
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
LOGIN, REDIRECT, PAGE = "login", "302", "200"


def sales_run(world: World) -> CleaningRun:
    """A finished typo run of east sales, with one pending suggestion about ``estate``."""
    sales = world.users["sales"]
    run = CleaningRun.objects.create(
        kind=CleaningRun.TYPOS, state=CleaningRun.DONE, started_by=sales, team_id=team_id_of(sales)
    )
    CleaningSuggestion.objects.create(
        run=run,
        customer=world.estate,
        field="province",
        current_value="广东",
        suggested_value="广东省",
        reason="region_name",
        base_version=world.estate.version,
    )
    return run


def _start(world: World, actor: str) -> PageCall:
    user = world.users[actor]
    before = CleaningRun.objects.filter(started_by=user).count()
    return PageCall(
        reverse("cleaning:start"),
        {"kind": CleaningRun.REVALIDATE},
        lambda: CleaningRun.objects.filter(started_by=user).count() > before,
    )


def _decide(world: World, actor: str) -> PageCall:
    run = sales_run(world)
    return PageCall(
        reverse("cleaning:decide", args=[run.pk]),
        {"action": "reject_all"},
        lambda: not run.suggestions.filter(state=CleaningSuggestion.PENDING).exists(),
    )


# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "GET cleaning:runs":     (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, PAGE),
    "POST cleaning:start":   (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT),  # noqa: E501
    "GET cleaning:run":      (LOGIN, PAGE, PAGE, PAGE, UNSEEN, DENIED, DENIED, UNSEEN),
    "POST cleaning:decide":  (LOGIN, REDIRECT, REDIRECT, REDIRECT, UNSEEN, DENIED, DENIED, UNSEEN),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET cleaning:runs": lambda w, a: PageCall(reverse("cleaning:runs")),
    "POST cleaning:start": _start,
    "GET cleaning:run": lambda w, a: PageCall(reverse("cleaning:run", args=[sales_run(w).pk])),
    "POST cleaning:decide": _decide,
}

PAGE_NAMESPACES = ("cleaning",)
