"""The campaigns' demo data: members only where consent allows, touches on the timeline."""

from __future__ import annotations

import random
from typing import Any

import pytest

from dossier.activity.models import TimelineEntry
from dossier.campaigns.demo import fill_demo
from dossier.campaigns.models import Campaign, CampaignMember
from dossier.campaigns.selectors import reachable
from dossier.core import roles
from dossier.privacy.requests import restrict_processing

pytestmark = pytest.mark.django_db


def test_demo_campaigns_admit_only_consenting_customers_and_draw_their_touches(
    make_user: Any, make_customer: Any, admin_user: Any
) -> None:
    marketing = make_user("marketing", roles.MARKETING)
    people = [make_customer(marketing) for _ in range(40)]
    kept_out = people[0]
    restrict_processing(actor=admin_user, customer_id=kept_out.pk, reason="保全")
    made = fill_demo(
        customers=[(c.pk, c.owner_id) for c in people],
        users=[admin_user, marketing],
        rng=random.Random(3),
        per_customer=4,  # every running campaign samples everyone
    )
    names = set(Campaign.objects.values_list("name", flat=True))
    assert {"双十一会员日", "618 年中大促", "春节回馈"} <= names
    assert set(Campaign.objects.values_list("owner", flat=True)) == {marketing.pk}
    assert 0 < made == CampaignMember.objects.count()
    assert not CampaignMember.objects.filter(customer=kept_out).exists()
    assert not CampaignMember.objects.filter(campaign__status="draft").exists()
    for campaign in Campaign.objects.exclude(status="draft"):
        ids = list(
            CampaignMember.objects.filter(campaign=campaign).values_list("customer_id", flat=True)
        )
        assert reachable(campaign, ids) == set(ids)  # each one consented on that channel
    converted = CampaignMember.objects.filter(status="converted")
    assert all(m.order_ref.startswith("SO-") and m.responded_at for m in converted)
    touches = TimelineEntry.objects.filter(kind="campaign")
    expected = made + CampaignMember.objects.exclude(responded_at=None).count() + converted.count()
    assert touches.count() == expected
