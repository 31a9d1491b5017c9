"""A campaign from send to update: consent decides who gets a link, the link's use is tracked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dossier.consent.services import withdraw_consent
from dossier.customers.models import Customer
from dossier.outreach.models import UpdateCampaign, UpdateRecipient
from dossier.outreach.selectors import funnels, self_service_updates
from dossier.outreach.sending import close_due, remind_due, run_clock
from dossier.outreach.services import close_campaign, create_campaign, send_campaign
from dossier.outreach.tests.conftest import consent, token_of
from dossier.privacy.selfservice import (
    correct_own_profile,
    issue_self_service_link,
    self_service_page,
)

pytestmark = pytest.mark.django_db
S = UpdateRecipient.State


def _sent(
    marketing: User, manager: User, customers: list[Customer], capture: Any, **more: Any
) -> UpdateCampaign:
    campaign, _report = create_campaign(
        actor=marketing,
        name="请核对您的资料",
        channel="sms",
        customer_ids=[c.pk for c in customers],
        **more,
    )
    with capture(execute=True):
        return send_campaign(actor=manager, campaign_id=campaign.pk)


def _recipient(campaign: UpdateCampaign, customer: Customer) -> UpdateRecipient:
    return UpdateRecipient.objects.get(campaign=campaign, customer=customer)


def test_campaign_tracks_a_customer_from_send_to_update(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks
):
    first, second = customers[:2]
    consent(admin_user, first)
    campaign = _sent(marketing, manager, [first, second], django_capture_on_commit_callbacks)

    assert campaign.state == UpdateCampaign.State.SENT
    assert [m.customer_id for m in outbox] == [str(first.pk)]
    assert outbox[0].to == first.phone and outbox[0].link in outbox[0].body
    assert _recipient(campaign, first).state == S.SENT
    assert _recipient(campaign, second).state == S.NO_CHANNEL

    token = token_of(outbox[0])
    response = Client().get(f"/privacy/self-service/{token}/")
    assert response.status_code == 200
    opened = _recipient(campaign, first)
    assert opened.state == S.OPENED and opened.opened_at is not None

    changed = correct_own_profile(
        token=token, values={"email": "new.address@example.com"}, expected_version=None
    )
    assert changed == ["email"]
    updated = _recipient(campaign, first)
    assert updated.state == S.UPDATED and updated.updated_fields == ["email"]
    assert Customer.objects.get(pk=first.pk).email == "new.address@example.com"
    assert self_service_updates([first.pk, second.pk]) == {first.pk: updated.updated_at}

    funnel = funnels([campaign.pk])[campaign.pk]
    assert (funnel.sent, funnel.opened, funnel.updated, funnel.no_channel) == (1, 1, 1, 1)


def test_a_link_issued_later_by_staff_is_not_counted_as_the_campaigns(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks
):
    consent(admin_user, customers[0])
    campaign = _sent(marketing, manager, customers[:1], django_capture_on_commit_callbacks)
    newer = issue_self_service_link(actor=manager, customer_id=customers[0].pk)
    self_service_page(token=newer.token)
    assert _recipient(campaign, customers[0]).state == S.SENT


def test_withdrawn_consent_and_missing_address_are_not_sent(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks
):
    withdrawn, email_only, emailless = customers[:3]
    consent(admin_user, withdrawn)
    withdraw_consent(
        actor=admin_user, customer_id=withdrawn.pk, purpose="service_notices", channel="sms",
        source="staff", notice_version="2024-01",
    )  # fmt: skip
    consent(admin_user, email_only, "email")  # consent on another channel than the campaign's
    consent(admin_user, emailless)
    Customer.objects.filter(pk=emailless.pk).update(phone="")
    campaign = _sent(
        marketing, manager, [withdrawn, email_only, emailless], django_capture_on_commit_callbacks
    )
    assert outbox == []
    assert _recipient(campaign, withdrawn).state == S.NO_CHANNEL
    assert _recipient(campaign, email_only).state == S.NO_CHANNEL
    lost = _recipient(campaign, emailless)
    assert (lost.state, lost.failure) == (S.FAILED, "no_address")
    funnel = funnels([campaign.pk])[campaign.pk]
    assert (funnel.sent, funnel.no_channel, funnel.failed) == (0, 2, 1)


def test_reminder_goes_once_after_n_days_to_those_who_did_nothing(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks
):
    silent, opener = customers[:2]
    for customer in (silent, opener):
        consent(admin_user, customer)
    campaign = _sent(
        marketing, manager, [silent, opener], django_capture_on_commit_callbacks,
        remind_after_days=3, window_days=10,
    )  # fmt: skip
    self_service_page(
        token=token_of(outbox[1] if outbox[1].customer_id == str(opener.pk) else outbox[0])
    )
    outbox.clear()
    start = timezone.now()
    with (
        mock.patch("django.utils.timezone.now", return_value=start + timedelta(days=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert remind_due() == 0
    assert outbox == []
    for days in (3, 4):
        with (
            mock.patch("django.utils.timezone.now", return_value=start + timedelta(days=days)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            remind_due()
    assert [(m.customer_id, m.reminder) for m in outbox] == [(str(silent.pk), True)]
    assert _recipient(campaign, silent).reminded_at is not None
    assert _recipient(campaign, opener).reminded_at is None
    # the reminder's link is the one that counts now
    self_service_page(token=token_of(outbox[0]))
    assert _recipient(campaign, silent).state == S.OPENED


def test_window_end_closes_the_campaign_with_no_answer(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks
):
    for customer in customers[:2]:
        consent(admin_user, customer)
    campaign = _sent(
        marketing, manager, customers[:2], django_capture_on_commit_callbacks, window_days=5
    )
    token = token_of(outbox[0])
    correct_own_profile(token=token, values={"display_name": "新名字"}, expected_version=None)
    later = timezone.now() + timedelta(days=6)
    assert close_due(now=timezone.now()) == 0
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert run_clock() == {"reminded": 0, "closed": 1}
    campaign.refresh_from_db()
    assert campaign.state == UpdateCampaign.State.CLOSED
    states = sorted(
        UpdateRecipient.objects.filter(campaign=campaign).values_list("state", flat=True)
    )
    assert states == [S.NO_ANSWER, S.UPDATED]


def test_closing_by_hand(
    admin_user, marketing, manager, customers, django_capture_on_commit_callbacks
):
    consent(admin_user, customers[0])
    campaign = _sent(marketing, manager, customers[:1], django_capture_on_commit_callbacks)
    closed = close_campaign(actor=marketing, campaign_id=campaign.pk)
    assert closed.state == UpdateCampaign.State.CLOSED
    assert _recipient(campaign, customers[0]).state == S.NO_ANSWER


def test_a_large_campaign_is_sent_by_a_background_task(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks,
    monkeypatch,
):  # fmt: skip
    from dossier.outreach import services

    monkeypatch.setattr(services, "SEND_AT_ONCE", 1)
    for customer in customers[:3]:
        consent(admin_user, customer)
    campaign, _report = create_campaign(
        actor=marketing, name="大批量", channel="sms", customer_ids=[c.pk for c in customers[:3]]
    )
    with django_capture_on_commit_callbacks(execute=True) as queued:
        returned = send_campaign(actor=manager, campaign_id=campaign.pk)
        assert returned.state == UpdateCampaign.State.SENDING  # nothing sent in the request
    assert queued  # the task was queued after the commit (run at once by the test backend)
    campaign.refresh_from_db()
    assert campaign.state == UpdateCampaign.State.SENT
    assert sorted(m.customer_id for m in outbox) == sorted(str(c.pk) for c in customers[:3])
