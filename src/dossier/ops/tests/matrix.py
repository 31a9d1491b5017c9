"""Role-matrix rows of the operations app (collected by site/tests/test_role_matrix.py).

The probes and the scrape need no log-in: every caller, signed in or not, gets the same
answer. /metrics answers the test client's loopback address when no token is set; who may
scrape it otherwise is tested in ops/tests/test_metrics.py.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.site.tests.matrix_fixtures import PageCall

PAGE = "200"
EVERYONE = (PAGE,) * 8

# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "GET ops:healthz":  EVERYONE,
    "GET ops:readyz":   EVERYONE,
    "GET ops:metrics":  EVERYONE,
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET ops:healthz": lambda w, a: PageCall(reverse("ops:healthz")),
    "GET ops:readyz": lambda w, a: PageCall(reverse("ops:readyz")),
    "GET ops:metrics": lambda w, a: PageCall(reverse("ops:metrics")),
}

PAGE_NAMESPACES = ("ops",)
