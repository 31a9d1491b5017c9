"""Campaigns: made by marketing on a channel the consent ledger knows, for a purpose given per
channel; started and finished in order; their members in the registry."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.audit.models import AuditEvent
from dossier.campaigns import membership
from dossier.campaigns.models import Campaign, CampaignMember
from dossier.campaigns.services import create_campaign, update_campaign
from dossier.campaigns.tests.conftest import consent
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.customers.registry import erase_rows, export_sections, repoint_customer_data

pytestmark = pytest.mark.django_db


def fields_of(error: Any) -> list[tuple[str, str]]:
    return sorted((e.field, e.code) for e in error.value.errors)


def test_marketing_creates_a_draft_campaign(marketing: Any) -> None:
    made = create_campaign(
        actor=marketing,
        name=" 双十一会员日 ",
        channel="wechat",
        starts_at="2026-11-11 00:00",
        ends_at="2026-11-11T23:59:59+08:00",
    )
    assert (made.name, made.status, made.channel, made.purpose.key) == (
        "双十一会员日", "draft", "wechat", "marketing",
    )  # fmt: skip
    assert made.owner == marketing
    assert made.starts_at.isoformat() == "2026-11-10T16:00:00+00:00"  # read in China time
    assert AuditEvent.objects.filter(object_type="campaign", action="create").exists()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"name": ""}, [("name", "required")]),
        ({"channel": "fax"}, [("channel", "invalid_choice")]),
        ({"channel": "any"}, [("channel", "invalid_choice")]),
        ({"purpose": "astrology"}, [("purpose", "invalid_choice")]),
        # consent to this purpose is not given per channel: it cannot allow one
        ({"purpose": "third_party_sharing"}, [("channel", "channel_not_applicable")]),
        ({"starts_at": "2026-11-12", "ends_at": "2026-11-11"}, [("ends_at", "earlier_than_other")]),
        ({"starts_at": "0001-01-01T00:00:00+14:00"}, [("starts_at", "date_out_of_range")]),
        ({"ends_at": "明天"}, [("ends_at", "invalid_datetime")]),
    ],
)
def test_bad_campaigns_are_refused_naming_the_field(
    marketing: Any, values: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create_campaign(actor=marketing, **{"name": "618 年中大促", "channel": "sms", **values})
    assert fields_of(refused) == expected
    assert not Campaign.objects.exists()


def test_sales_service_and_analysts_may_not_create_campaigns(
    sales: Any, analyst: Any, make_user: Any
) -> None:
    from dossier.core import roles

    for actor in (sales, analyst, make_user("kefu", roles.SERVICE)):
        with pytest.raises(PermissionDenied):
            create_campaign(actor=actor, name="不该有", channel="sms")


def test_a_campaign_runs_then_finishes_and_never_goes_back(marketing: Any) -> None:
    made = create_campaign(actor=marketing, name="新店开业邀约", channel="phone")
    running = update_campaign(actor=marketing, campaign_id=made.pk, changes={"status": "running"})
    assert running.status == "running"
    with pytest.raises(ValidationFailed) as back:
        update_campaign(actor=marketing, campaign_id=made.pk, changes={"status": "draft"})
    assert back.value.code == "illegal_transition"
    assert back.value.errors[0].field == "status"
    update_campaign(actor=marketing, campaign_id=made.pk, changes={"status": "finished"})
    with pytest.raises(ValidationFailed):
        update_campaign(actor=marketing, campaign_id=made.pk, changes={"status": "running"})
    with pytest.raises(ValidationFailed) as dates:
        update_campaign(
            actor=marketing,
            campaign_id=made.pk,
            changes={"starts_at": "2026-06-18 10:00", "ends_at": "2026-06-01 10:00"},
        )
    assert fields_of(dates) == [("ends_at", "earlier_than_other")]
    assert Campaign.objects.get(pk=made.pk).status == "finished"
    with pytest.raises(NotFound):
        update_campaign(actor=marketing, campaign_id=10**9, changes={"name": "x"})


def test_members_are_in_the_customers_copy_kept_on_erasure_and_merged_once(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    first, second = customers[:2]
    for customer in (first, second):
        consent(admin_user, customer)
    membership.add_members(
        actor=marketing, campaign_id=campaign.pk, customer_ids=[first.pk, second.pk]
    )
    membership.change_member_status(
        actor=marketing,
        campaign_id=campaign.pk,
        customer_id=first.pk,
        status="converted",
        order_ref="SO-1",
    )
    [copied] = export_sections(first)["campaigns"]
    assert (copied["campaign"], copied["status"], copied["order_ref"]) == (
        "双十一会员日", "converted", "SO-1",
    )  # fmt: skip
    erase_rows([second.pk])
    assert CampaignMember.objects.filter(customer=second).exists()  # the counts still add up
    # both were in the campaign: the survivor keeps one member, as far as the furthest
    moved = repoint_customer_data(first.pk, second.pk)
    assert moved["campaigns.CampaignMember"] == 1
    [kept] = CampaignMember.objects.filter(campaign=campaign)
    assert (kept.customer_id, kept.status, kept.order_ref) == (second.pk, "converted", "SO-1")


def test_erasing_a_member_keeps_the_counts_and_takes_them_out_of_reach(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    from dossier.campaigns.selectors import get_campaign
    from dossier.privacy.erasure import erase_customer

    consent(admin_user, customers[0])
    membership.add_members(actor=marketing, campaign_id=campaign.pk, customer_ids=[customers[0].pk])
    erase_customer(actor=admin_user, customer_id=customers[0].pk)
    detail = get_campaign(actor=marketing, campaign_id=campaign.pk)
    assert (detail["counts"]["total"], detail["reachable"]) == (1, 0)
