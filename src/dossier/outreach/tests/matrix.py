"""The update campaigns' rows of the role matrix (collected by site/tests/test_role_matrix.py).

Campaigns are seen by administrators and by their team's managers and marketing (east's
campaign: 404 for everyone else); managers, marketing and administrators create them;
managers and administrators send them (marketing 403: links are issued on the sender's
authority). Columns: anonymous, admin, manager, sales, service, marketing, analyst, outsider.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from django.urls import reverse

from dossier.insights.models import Segment
from dossier.insights.services import create_segment
from dossier.outreach.models import UpdateCampaign
from dossier.outreach.services import create_campaign
from dossier.site.tests.matrix_fixtures import PageCall, World

LOGIN, REDIRECT, PAGE, DENIED, MISSING = "login", "302", "200", "403", "404"
_serial = count(1)


def campaign(world: World, *, fresh: bool = False) -> UpdateCampaign:
    """A draft campaign of east marketing for the customer shared with them."""
    if fresh or "update_campaign" not in world.made:
        made, _report = create_campaign(
            actor=world.users["marketing"],
            name=f"资料核对 {next(_serial)}",
            channel="sms",
            customer_ids=[world.member.pk],
        )
        if fresh:
            return made
        world.made["update_campaign"] = made
    found: UpdateCampaign = world.made["update_campaign"]
    return found


def _segment(world: World) -> Segment:
    if "update_segment" not in world.made:
        world.made["update_segment"] = create_segment(
            actor=world.users["admin"],
            name="资料核对分群",
            rules={"field": "total_spend", "op": "gte", "value": 0},
            visibility=Segment.Visibility.EVERYONE,
        )
    found: Segment = world.made["update_segment"]
    return found


def _create_page(world: World, actor: str) -> PageCall:
    name = f"资料核对 {actor} {next(_serial)}"
    return PageCall(
        reverse("outreach:create"),
        {"name": name, "segment_id": str(_segment(world).pk), "channel": "sms",
         "purpose": "service_notices", "window_days": "14"},
        lambda: UpdateCampaign.objects.filter(name=name).exists(),
    )  # fmt: skip


def _state_page(action: str, wanted: str) -> Any:
    def build(world: World, actor: str) -> PageCall:
        made = campaign(world, fresh=True)
        return PageCall(
            reverse(f"outreach:{action}", args=[made.pk]),
            {},
            lambda: UpdateCampaign.objects.get(pk=made.pk).state == wanted,
        )

    return build


PAGES: dict[str, tuple[str, ...]] = {
    "GET outreach:list":    (LOGIN, PAGE, PAGE, DENIED, DENIED, PAGE, DENIED, DENIED),
    "POST outreach:create": (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT, DENIED, DENIED),
    "GET outreach:detail":  (LOGIN, PAGE, PAGE, MISSING, MISSING, PAGE, MISSING, MISSING),
    "POST outreach:send":   (LOGIN, REDIRECT, REDIRECT, MISSING, MISSING, DENIED, MISSING, MISSING),
    "POST outreach:close":  (LOGIN, REDIRECT, REDIRECT, MISSING, MISSING, REDIRECT, MISSING, MISSING),  # noqa: E501
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET outreach:list": lambda w, a: PageCall(reverse("outreach:list")),
    "POST outreach:create": _create_page,
    "GET outreach:detail": lambda w, a: PageCall(reverse("outreach:detail", args=[campaign(w).pk])),
    "POST outreach:send": _state_page("send", UpdateCampaign.State.SENT),
    "POST outreach:close": _state_page("close", UpdateCampaign.State.CLOSED),
}

PAGE_NAMESPACES = ("outreach",)
