"""The 360 view's rows of the role matrix (collected by site/tests/test_role_matrix.py).

Whoever may see the customer sees its timeline and figures (marketing too: summaries and
figures hold no personal data); analysts and those outside the customer's scope get 404.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.site.tests.matrix_fixtures import PageCall, World

OK, UNSEEN = "2xx", "404"
LOGIN, PAGE = "login", "200"


def _customer(world: World, actor: str) -> str:
    return f"/customers/{world.target(actor).pk}"


API: dict[str, tuple[str, ...]] = {
    "GET /customers/{customer_id}/timeline": (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "GET /customers/{customer_id}/figures":  (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
}  # fmt: skip

API_CALLS: dict[str, Any] = {
    "GET /customers/{customer_id}/timeline": lambda w, a: (
        f"{_customer(w, a)}/timeline?limit=5",
        None,
    ),
    "GET /customers/{customer_id}/figures": lambda w, a: (f"{_customer(w, a)}/figures", None),
}

PAGES: dict[str, tuple[str, ...]] = {
    "GET overview:timeline": (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
    "GET overview:header":   (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET overview:timeline": lambda w, a: PageCall(
        reverse("overview:timeline", args=[w.target(a).pk])
    ),
    "GET overview:header": lambda w, a: PageCall(reverse("overview:header", args=[w.target(a).pk])),
}

PAGE_NAMESPACES = ("overview",)
