"""Reading campaigns and their members.

Campaigns and their counts are aggregates (no customer in them): whoever may see campaigns
sees them, analysts included. Members are customers: they are read only through
``restrict_owned``, so each reader sees the members they may see, named as masked for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from dossier.campaigns.membership import USE
from dossier.campaigns.models import Campaign, CampaignMember
from dossier.campaigns.services import campaign_for
from dossier.consent.selectors import with_consent
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied
from dossier.customers.access import may, restrict_owned
from dossier.customers.models import Customer
from dossier.customers.registry import usable_for
from dossier.customers.selectors import customer_names

MAX_PAGE_SIZE = 200
STATUSES = [str(s) for s in CampaignMember.Status]


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: int | None


def counts(campaign_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Members per status of each campaign (every member: counts name nobody)."""
    found: dict[int, dict[str, int]] = {
        pk: {**dict.fromkeys(STATUSES, 0), "total": 0} for pk in campaign_ids
    }
    rows = (
        CampaignMember.objects.filter(campaign_id__in=list(found))
        .order_by()
        .values("campaign_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        found[row["campaign_id"]][row["status"]] = row["n"]
        found[row["campaign_id"]]["total"] += row["n"]
    return found


def reachable(campaign: Campaign, customer_ids: QuerySet[Any] | Sequence[Any]) -> set[Any]:
    """Of these customers, those the campaign may still contact: consent still on record for
    its purpose and channel, and nothing keeping them out of marketing."""
    usable = usable_for(Customer.objects.filter(pk__in=customer_ids), USE)
    allowed = with_consent(usable, campaign.purpose, campaign.channel)
    return set(allowed.values_list("id", flat=True))


def present(campaign: Campaign, counted: dict[str, int]) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "description": campaign.description,
        "channel": campaign.channel,
        "purpose": campaign.purpose.key,
        "status": campaign.status,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "owner": campaign.owner.get_username() if campaign.owner else None,
        "created_at": campaign.created_at,
        "counts": counted,
    }


def campaign_list(
    *, actor: MaybeActor, status: str = "", cursor: int | None = None, limit: int = 50
) -> Page:
    """One page of campaigns, newest first, each with its members counted per status."""
    if not may(actor, "campaigns.view_campaign"):
        raise PermissionDenied(_("You may not see campaigns."))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = Campaign.objects.select_related("purpose", "owner")
    if status:
        rows = rows.filter(status=status)
    if cursor is not None:
        rows = rows.filter(id__lt=cursor)
    page = list(rows.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    counted = counts(c.pk for c in page)
    return Page(
        items=[present(c, counted[c.pk]) for c in page],
        next_cursor=page[-1].pk if more and page else None,
    )


def get_campaign(*, actor: MaybeActor, campaign_id: Any) -> dict[str, Any]:
    """One campaign with its counts, and how many members it may still contact."""
    campaign = campaign_for(actor, campaign_id, "campaigns.view_campaign")
    counted = counts([campaign.pk])[campaign.pk]
    members = CampaignMember.objects.filter(campaign=campaign).values("customer_id")
    return {**present(campaign, counted), "reachable": len(reachable(campaign, members))}


def may_see_members(actor: MaybeActor) -> bool:
    return may(actor, "campaigns.view_campaignmember")


def member_list(
    *,
    actor: MaybeActor,
    campaign_id: Any,
    status: str = "",
    customer_id: Any = None,
    cursor: int | None = None,
    limit: int = 50,
) -> Page:
    """One page of the campaign's members the actor may see, in the order they were added.

    ``contactable`` says whether the campaign may still reach them (consent withdrawn since
    they were added, or a restriction since: false).
    """
    campaign = campaign_for(actor, campaign_id, "campaigns.view_campaignmember")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = restrict_owned(CampaignMember.objects.filter(campaign=campaign), actor, "view")
    if status:
        rows = rows.filter(status=status)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if cursor is not None:
        rows = rows.filter(id__gt=cursor)
    page = list(rows.order_by("id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    ids = [m.customer_id for m in page]
    names = customer_names(actor=actor, customer_ids=ids)
    open_to = reachable(campaign, ids)
    return Page(
        items=[
            {
                "id": m.pk,
                "customer_id": str(m.customer_id),
                "customer_name": names.get(str(m.customer_id), ""),
                "status": m.status,
                "invited_at": m.invited_at,
                "responded_at": m.responded_at,
                "converted_at": m.converted_at,
                "order_ref": m.order_ref,
                "contactable": m.customer_id in open_to,
            }
            for m in page
        ],
        next_cursor=page[-1].pk if more and page else None,
    )


def load_for_timeline(actor: MaybeActor, object_ids: Sequence[str]) -> dict[str, Any]:
    """The members behind campaign touches on a timeline that the actor may see."""
    if not may_see_members(actor):
        return {}
    wanted: dict[int, list[str]] = {}
    for object_id in object_ids:
        number, _dot, _status = str(object_id).partition(".")
        if number.isdecimal():
            wanted.setdefault(int(number), []).append(str(object_id))
    rows = restrict_owned(CampaignMember.objects.select_related("campaign"), actor, "view")
    found = {}
    for member in rows.filter(pk__in=list(wanted)):
        for object_id in wanted[member.pk]:
            found[object_id] = member
    return found
