"""The quality app's rows of the role matrix (collected by site/tests/test_role_matrix.py).

Columns: anonymous, admin, manager, sales, service, marketing, analyst, outsider. Whoever may
see customers sees the dashboard and the stale list of their own reach (analysts see no
customer: 403); those who may change customers turn stale records into follow-ups; the
outsider's request about a customer not theirs plans nothing ("kept"). The quality policy
pages are administrators' only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dossier.followups.models import Task
from dossier.quality.models import TemplateQualityPolicy
from dossier.quality.refresh import refresh_quality
from dossier.quality.services import CAUSE_KIND
from dossier.site.tests.matrix_fixtures import PageCall, World

LOGIN, REDIRECT, PAGE, DENIED, KEPT = "login", "302", "200", "403", "kept"


def _stale_tasks(world: World, actor: str) -> PageCall:
    customer = world.fresh_customer(actor)
    refresh_quality(customer_ids=[customer.pk], now=timezone.now() + timedelta(days=800))
    return PageCall(
        reverse("quality:stale_tasks"),
        {"customer": [str(customer.pk)]},
        lambda: Task.objects.filter(customer_id=customer.pk, cause_kind=CAUSE_KIND).exists(),
    )


POLICY_OF = "retail_member"


def _policy(world: World, actor: str) -> PageCall:
    return PageCall(
        reverse("quality:policy", args=[POLICY_OF]),
        {"freshness_months": "7", "stale_months": "9"},
        lambda: TemplateQualityPolicy.objects.filter(
            template__key=POLICY_OF, freshness_months=7, stale_months=9
        ).exists(),
    )


PAGES: dict[str, tuple[str, ...]] = {
    "GET quality:dashboard":    (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, DENIED, PAGE),
    "GET quality:stale":        (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, DENIED, PAGE),
    "POST quality:stale_tasks": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, KEPT),  # noqa: E501
    # the quality policy weighs every team's customers: administrators only
    "GET quality:policies":     (LOGIN, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET quality:policy":       (LOGIN, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST quality:policy":      (LOGIN, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET quality:dashboard": lambda w, a: PageCall(reverse("quality:dashboard")),
    "GET quality:stale": lambda w, a: PageCall(reverse("quality:stale")),
    "POST quality:stale_tasks": _stale_tasks,
    "GET quality:policies": lambda w, a: PageCall(reverse("quality:policies")),
    "GET quality:policy": lambda w, a: PageCall(reverse("quality:policy", args=[POLICY_OF])),
    "POST quality:policy": _policy,
}

PAGE_NAMESPACES = ("quality",)
