"""Role-matrix rows of the home app (collected by site/tests/test_role_matrix.py).

The search answers every signed-in caller with what that caller may see (nothing, for an
analyst's customers), so it is never refused; opening a customer from the results follows
the customer's own rule (404 where unseen).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.site.tests.matrix_fixtures import PageCall

OK = "2xx"
LOGIN, REDIRECT, PAGE, UNSEEN = "login", "302", "200", "404"
ALL_OK = (OK,) * 7

# admin, manager, sales, service, marketing, analyst, outsider
API: dict[str, tuple[str, ...]] = {
    "GET /search":                  ALL_OK,
}  # fmt: skip

API_CALLS: dict[str, Any] = {
    "GET /search": lambda w, a: ("/search?q=13800138000", None),
}

# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "GET home:search":          (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET home:open_customer":   (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, UNSEEN, UNSEEN),  # noqa: E501
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET home:search": lambda w, a: PageCall(reverse("home:search") + "?q=zhao"),
    "GET home:open_customer": lambda w, a: PageCall(
        reverse("home:open_customer", args=[w.target(a).pk])
    ),
}

PAGE_NAMESPACES = ("home",)
