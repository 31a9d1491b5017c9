"""The campaigns' rows of the role matrix (collected by site/tests/test_role_matrix.py).

Marketing and managers (and administrators) create and run campaigns, adding the customers
they may see; sales and service see campaigns and the members they may see; analysts see
campaigns with their counts, never members. Columns: admin, manager, sales, service,
marketing, analyst, outsider (pages: anonymous first).
"""

from __future__ import annotations

from itertools import count
from typing import Any

from django.urls import reverse

from dossier.campaigns.membership import add_members
from dossier.campaigns.models import Campaign, CampaignMember
from dossier.campaigns.services import create_campaign, update_campaign
from dossier.consent.services import grant_consent
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED = "2xx", "403"
LOGIN, REDIRECT, PAGE = "login", "302", "200"
RUNNERS = (OK, OK, DENIED, DENIED, OK, DENIED, DENIED)
_serial = count(1)

API: dict[str, tuple[str, ...]] = {
    "GET /campaigns":                                       (OK,) * 7,
    "POST /campaigns":                                      RUNNERS,
    "GET /campaigns/{campaign_id}":                         (OK,) * 7,
    "PATCH /campaigns/{campaign_id}":                       RUNNERS,
    "POST /campaigns/{campaign_id}/members":                RUNNERS,
    "GET /campaigns/{campaign_id}/members":                 (OK, OK, OK, OK, OK, DENIED, OK),
    "PATCH /campaigns/{campaign_id}/members/{customer_id}": RUNNERS,
}  # fmt: skip


def campaign(world: World, *, fresh: bool = False, status: str = "draft") -> Campaign:
    """A campaign made by the admin (the shared one unless ``fresh``)."""
    if fresh or "campaign" not in world.made:
        made = create_campaign(
            actor=world.users["admin"], name=f"双十一会员日 {next(_serial)}", channel="sms"
        )
        if status != "draft":
            update_campaign(
                actor=world.users["admin"], campaign_id=made.pk, changes={"status": status}
            )
        if fresh:
            return made
        world.made["campaign"] = made
    found: Campaign = world.made["campaign"]
    return found


def member(world: World, actor: str) -> CampaignMember:
    """A fresh running campaign whose one member is the actor's target customer (consenting)."""
    admin = world.users["admin"]
    customer = world.target(actor)
    grant_consent(
        actor=admin,
        customer_id=customer.pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2024-01",
    )
    made = campaign(world, fresh=True, status="running")
    add_members(actor=admin, campaign_id=made.pk, customer_ids=[customer.pk])
    return CampaignMember.objects.get(campaign=made, customer=customer)


def _member_path(world: World, actor: str) -> str:
    found = member(world, actor)
    return f"/campaigns/{found.campaign_id}/members/{found.customer_id}"


API_CALLS: dict[str, Any] = {
    "GET /campaigns": lambda w, a: ("/campaigns", None),
    "POST /campaigns": lambda w, a: (
        "/campaigns",
        {"name": f"618 年中大促 {a}", "channel": "sms", "purpose": "marketing"},
    ),
    "GET /campaigns/{campaign_id}": lambda w, a: (f"/campaigns/{campaign(w).pk}", None),
    "PATCH /campaigns/{campaign_id}": lambda w, a: (
        f"/campaigns/{campaign(w).pk}",
        {"description": f"改动 {a}"},
    ),
    "POST /campaigns/{campaign_id}/members": lambda w, a: (
        f"/campaigns/{campaign(w).pk}/members",
        {"customer_ids": [str(w.target(a).pk)]},
    ),
    "GET /campaigns/{campaign_id}/members": lambda w, a: (
        f"/campaigns/{campaign(w).pk}/members",
        None,
    ),
    "PATCH /campaigns/{campaign_id}/members/{customer_id}": lambda w, a: (
        _member_path(w, a),
        {"status": "responded"},
    ),
}


def _status_page(world: World, actor: str) -> PageCall:
    made = campaign(world, fresh=True)
    return PageCall(
        reverse("campaigns:status", args=[made.pk]),
        {"status": "running"},
        lambda: Campaign.objects.get(pk=made.pk).status == "running",
    )


def _member_page(world: World, actor: str) -> PageCall:
    found = member(world, actor)
    url = reverse("campaigns:member_status", args=[found.campaign_id, found.customer_id])
    return PageCall(
        url,
        {"status": "converted", "order_ref": "SO-20241111-0001"},
        lambda: CampaignMember.objects.get(pk=found.pk).status == "converted",
    )


def _create_page(world: World, actor: str) -> PageCall:
    name = f"春节回馈 {actor} {next(_serial)}"
    return PageCall(
        reverse("campaigns:create"),
        {"name": name, "channel": "sms", "purpose": "marketing"},
        lambda: Campaign.objects.filter(name=name).exists(),
    )


PAGES: dict[str, tuple[str, ...]] = {
    "GET campaigns:list":            (LOGIN, *(PAGE,) * 7),
    "POST campaigns:create":         (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT, DENIED, DENIED),  # noqa: E501
    "GET campaigns:detail":          (LOGIN, *(PAGE,) * 7),
    "POST campaigns:status":         (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT, DENIED, DENIED),  # noqa: E501
    "POST campaigns:add_members":    (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT, DENIED, DENIED),  # noqa: E501
    "POST campaigns:member_status":  (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT, DENIED, DENIED),  # noqa: E501
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET campaigns:list": lambda w, a: PageCall(reverse("campaigns:list")),
    "POST campaigns:create": _create_page,
    "GET campaigns:detail": lambda w, a: PageCall(
        reverse("campaigns:detail", args=[campaign(w).pk])
    ),
    "POST campaigns:status": _status_page,
    "POST campaigns:add_members": lambda w, a: PageCall(
        reverse("campaigns:add_members", args=[campaign(w).pk]), {"tag_id": str(w.tag.pk)}
    ),
    "POST campaigns:member_status": _member_page,
}

PAGE_NAMESPACES = ("campaigns",)
