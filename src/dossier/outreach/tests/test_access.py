"""Who may see, create, send and close update campaigns; hostile input; erasure and merge."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.customers.models import Customer
from dossier.insights.services import create_segment
from dossier.outreach.models import UpdateCampaign, UpdateRecipient
from dossier.outreach.selectors import campaign_for, campaign_list, recipient_list
from dossier.outreach.services import add_recipients, create_campaign, send_campaign
from dossier.outreach.tests.conftest import consent, token_of
from dossier.privacy.erasure import erase_customer
from dossier.privacy.selfservice import correct_own_profile

pytestmark = pytest.mark.django_db


def _draft(actor: User, customers: list[Customer]) -> UpdateCampaign:
    made, _report = create_campaign(
        actor=actor, name="资料核对", channel="sms", customer_ids=[c.pk for c in customers]
    )
    return made


def test_another_teams_manager_neither_sees_nor_sends_ours(marketing, west_manager, customers):
    campaign = _draft(marketing, customers)
    with pytest.raises(NotFound):
        campaign_for(west_manager, campaign.pk)
    with pytest.raises(NotFound):
        send_campaign(actor=west_manager, campaign_id=campaign.pk)
    assert campaign_list(actor=west_manager) == []
    assert UpdateCampaign.objects.get(pk=campaign.pk).state == UpdateCampaign.State.DRAFT


def test_marketing_prepares_a_manager_sends(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks
):
    consent(admin_user, customers[0])
    campaign = _draft(marketing, customers[:1])
    with pytest.raises(PermissionDenied):
        send_campaign(actor=marketing, campaign_id=campaign.pk)
    assert [c.pk for c, _f in campaign_list(actor=manager)] == [campaign.pk]
    with django_capture_on_commit_callbacks(execute=True):
        send_campaign(actor=manager, campaign_id=campaign.pk)
    assert len(outbox) == 1
    with pytest.raises(Conflict):
        send_campaign(actor=manager, campaign_id=campaign.pk)
    assert len(outbox) == 1
    # corrections are saved on the sender's (the manager's) authority
    assert correct_own_profile(
        token=token_of(outbox[0]), values={"display_name": "王小明"}, expected_version=None
    ) == ["display_name"]


@pytest.mark.parametrize("role", ["sales", "analyst"])
def test_sales_and_analysts_have_no_update_campaigns(request, role, marketing, customers):
    actor = request.getfixturevalue(role)
    campaign = _draft(marketing, customers)
    with pytest.raises(PermissionDenied):
        create_campaign(actor=actor, name="x", channel="sms", customer_ids=[customers[0].pk])
    with pytest.raises(PermissionDenied):
        campaign_list(actor=actor)
    with pytest.raises(NotFound):
        campaign_for(actor, campaign.pk)


def test_customers_the_creator_cannot_see_are_counted_not_added(
    marketing, sales, make_customer, customers
):
    hidden = make_customer(sales)  # sales' own customer, not shared with marketing
    campaign, report = create_campaign(
        actor=marketing, name="x", channel="sms",
        customer_ids=[customers[0].pk, hidden.pk, "not-a-uuid", "'; DROP TABLE x;--"],
    )  # fmt: skip
    assert (report.added, report.not_found) == (1, 3)
    assert list(campaign.recipients.values_list("customer_id", flat=True)) == [customers[0].pk]


def test_recipients_show_only_customers_the_reader_may_see(
    admin_user, marketing, manager, customers
):
    campaign = _draft(admin_user, customers)
    assert len(recipient_list(actor=admin_user, campaign=campaign)) == 4
    with pytest.raises(NotFound):  # the admin's campaign is not team east's
        campaign_for(marketing, campaign.pk)


def test_a_segment_feeds_a_campaign(marketing, customers):
    segment = create_segment(
        actor=marketing, name="全部", rules={"field": "total_spend", "op": "gte", "value": 0}
    )
    campaign, report = create_campaign(
        actor=marketing, name="分群核对", channel="sms", segment_id=segment.pk
    )
    assert report.added == 4 and campaign.segment_id == segment.pk


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"channel": "phone"}, "channel"),
        ({"channel": "<script>alert(1)</script>"}, "channel"),
        ({"window_days": "abc"}, "window_days"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": 31}, "window_days"),
        ({"window_days": True}, "window_days"),
        ({"remind_after_days": 14}, "remind_after_days"),
        ({"remind_after_days": -1}, "remind_after_days"),
        ({"segment_id": "1 OR 1=1", "customer_ids": None}, "segment_id"),
        ({"segment_id": 5, "customer_ids": None}, "segment_id"),
        ({"segment_id": 5}, "customer_ids"),  # a segment and a list: one of them
        ({"customer_ids": None}, "segment_id"),
        ({"customer_ids": ["x"] * 1001}, "customer_ids"),
        ({"purpose": "sensitive_data_processing"}, "channel"),
    ],
)
def test_hostile_input_is_refused_naming_the_field(marketing, customers, values, field):
    call = {"name": "资料核对", "channel": "sms", "customer_ids": [customers[0].pk], **values}
    with pytest.raises(ValidationFailed) as caught:
        create_campaign(actor=marketing, **call)
    assert field in [e.field for e in caught.value.errors]
    assert not UpdateCampaign.objects.exists()


@pytest.mark.parametrize("campaign_id", ["../1", "-1", str(2**70), "1e3", "", None])
def test_odd_campaign_ids_are_not_found(marketing, campaign_id):
    with pytest.raises(NotFound):
        campaign_for(marketing, campaign_id)
    with pytest.raises(NotFound):
        add_recipients(actor=marketing, campaign_id=campaign_id, customer_ids=[])


def test_erasure_removes_what_the_recipient_row_says_about_the_person(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks
):
    consent(admin_user, customers[0])
    campaign = _draft(marketing, customers[:1])
    with django_capture_on_commit_callbacks(execute=True):
        send_campaign(actor=manager, campaign_id=campaign.pk)
    correct_own_profile(
        token=token_of(outbox[0]), values={"email": "x@example.com"}, expected_version=None
    )
    erase_customer(actor=admin_user, customer_id=customers[0].pk)
    row = UpdateRecipient.objects.get(campaign=campaign)
    assert row.state == UpdateRecipient.State.UPDATED  # the funnel still adds up
    assert (row.link_id, row.link_issued_at, row.sent_at, row.opened_at, row.updated_at) == (
        None, None, None, None, None,
    )  # fmt: skip
    assert row.updated_fields == [] and row.failure == ""


def test_merge_moves_recipients_and_keeps_one_per_campaign(marketing, customers):
    from dossier.outreach.registrations import merge_recipients, recipients_copy

    both = _draft(marketing, customers[:2])
    only_source = _draft(marketing, customers[:1])
    merge_recipients(customers[0].pk, customers[1].pk)
    assert set(
        UpdateRecipient.objects.filter(campaign=both).values_list("customer_id", flat=True)
    ) == {customers[1].pk}
    assert only_source.recipients.get().customer_id == customers[1].pk
    assert [row["campaign"] for row in recipients_copy(customers[1])] == ["资料核对", "资料核对"]
