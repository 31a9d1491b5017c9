"""The export download's row of the role matrix (collected by site/tests/test_role_matrix.py).

Exporting needs ``customers.export_customer``: admins, managers and marketing; every other
role is refused even though sales and service see customers on the list.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.site.tests.matrix_fixtures import PageCall

DENIED, LOGIN, PAGE = "403", "login", "200"

PAGES: dict[str, tuple[str, ...]] = {
    "GET transfer:export_customers": (LOGIN, PAGE, PAGE, DENIED, DENIED, PAGE, DENIED, DENIED),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET transfer:export_customers": lambda w, a: PageCall(
        reverse("transfer:export_customers") + "?format=csv"
    ),
}

PAGE_NAMESPACES = ("transfer",)
