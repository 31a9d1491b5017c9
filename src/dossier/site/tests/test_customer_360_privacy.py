"""A customer with a whole history: their copy of their data holds every kind, and erasure
leaves the business figures while what they said and what staff wrote about them is gone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from dossier.activity import figures
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.campaigns.membership import add_members
from dossier.campaigns.services import create_campaign
from dossier.consent.services.recording import grant_consent
from dossier.feedback.models import Feedback
from dossier.feedback.services.feedback import record_feedback
from dossier.followups.models import Task
from dossier.interactions.models import Interaction
from dossier.interactions.services import log_interaction
from dossier.orders.models import Order
from dossier.orders.services import place_order
from dossier.pipeline.models import Opportunity
from dossier.pipeline.services import create_opportunity
from dossier.privacy import requests as subject_requests
from dossier.privacy.data_export import export_customer_data
from dossier.privacy.tests.subject_fixtures import *  # noqa: F403
from dossier.tickets.models import Ticket
from dossier.tickets.services import open_ticket

pytestmark = pytest.mark.django_db

NOTE = "客户说下周三搬家到杭州西湖区"
COMPLAINT = "快递员态度恶劣，包装破损"
PROBLEM = "空调不制冷，室外机异响"


@pytest.fixture
def lived(admin: Any, add_member: Any) -> Any:
    """A retail member who bought, called, complained, had a ticket, a deal and a campaign."""
    customer = add_member()
    place_order(
        actor=admin,
        values={
            "customer_id": str(customer.pk),
            "source": "tmall",
            "external_id": "TM-1",
            "channel": "web",
            "placed_at": (timezone.now() - timedelta(days=3)).isoformat(),
            "status": "paid",
            "lines": [{"sku": "FREE-1", "name": "美的空调", "qty": 1, "unit_price": "2899.00"}],
        },
    )
    log_interaction(
        actor=admin, customer_id=customer.pk, channel="phone", direction="inbound", notes=NOTE
    )
    record_feedback(actor=admin, customer_id=customer.pk, kind="complaint", text=COMPLAINT, csat=2)
    open_ticket(actor=admin, customer_id=customer.pk, subject="维修", description=PROBLEM)
    create_opportunity(
        actor=admin, customer_id=customer.pk, title="全屋空调", amount="30000", next_step=NOTE
    )
    grant_consent(
        actor=admin,
        customer_id=customer.pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2024-01",
    )
    campaign = create_campaign(actor=admin, name="双十一", channel="sms", purpose="marketing")
    report = add_members(actor=admin, campaign_id=campaign.pk, customer_ids=[customer.pk])
    assert report.added == 1, report
    return customer


def test_the_copy_of_their_data_holds_every_kind_of_history(admin: Any, lived: Any) -> None:
    copy = export_customer_data(actor=admin, customer_id=lived.pk)
    for key in ("orders", "interactions", "feedback", "tickets", "tasks", "opportunities"):
        assert copy.get(key), key
    assert copy["campaigns"], "campaign membership"
    assert copy["figures"]["order_count"] == 1
    text = str(copy)
    assert NOTE in text and COMPLAINT in text and PROBLEM in text  # their copy is unmasked


def test_erasure_keeps_orders_and_figures_and_forgets_what_was_said(admin: Any, lived: Any) -> None:
    before = CustomerFigures.objects.get(pk=lived.pk)
    assert (before.order_count, before.complaint_count, before.open_tickets) == (1, 1, 1)
    subject_requests.erase_customer(actor=admin, customer_id=lived.pk)

    # the business keeps its sales: the order and its total, the figures
    order = Order.objects.get(customer_id=lived.pk)
    assert str(order.total) == "2899.00"
    after = CustomerFigures.objects.get(pk=lived.pk)
    assert (after.order_count, after.total_spend) == (before.order_count, before.total_spend)
    assert figures.verify([lived.pk]) == []
    # what they said and what staff wrote about them is gone, in the rows and on disk
    assert not Interaction.objects.get(customer_id=lived.pk).notes
    assert not Feedback.objects.get(customer_id=lived.pk).text
    assert not Ticket.objects.get(customer_id=lived.pk).description
    assert not Opportunity.objects.get(customer_id=lived.pk).next_step
    assert not Task.objects.filter(customer_id=lived.pk).exists()
    assert not TimelineEntry.objects.filter(customer_id=lived.pk).exists()
    copy = str(export_customer_data(actor=admin, customer_id=lived.pk))
    for said in (NOTE, COMPLAINT, PROBLEM):
        assert said not in copy
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes, subject FROM interactions_interaction")
        assert all(not value for row in cursor.fetchall() for value in row)
