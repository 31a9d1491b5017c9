"""The pipeline's demo data: deals in every stage, history and timeline consistent with them."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db.models import Count

from dossier.activity.models import TimelineEntry
from dossier.core import roles
from dossier.pipeline.demo import fill_demo
from dossier.pipeline.models import Opportunity, StageChange
from dossier.templates.selectors import get_template

pytestmark = pytest.mark.django_db


def test_demo_opportunities_cover_every_stage_and_agree_with_their_history(
    make_user: Any, make_customer: Any
) -> None:
    sales = make_user("sales", roles.SALES, team="east")
    service = make_user("service", roles.SERVICE)
    admin = make_user("admin", roles.ADMIN)
    people = [make_customer(sales) for _ in range(6)]
    people += [make_customer(service) for _ in range(3)]
    people += [make_customer(sales, template=get_template(key="sales_lead"), source="web")]
    pairs = [(c.pk, c.owner_id) for c in people]
    made = fill_demo(
        customers=pairs, users=[sales, service, admin], rng=random.Random(7), per_customer=3
    )
    assert made == 30 == Opportunity.objects.count()
    assert set(Opportunity.objects.values_list("stage__key", flat=True)) == {
        "lead", "qualified", "proposal", "negotiation", "won", "lost",
    }  # fmt: skip
    for deal in Opportunity.objects.select_related("stage", "customer__template"):
        assert deal.stage.scenario == deal.customer.template.scenario
        assert deal.owner_id in (sales.pk, admin.pk)  # service may not own deals
        history = list(StageChange.objects.filter(opportunity=deal).order_by("changed_at", "id"))
        assert history[0].from_stage is None and history[-1].to_stage == deal.stage
        assert history[-1].changed_at == deal.stage_changed_at
        assert bool(deal.won_reason) == (deal.stage.kind == "won")
        assert bool(deal.lost_reason) == (deal.stage.kind == "lost")
        assert (deal.closed_at is not None) == deal.stage.closes
    entries = TimelineEntry.objects.filter(kind="opportunity")
    assert entries.count() == made
    assert not entries.values("object_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert fill_demo(customers=[], users=[sales], rng=random.Random(1), per_customer=2) == 0
