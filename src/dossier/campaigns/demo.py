"""Demo campaigns: 双十一会员日, 618 年中大促 … with members who consented, and their touches.

Written with bulk inserts (not the per-row services). Membership keeps the rule the services
keep: the demo first records, as an import from a member sign-up form, marketing consent on
the campaign's channel for most of the customers it samples, then admits only those the
consent ledger and the restriction filter allow (asked set-based, as the services ask). The
others stay out, as they would. Campaigns keep no customer figures: nothing to refresh.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.accounts.selectors import role_of_cached
from dossier.activity.services import record_entries
from dossier.campaigns.membership import TIMELINE_KIND, USE, touch_id, touch_summary
from dossier.campaigns.models import Campaign, CampaignMember
from dossier.consent.models import Action, ConsentEvent, Purpose, Source
from dossier.consent.selectors import with_consent
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.registry import usable_for

BATCH = 1000
#: name, channel, status, days ago it started, how long it ran (days), description
CAMPAIGNS = [
    ("双十一会员日", "sms", "finished", 380, 3, "会员专享折扣与积分加倍，短信通知会员。"),
    ("618 年中大促", "wechat", "finished", 160, 10, "微信服务号推送满减券。"),
    ("春节回馈", "sms", "running", 12, 30, "老会员春节礼包领取提醒。"),
    ("新店开业邀约", "phone", "running", 5, 20, "电话邀约门店周边会员到店体验。"),
    ("会员生日关怀", "email", "draft", -10, 365, "生日当月发送祝福与专属优惠。"),
]
#: share of a campaign's sample that consented (the rest stays out), responded, converted
CONSENTING = 0.75
RESPONSE = {"finished": (0.30, 0.10), "running": (0.15, 0.04), "draft": (0.0, 0.0)}


def _owner(users: list[User]) -> User | None:
    for role in (roles.MARKETING, roles.MANAGER, roles.ADMIN):
        found = next((u for u in users if role_of_cached(u) == role), None)
        if found is not None:
            return found
    return users[0] if users else None


def _consent(ids: list[UUID], purpose: Purpose, channel: str) -> None:
    """Grants as imported from a sign-up form (the ledger is only ever added to)."""
    ConsentEvent.objects.bulk_create(
        [
            ConsentEvent(
                customer_id=pk,
                purpose=purpose,
                channel=channel,
                action=Action.GRANTED,
                source=Source.IMPORT,
                notice_version="2024-01",
                evidence={"reference": "demo: 会员注册表单"},
            )
            for pk in ids
        ],
        batch_size=BATCH,
    )


def _admitted(ids: list[UUID], campaign: Campaign) -> list[UUID]:
    allowed = usable_for(Customer.objects.filter(pk__in=ids), USE)
    admitted = with_consent(allowed, campaign.purpose, campaign.channel)
    return sorted(admitted.values_list("id", flat=True), key=str)


def _members(campaign: Campaign, ids: list[UUID], rng: random.Random) -> list[CampaignMember]:
    start = campaign.starts_at or timezone.now()
    responded_share, converted_share = RESPONSE[campaign.status]
    members = []
    for pk in ids:
        invited = start + timedelta(hours=rng.uniform(0, 12))
        member = CampaignMember(campaign=campaign, customer_id=pk, invited_at=invited)
        draw = rng.random()
        if draw < converted_share:
            member.status = CampaignMember.Status.CONVERTED
            member.responded_at = invited + timedelta(hours=rng.uniform(1, 48))
            member.converted_at = member.responded_at + timedelta(hours=rng.uniform(1, 72))
            member.order_ref = f"SO-{member.converted_at:%Y%m%d}-{rng.randrange(10_000):04d}"
        elif draw < responded_share:
            member.status = CampaignMember.Status.RESPONDED
            member.responded_at = invited + timedelta(hours=rng.uniform(1, 48))
        members.append(member)
    return members


def fill_demo(
    *,
    customers: list[tuple[UUID, int | None]],
    users: list[User],
    rng: random.Random,
    per_customer: float,
) -> int:
    """The demo campaigns, about ``per_customer`` memberships per customer; how many members."""
    if not customers:
        return 0
    purpose = Purpose.objects.get(key="marketing")
    owner = _owner(users)
    now = timezone.now()
    running = [c for c in CAMPAIGNS if c[2] != "draft"]
    size = min(len(customers), round(len(customers) * per_customer / len(running)))
    made = 0
    for name, channel, status, days_ago, length, description in CAMPAIGNS:
        starts = now - timedelta(days=days_ago)
        with transaction.atomic():
            campaign = Campaign.objects.bulk_create(
                [
                    Campaign(
                        name=name,
                        description=description,
                        channel=channel,
                        purpose=purpose,
                        status=status,
                        starts_at=starts,
                        ends_at=starts + timedelta(days=length),
                        owner=owner,
                    )
                ]
            )[0]
            if status == "draft" or not size:
                continue
            sample = [pk for pk, _owner in rng.sample(customers, size)]
            _consent([pk for pk in sample if rng.random() < CONSENTING], purpose, channel)
            for start in range(0, len(sample), BATCH):
                admitted = _admitted(sample[start : start + BATCH], campaign)
                members = _members(campaign, admitted, rng)
                CampaignMember.objects.bulk_create(members, batch_size=BATCH)
                record_entries(_timeline(campaign, members))
                made += len(members)
    return made


def _timeline(campaign: Campaign, members: list[CampaignMember]) -> list[dict[str, Any]]:
    entries = []
    for member in members:
        reached = [
            (CampaignMember.Status.INVITED, member.invited_at),
            (CampaignMember.Status.RESPONDED, member.responded_at),
            (CampaignMember.Status.CONVERTED, member.converted_at),
        ]
        for status, when in reached:
            if when is not None:
                entries.append(
                    {
                        "customer_id": member.customer_id,
                        "kind": TIMELINE_KIND,
                        "object_id": touch_id(member.pk, status),
                        "occurred_at": when,
                        "summary": touch_summary(campaign, status),
                    }
                )
    return entries
