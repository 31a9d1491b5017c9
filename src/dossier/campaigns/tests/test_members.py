"""Campaign members: added only when consent allows the channel and purpose, reported
otherwise; added once; moved only forward; seen only by who may see the customer."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from dossier.activity.models import TimelineEntry
from dossier.audit.models import AuditEvent
from dossier.campaigns import membership, selectors
from dossier.campaigns.models import CampaignMember
from dossier.campaigns.services import create_campaign, update_campaign
from dossier.campaigns.tests.conftest import consent
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.customers.services import set_customer_tags
from dossier.privacy.requests import object_to_marketing, restrict_processing

pytestmark = pytest.mark.django_db


def add(actor: Any, campaign: Any, people: list[Any]) -> membership.AddReport:
    return membership.add_members(
        actor=actor, campaign_id=campaign.pk, customer_ids=[c.pk for c in people]
    )


def test_only_consenting_customers_are_added_and_the_others_are_reported(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any], make_customer: Any
) -> None:
    yes, no_consent, other_channel, restricted, objecting = customers
    for customer in (yes, restricted, objecting):
        consent(admin_user, customer)
    consent(admin_user, other_channel, "email")  # consent, but not on the campaign's channel
    restrict_processing(actor=admin_user, customer_id=restricted.pk, reason="诉讼保全")
    object_to_marketing(actor=admin_user, customer_id=objecting.pk, reason="不再接受营销")
    unseen = make_customer(admin_user)  # not marketing's: not visible to them
    consent(admin_user, unseen)
    stranger = uuid4()

    report = membership.add_members(
        actor=marketing,
        campaign_id=campaign.pk,
        customer_ids=[*(c.pk for c in customers), unseen.pk, stranger, "not-an-id"],
    )
    assert report.added == 1 and report.already_members == 0
    assert dict(report.skipped) == {"no_consent": 2, "restricted": 2, "not_found": 3}
    assert set(report.left_out) == {
        (str(no_consent.pk), "no_consent"),
        (str(other_channel.pk), "no_consent"),
        (str(restricted.pk), "restricted"),
        (str(objecting.pk), "restricted"),
        (str(unseen.pk), "not_found"),
        (str(stranger), "not_found"),
        ("not-an-id", "not_found"),
    }
    assert list(CampaignMember.objects.values_list("customer_id", flat=True)) == [yes.pk]
    [entry] = TimelineEntry.objects.filter(kind="campaign")
    assert (entry.customer_id, entry.summary["status"]) == (yes.pk, "invited")
    assert entry.summary["name"] == "双十一会员日" and entry.summary["channel"] == "sms"
    audited = AuditEvent.objects.filter(object_type="campaign_member")
    assert list(audited.values_list("customer_id", flat=True)) == [yes.pk]


def test_adding_twice_keeps_one_member(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    for customer in customers[:3]:
        consent(admin_user, customer)
    first = add(marketing, campaign, customers[:2])
    again = add(marketing, campaign, [*customers[:3], customers[0]])
    assert (first.added, again.added, again.already_members) == (2, 1, 2)
    assert CampaignMember.objects.filter(campaign=campaign).count() == 3
    assert TimelineEntry.objects.filter(kind="campaign").count() == 3


def test_members_come_from_a_tag_as_far_as_the_actor_sees(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any], make_customer: Any
) -> None:
    from dossier.customers.services import create_tag

    tag = create_tag(actor=admin_user, name="高价值会员")
    elsewhere = make_customer(admin_user)
    for customer in [*customers[:3], elsewhere]:
        consent(admin_user, customer)
        set_customer_tags(actor=admin_user, customer_id=customer.pk, tag_ids=[tag.pk])
    report = membership.add_members(actor=marketing, campaign_id=campaign.pk, tag_id=tag.pk)
    # the tag's customer marketing cannot see is neither added nor named
    assert (report.added, dict(report.skipped)) == (3, {})
    members = set(CampaignMember.objects.values_list("customer_id", flat=True))
    assert members == {c.pk for c in customers[:3]}
    with pytest.raises(ValidationFailed) as unknown:
        membership.add_members(actor=marketing, campaign_id=campaign.pk, tag_id=987654)
    assert unknown.value.errors[0].field == "tag_id"
    with pytest.raises(ValidationFailed):
        membership.add_members(actor=marketing, campaign_id=campaign.pk)


def test_a_batch_is_a_constant_number_of_queries(
    admin_user: Any,
    marketing: Any,
    campaign: Any,
    make_customer: Any,
    django_assert_max_num_queries: Any,
) -> None:
    people = [make_customer(marketing) for _ in range(40)]
    for customer in people[::2]:
        consent(admin_user, customer)
    with django_assert_max_num_queries(20):
        report = add(marketing, campaign, people)
    assert (report.added, report.skipped["no_consent"]) == (20, 20)


def test_consent_withdrawn_after_adding_keeps_the_member_but_not_the_reach(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    first, second = customers[:2]
    consent(admin_user, first)
    consent(admin_user, second)
    add(marketing, campaign, [first, second])
    consent(admin_user, first, given=False)
    page = selectors.member_list(actor=marketing, campaign_id=campaign.pk)
    reach = {item["customer_id"]: item["contactable"] for item in page.items}
    assert reach == {str(first.pk): False, str(second.pk): True}
    detail = selectors.get_campaign(actor=marketing, campaign_id=campaign.pk)
    assert (detail["counts"]["total"], detail["reachable"]) == (2, 1)
    again = add(marketing, campaign, [first])
    assert (again.added, dict(again.skipped)) == (0, {"no_consent": 1})
    assert CampaignMember.objects.filter(campaign=campaign).count() == 2


def test_a_restriction_after_adding_takes_the_member_out_of_reach(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    consent(admin_user, customers[0])
    add(marketing, campaign, customers[:1])
    restrict_processing(actor=admin_user, customer_id=customers[0].pk, reason="保全")
    [item] = selectors.member_list(actor=marketing, campaign_id=campaign.pk).items
    assert item["contactable"] is False


def test_only_marketing_managers_and_admins_add_members(
    admin_user: Any, sales: Any, analyst: Any, campaign: Any, customers: list[Any]
) -> None:
    consent(admin_user, customers[0])
    for actor in (sales, analyst):
        with pytest.raises(PermissionDenied):
            add(actor, campaign, customers[:1])
    assert not CampaignMember.objects.exists()


def test_another_teams_marketer_adds_nobody_and_sees_no_member(
    admin_user: Any, marketing: Any, outsider: Any, campaign: Any, customers: list[Any]
) -> None:
    consent(admin_user, customers[0])
    report = add(outsider, campaign, customers[:1])
    assert (report.added, dict(report.skipped)) == (0, {"not_found": 1})
    assert not TimelineEntry.objects.filter(kind="campaign").exists()
    add(marketing, campaign, customers[:1])
    assert selectors.member_list(actor=outsider, campaign_id=campaign.pk).items == []
    with pytest.raises(NotFound):
        membership.change_member_status(
            actor=outsider, campaign_id=campaign.pk, customer_id=customers[0].pk, status="responded"
        )
    assert CampaignMember.objects.get().status == "invited"


def test_a_finished_campaign_takes_no_members(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    consent(admin_user, customers[0])
    update_campaign(actor=marketing, campaign_id=campaign.pk, changes={"status": "finished"})
    with pytest.raises(Conflict):
        add(marketing, campaign, customers[:1])
    assert not CampaignMember.objects.exists()


def test_a_member_moves_forward_only_and_each_step_is_a_touch(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    customer = customers[0]
    consent(admin_user, customer)
    add(marketing, campaign, [customer])

    def change(status: str, **more: Any) -> Any:
        return membership.change_member_status(
            actor=marketing, campaign_id=campaign.pk, customer_id=customer.pk, status=status, **more
        )

    responded = change("responded")
    assert responded.responded_at is not None and responded.converted_at is None
    converted = change("converted", order_ref="SO-20241111-0001")
    assert (converted.status, converted.order_ref) == ("converted", "SO-20241111-0001")
    touches = TimelineEntry.objects.filter(kind="campaign", customer=customer).order_by("id")
    assert [t.summary["status"] for t in touches] == ["invited", "responded", "converted"]
    with pytest.raises(ValidationFailed) as back:
        change("responded")
    assert back.value.code == "illegal_transition" and back.value.errors[0].field == "status"
    with pytest.raises(ValidationFailed) as unknown:
        change("bought")
    assert unknown.value.errors[0].field == "status"
    with pytest.raises(ValidationFailed) as long_ref:
        change("converted", order_ref="x" * 65)
    assert long_ref.value.errors[0].field == "order_ref"
    assert change("converted").status == "converted"  # the same step again: nothing new
    assert touches.count() == 3


def test_members_of_a_draft_campaign_have_not_been_reached_yet(
    admin_user: Any, marketing: Any, customers: list[Any]
) -> None:
    draft = create_campaign(actor=marketing, name="春节回馈", channel="sms")
    consent(admin_user, customers[0])
    add(marketing, draft, customers[:1])
    with pytest.raises(Conflict):
        membership.change_member_status(
            actor=marketing, campaign_id=draft.pk, customer_id=customers[0].pk, status="responded"
        )


def test_sales_see_members_but_may_not_mark_them_and_analysts_see_counts_only(
    admin_user: Any,
    marketing: Any,
    sales: Any,
    analyst: Any,
    campaign: Any,
    customers: list[Any],
    make_customer: Any,
) -> None:
    theirs = make_customer(sales)
    for customer in (customers[0], theirs):
        consent(admin_user, customer)
    membership.add_members(
        actor=admin_user, campaign_id=campaign.pk, customer_ids=[customers[0].pk, theirs.pk]
    )
    seen = selectors.member_list(actor=sales, campaign_id=campaign.pk).items
    assert [item["customer_id"] for item in seen] == [str(theirs.pk)]
    with pytest.raises(PermissionDenied):
        membership.change_member_status(
            actor=sales, campaign_id=campaign.pk, customer_id=theirs.pk, status="responded"
        )
    counted = selectors.get_campaign(actor=analyst, campaign_id=campaign.pk)["counts"]
    assert counted == {"invited": 2, "responded": 0, "converted": 0, "total": 2}
    with pytest.raises(PermissionDenied):
        selectors.member_list(actor=analyst, campaign_id=campaign.pk)


def test_an_erased_customer_is_reported_as_erased_and_not_added(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    from dossier.privacy.erasure import erase_customer

    kept, gone = customers[:2]
    for customer in (kept, gone):
        consent(admin_user, customer)
    erase_customer(actor=admin_user, customer_id=gone.pk)
    report = add(marketing, campaign, [kept, gone])
    assert (report.added, dict(report.skipped)) == (1, {"erased": 1})
    assert report.left_out == [(str(gone.pk), "erased")]
    assert list(CampaignMember.objects.values_list("customer_id", flat=True)) == [kept.pk]


def test_an_erased_members_status_and_order_are_not_changed(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    from dossier.privacy.erasure import erase_customer

    customer = customers[0]
    consent(admin_user, customer)
    add(marketing, campaign, [customer])
    erase_customer(actor=admin_user, customer_id=customer.pk)
    touches = TimelineEntry.objects.filter(kind="campaign").count()
    for status, order_ref in (("converted", "SO-李四-13800138000"), ("invited", "SO-1"),
                              ("responded", "")):  # fmt: skip
        with pytest.raises(Conflict) as refused:
            membership.change_member_status(
                actor=marketing, campaign_id=campaign.pk, customer_id=customer.pk,
                status=status, order_ref=order_ref,
            )  # fmt: skip
        assert refused.value.code == "customer_erased"
    member = CampaignMember.objects.get(campaign=campaign, customer_id=customer.pk)
    assert (member.status, member.order_ref) == ("invited", "")
    assert TimelineEntry.objects.filter(kind="campaign").count() == touches


def test_the_api_answers_409_for_an_erased_member(
    api_as: Any, admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    from dossier.privacy.erasure import erase_customer

    customer = customers[0]
    consent(admin_user, customer)
    add(marketing, campaign, [customer])
    erase_customer(actor=admin_user, customer_id=customer.pk)
    api = api_as(marketing)
    again = api.post(f"/campaigns/{campaign.pk}/members", {"customer_ids": [str(customer.pk)]})
    assert again.status_code == 200, again.content
    assert again.json()["skipped"] == {"erased": 1}
    changed = api.patch(
        f"/campaigns/{campaign.pk}/members/{customer.pk}",
        {"status": "converted", "order_ref": "SO-1"},
    )
    assert changed.status_code == 409 and changed.json()["code"] == "customer_erased"
