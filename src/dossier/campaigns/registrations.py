"""The campaign members in the customer-data registry, and the campaign touch on timelines."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dossier.activity.kinds import TimelineKind, register_kind
from dossier.campaigns.membership import TIMELINE_KIND
from dossier.campaigns.models import STATUS_RANK, CampaignMember
from dossier.campaigns.selectors import load_for_timeline
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register


def members_copy(customer: Customer) -> list[dict[str, Any]]:
    """The campaigns the customer was part of, and how far they went in each."""
    rows = CampaignMember.objects.filter(customer_id=customer.pk).select_related("campaign")
    return [
        {
            "campaign": m.campaign.name,
            "channel": m.campaign.channel,
            "status": m.status,
            "invited_at": m.invited_at.isoformat(),
            "responded_at": m.responded_at.isoformat() if m.responded_at else None,
            "converted_at": m.converted_at.isoformat() if m.converted_at else None,
            "order_ref": m.order_ref,
        }
        for m in rows.order_by("invited_at", "id")
    ]


def merge_members(source_id: Any, target_id: Any) -> int:
    """Move a merged customer's memberships to the survivor; in a campaign both were in, the
    survivor keeps one member, as far along as the furthest of the two."""
    moved = 0
    with transaction.atomic():
        theirs = {
            m.campaign_id: m
            for m in CampaignMember.objects.select_for_update().filter(customer_id=target_id)
        }
        for member in CampaignMember.objects.select_for_update().filter(customer_id=source_id):
            kept = theirs.get(member.campaign_id)
            if kept is None:
                member.customer_id = target_id
                member.save(update_fields=["customer", "updated_at"])
            else:
                if (
                    STATUS_RANK[CampaignMember.Status(member.status)]
                    > STATUS_RANK[CampaignMember.Status(kept.status)]
                ):
                    kept.status = member.status
                    kept.responded_at = kept.responded_at or member.responded_at
                    kept.converted_at = kept.converted_at or member.converted_at
                    kept.order_ref = kept.order_ref or member.order_ref
                    kept.save()
                member.delete()
            moved += 1
    return moved


def register_campaigns() -> None:
    """Members hold no personal value once the customer row is anonymised, and campaign
    counts must still add up: erasure keeps them; a merge moves them."""
    register(
        CustomerData(
            key="campaigns",
            model=CampaignMember,
            export=members_copy,
            erasure="keep",
            repoint=merge_members,
        )
    )
    register_kind(
        TimelineKind(
            key=TIMELINE_KIND,
            label=_("Campaign"),
            template="campaigns/_timeline_entry.html",
            load=load_for_timeline,
        )
    )
