"""The pipeline's rows of the role matrix (collected by site/tests/test_role_matrix.py).

Sales and managers work opportunities of the customers they may change; service sees them
(read only); marketing and analysts have no pipeline. Stages are changed by administrators.
Columns: admin, manager, sales, service, marketing, analyst, outsider (pages: anonymous first).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.pipeline.models import Opportunity, Stage
from dossier.pipeline.services import create_opportunity
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
LOGIN, REDIRECT, PAGE = "login", "302", "200"
WORKERS = (OK, OK, OK, DENIED, DENIED, DENIED, UNSEEN)

API: dict[str, tuple[str, ...]] = {
    "GET /opportunities":                           (OK, OK, OK, OK, DENIED, DENIED, OK),
    "POST /opportunities":                          WORKERS,
    "GET /opportunities/{opportunity_id}":          (OK, OK, OK, OK, DENIED, DENIED, UNSEEN),
    "PATCH /opportunities/{opportunity_id}":        WORKERS,
    "POST /opportunities/{opportunity_id}/move":    WORKERS,
    "GET /pipeline/stages":                         (OK, OK, OK, OK, DENIED, DENIED, OK),
    "PATCH /pipeline/stages/{stage_id}":            (OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
}  # fmt: skip


def stage(world: World, actor: str, key: str) -> Stage:
    """The stage ``key`` of the scenario of the actor's target customer."""
    return Stage.objects.get(scenario=world.target(actor).template.scenario, key=key)


def opportunity(world: World, actor: str, *, fresh: bool = False) -> Opportunity:
    """An opportunity on the actor's target customer (made by the admin; kept unless fresh)."""
    customer = world.target(actor)
    key = f"opportunity:{customer.pk}"
    if fresh or key not in world.made:
        world.made[key] = create_opportunity(
            actor=world.users["admin"],
            customer_id=customer.pk,
            title="年度采购合同",
            amount="128000.00",
        )
    found: Opportunity = world.made[key]
    return found


def _one(world: World, actor: str) -> str:
    return f"/opportunities/{opportunity(world, actor).pk}"


def _fresh(world: World, actor: str) -> str:
    return f"/opportunities/{opportunity(world, actor, fresh=True).pk}"


API_CALLS: dict[str, Any] = {
    "GET /opportunities": lambda w, a: ("/opportunities", None),
    "POST /opportunities": lambda w, a: (
        "/opportunities",
        {"customer_id": str(w.target(a).pk), "title": "门店装修项目", "amount": "56000"},
    ),
    "GET /opportunities/{opportunity_id}": lambda w, a: (_one(w, a), None),
    "PATCH /opportunities/{opportunity_id}": lambda w, a: (
        _fresh(w, a),
        {"amount": "99000.00", "next_step": "周五前发报价"},
    ),
    "POST /opportunities/{opportunity_id}/move": lambda w, a: (
        f"{_fresh(w, a)}/move",
        {"stage_id": stage(w, a, "proposal").pk},
    ),
    "GET /pipeline/stages": lambda w, a: ("/pipeline/stages?scenario=real_estate", None),
    "PATCH /pipeline/stages/{stage_id}": lambda w, a: (
        f"/pipeline/stages/{stage(w, a, 'lead').pk}",
        {"name_en": "Lead"},
    ),
}


def _move_page(world: World, actor: str) -> PageCall:
    found = opportunity(world, actor, fresh=True)
    target = stage(world, actor, "negotiation")
    url = reverse("pipeline:move", args=[found.pk])
    return PageCall(
        url,
        {"stage": str(target.pk), "scenario": target.scenario},
        lambda: Opportunity.objects.get(pk=found.pk).stage_id == target.pk,
    )


def _create_page(world: World, actor: str) -> PageCall:
    title = f"快捷商机 {actor}"
    data = {"customer_id": str(world.target(actor).pk), "title": title, "amount": "800"}
    return PageCall(
        reverse("pipeline:create"), data, lambda: Opportunity.objects.filter(title=title).exists()
    )


PAGES: dict[str, tuple[str, ...]] = {
    "GET pipeline:board":     (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, PAGE),
    "POST pipeline:move":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, UNSEEN),
    "POST pipeline:create":   (LOGIN, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, UNSEEN),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET pipeline:board": lambda w, a: PageCall(f"{reverse('pipeline:board')}?scenario=sales"),
    "POST pipeline:move": _move_page,
    "POST pipeline:create": _create_page,
}

PAGE_NAMESPACES = ("pipeline",)
