"""REST endpoints of campaigns (mounted at /api/v1/campaigns). Thin: parse, call, return."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.campaigns import membership, selectors, services
from dossier.campaigns.schemas import (
    AddReportOut,
    CampaignDetailOut,
    CampaignIn,
    CampaignPageOut,
    CampaignPatch,
    CampaignStatus,
    MemberOut,
    MemberPageOut,
    MemberPatch,
    MembersIn,
    MemberStatus,
)
from dossier.core.schemas import ERRORS, RecordId

router = Router(tags=["campaigns"])
Cursor = Annotated[int, Field(ge=1)]


@router.get("", response={200: CampaignPageOut, **ERRORS})
def list_campaigns(
    request: ApiRequest,
    status: CampaignStatus | None = None,
    cursor: Cursor | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """Campaigns, newest first, with their members counted per status."""
    page = selectors.campaign_list(
        actor=request.user, status=status or "", cursor=cursor, limit=limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("", response={201: CampaignDetailOut, **ERRORS})
def create_campaign(request: ApiRequest, payload: CampaignIn) -> Any:
    """A new draft campaign on one channel, for one consent purpose."""
    campaign = services.create_campaign(actor=request.user, **payload.dict())
    return Status(201, selectors.get_campaign(actor=request.user, campaign_id=campaign.pk))


@router.get("/{campaign_id}", response={200: CampaignDetailOut, **ERRORS})
def get_campaign(request: ApiRequest, campaign_id: RecordId) -> Any:
    return selectors.get_campaign(actor=request.user, campaign_id=campaign_id)


@router.patch("/{campaign_id}", response={200: CampaignDetailOut, **ERRORS})
def update_campaign(request: ApiRequest, campaign_id: RecordId, payload: CampaignPatch) -> Any:
    """Rename, re-date, start (`running`) or finish (`finished`) a campaign."""
    services.update_campaign(
        actor=request.user, campaign_id=campaign_id, changes=payload.dict(exclude_unset=True)
    )
    return selectors.get_campaign(actor=request.user, campaign_id=campaign_id)


@router.post("/{campaign_id}/members", response={200: AddReportOut, **ERRORS})
def add_members(request: ApiRequest, campaign_id: RecordId, payload: MembersIn) -> Any:
    """Add the customers of a tag (`tag_id`) or a list (`customer_ids`, up to 1,000).

    Only customers you may see, not kept out of marketing, and with consent for the
    campaign's purpose on its channel are added; the others are reported with the reason.
    Adding a customer twice keeps one member.
    """
    report = membership.add_members(
        actor=request.user,
        campaign_id=campaign_id,
        customer_ids=payload.customer_ids,
        tag_id=payload.tag_id,
    )
    return {
        "added": report.added,
        "already_members": report.already_members,
        "skipped": dict(report.skipped),
        "left_out": [{"customer_id": pk, "reason": why} for pk, why in report.left_out],
    }


@router.get("/{campaign_id}/members", response={200: MemberPageOut, **ERRORS})
def list_members(
    request: ApiRequest,
    campaign_id: RecordId,
    status: MemberStatus | None = None,
    cursor: Cursor | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """The campaign's members you may see, in the order they were added."""
    page = selectors.member_list(
        actor=request.user,
        campaign_id=campaign_id,
        status=status or "",
        cursor=cursor,
        limit=limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.patch("/{campaign_id}/members/{customer_id}", response={200: MemberOut, **ERRORS})
def change_member(
    request: ApiRequest, campaign_id: RecordId, customer_id: UUID, payload: MemberPatch
) -> Any:
    """Record a response or a conversion (with the order it led to); members only move on."""
    membership.change_member_status(
        actor=request.user,
        campaign_id=campaign_id,
        customer_id=customer_id,
        status=payload.status,
        order_ref=payload.order_ref,
    )
    page = selectors.member_list(
        actor=request.user, campaign_id=campaign_id, customer_id=customer_id, limit=1
    )
    return page.items[0]
