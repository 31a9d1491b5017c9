"""The update campaign pages: list, create from a segment, detail with the funnel, send, close."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dossier.conftest import PASSWORD
from dossier.insights.services import create_segment
from dossier.outreach.models import UpdateCampaign
from dossier.outreach.services import create_campaign
from dossier.outreach.tests.conftest import consent

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_marketing_creates_from_a_segment_and_a_manager_sends(
    admin_user, marketing, manager, customers, outbox, django_capture_on_commit_callbacks
):
    consent(admin_user, customers[0])
    segment = create_segment(
        actor=marketing, name="会员", rules={"field": "total_spend", "op": "gte", "value": 0}
    )
    page = _client(marketing)
    assert page.get(reverse("outreach:list")).status_code == 200
    response = page.post(
        reverse("outreach:create"),
        {"name": "<script>alert(1)</script>", "segment_id": str(segment.pk), "channel": "sms",
         "purpose": "service_notices", "window_days": "14", "remind_after_days": "5"},
    )  # fmt: skip
    campaign = UpdateCampaign.objects.get()
    assert response.status_code == 302
    assert campaign.recipients.count() == 4
    detail = page.get(reverse("outreach:detail", args=[campaign.pk]))
    assert b"<script>alert(1)</script>" not in detail.content
    assert b"&lt;script&gt;" in detail.content
    assert page.post(reverse("outreach:send", args=[campaign.pk])).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        sent = _client(manager).post(reverse("outreach:send", args=[campaign.pk]))
    assert sent.status_code == 302 and len(outbox) == 1
    shown = _client(manager).get(reverse("outreach:detail", args=[campaign.pk])).content.decode()
    assert "会员0" in shown
    campaign.refresh_from_db()
    assert campaign.state == UpdateCampaign.State.SENT


def test_bad_form_shows_the_field_error(marketing, customers):
    response = _client(marketing).post(
        reverse("outreach:create"), {"name": "", "segment_id": "abc", "channel": "fax"}
    )
    assert response.status_code == 422
    assert not UpdateCampaign.objects.exists()


def test_other_team_and_lower_roles(marketing, west_manager, sales, analyst, customers):
    campaign, _report = create_campaign(
        actor=marketing, name="资料核对", channel="sms", customer_ids=[customers[0].pk]
    )
    detail = reverse("outreach:detail", args=[campaign.pk])
    assert _client(west_manager).get(detail).status_code == 404
    assert (
        _client(west_manager).post(reverse("outreach:close", args=[campaign.pk])).status_code == 404
    )
    assert _client(sales).get(reverse("outreach:list")).status_code == 403
    assert _client(analyst).get(detail).status_code == 404
    assert Client().get(detail).status_code == 302  # to the sign-in page
    campaign.refresh_from_db()
    assert campaign.state == UpdateCampaign.State.DRAFT


def test_pages_speak_chinese(marketing, customers):
    page = _client(marketing)
    response = page.get(reverse("outreach:list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "资料更新活动" in response.content.decode()
