"""Campaign pages: the list with counts, a campaign with its members and the tag form."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from dossier.activity.models import TimelineEntry
from dossier.campaigns import membership
from dossier.campaigns.models import Campaign, CampaignMember
from dossier.campaigns.tests.conftest import consent
from dossier.customers.services import create_tag, set_customer_tags

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def filled(admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]) -> Any:
    for customer in customers[:2]:
        consent(admin_user, customer)
    membership.add_members(
        actor=marketing, campaign_id=campaign.pk, customer_ids=[c.pk for c in customers[:2]]
    )
    return campaign


def test_the_list_shows_campaigns_with_counts_and_the_form_to_who_may(
    marketing: Any, sales: Any, filled: Any
) -> None:
    html = client_for(marketing).get(reverse("campaigns:list")).content.decode()
    assert "双十一会员日" in html and 'action="/campaigns/new/"' in html
    assert client_for(sales).get(reverse("campaigns:list")).status_code == 200
    assert "New campaign" not in client_for(sales).get(reverse("campaigns:list")).content.decode()


def test_a_new_campaign_from_the_form_and_its_errors(marketing: Any) -> None:
    client = client_for(marketing)
    bad = client.post(
        reverse("campaigns:create"),
        {"name": "春节回馈", "channel": "sms", "purpose": "marketing",
         "starts_at": "2026-02-10T10:00", "ends_at": "2026-02-01T10:00"},
    )  # fmt: skip
    assert bad.status_code == 422 and "must not be earlier than" in bad.content.decode()
    good = client.post(
        reverse("campaigns:create"),
        {
            "name": "春节回馈",
            "channel": "sms",
            "purpose": "marketing",
            "starts_at": "2026-02-10T10:00",
        },
    )
    made = Campaign.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse(
        "campaigns:detail", args=[made.pk]
    )


def test_the_detail_shows_members_to_marketing_and_counts_only_to_analysts(
    marketing: Any, analyst: Any, filled: Any
) -> None:
    url = reverse("campaigns:detail", args=[filled.pk])
    html = client_for(marketing).get(url).content.decode()
    assert "会员0" in html and "会员1" in html and 'name="tag_id"' in html
    assert 'hx-post="/campaigns/' in html  # each member's status menu
    seen = client_for(analyst).get(url)
    assert seen.status_code == 200
    assert "会员0" not in seen.content.decode() and 'name="tag_id"' not in seen.content.decode()
    assert "<strong>2</strong>" in seen.content.decode()


def test_adding_from_a_tag_on_the_page_says_who_was_left_out(
    admin_user: Any, marketing: Any, campaign: Any, customers: list[Any]
) -> None:
    tag = create_tag(actor=admin_user, name="双十一预热")
    for customer in customers[:3]:
        set_customer_tags(actor=admin_user, customer_id=customer.pk, tag_ids=[tag.pk])
    consent(admin_user, customers[0])
    client = client_for(marketing)
    response = client.post(
        reverse("campaigns:add_members", args=[campaign.pk]), {"tag_id": str(tag.pk)}, follow=True
    )
    html = response.content.decode()
    assert "1 customer added." in html and "Left out: 2 without consent" in html
    assert CampaignMember.objects.count() == 1


def test_a_members_status_menu_posts_with_htmx_and_answers_its_row(
    marketing: Any, filled: Any, customers: list[Any]
) -> None:
    url = reverse("campaigns:member_status", args=[filled.pk, customers[0].pk])
    client = client_for(marketing)
    row = client.post(url, {"status": "responded"}, headers={"HX-Request": "true"})
    assert row.status_code == 200 and row.content.decode().startswith('<tr id="member-')
    assert CampaignMember.objects.get(customer=customers[0]).status == "responded"
    converted = client.post(url, {"status": "converted"}, headers={"HX-Request": "true"})
    assert 'name="order_ref"' in converted.content.decode()
    client.post(url, {"status": "converted", "order_ref": "SO-88"}, headers={"HX-Request": "true"})
    assert CampaignMember.objects.get(customer=customers[0]).order_ref == "SO-88"
    back = client.post(url, {"status": "invited"}, headers={"HX-Request": "true"})
    assert back.status_code == 200 and "cannot go back" in back.content.decode()
    assert CampaignMember.objects.get(customer=customers[0]).status == "converted"


def test_sales_may_not_mark_members_on_the_page(
    sales: Any, filled: Any, customers: list[Any]
) -> None:
    url = reverse("campaigns:member_status", args=[filled.pk, customers[0].pk])
    assert client_for(sales).post(url, {"status": "converted"}).status_code == 403
    assert CampaignMember.objects.get(customer=customers[0]).status == "invited"


def test_the_timeline_entry_says_what_happened(filled: Any, customers: list[Any]) -> None:
    entry = TimelineEntry.objects.filter(kind="campaign", customer=customers[0]).get()
    html = render_to_string("campaigns/_timeline_entry.html", {"entry": entry, "row": None})
    assert "Invited to 双十一会员日" in html


def test_the_campaign_page_speaks_chinese(marketing: Any, filled: Any) -> None:
    client = client_for(marketing)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("campaigns:detail", args=[filled.pk])).content.decode()
    assert "从标签添加成员" in html and "仍可触达" in html and "短信" in html
