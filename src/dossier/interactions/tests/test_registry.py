"""Interactions in the generic processes: the data-subject copy, erasure and merge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dossier.activity.figures import refresh_figures, verify
from dossier.activity.models import CustomerFigures
from dossier.customers.registry import repoint_customer_data
from dossier.interactions import services
from dossier.interactions.models import Interaction
from dossier.privacy.data_export import export_customer_data
from dossier.privacy.erasure import erase_customer

pytestmark = pytest.mark.django_db

NOTES = "客户说家里电话 010-62345678，周末再联系"


@pytest.fixture
def logged(owner: Any, customer: Any) -> list[Interaction]:
    when = timezone.now() - timedelta(days=2)
    return [
        services.log_interaction(
            actor=owner,
            customer_id=customer.pk,
            channel="phone",
            direction="inbound",
            occurred_at=when,
            duration_seconds=240,
            subject="投诉物流慢",
            notes=NOTES,
            outcome="follow_up",
            next_step="催促仓库发货",
        ),
        services.log_interaction(
            actor=owner,
            customer_id=customer.pk,
            channel="note",
            direction="internal",
            notes="老客户，语气要缓和",
        ),
    ]


def test_the_customers_copy_holds_what_was_said(
    admin_user: Any, customer: Any, logged: list[Interaction]
) -> None:
    copy = export_customer_data(actor=admin_user, customer_id=customer.pk)
    call, note = copy["interactions"]
    assert call["notes"] == NOTES and call["subject"] == "投诉物流慢"
    assert call["next_step"] == "催促仓库发货"
    assert (call["channel"], call["duration_seconds"]) == ("phone", 240)
    assert note["notes"] == "老客户，语气要缓和" and note["direction"] == "internal"


def test_erasure_blanks_what_was_said_and_keeps_the_figures(
    admin_user: Any, customer: Any, logged: list[Interaction]
) -> None:
    before = CustomerFigures.objects.get(pk=customer.pk).last_interaction_at
    erase_customer(actor=admin_user, customer_id=customer.pk)
    rows = Interaction.objects.filter(customer_id=customer.pk).order_by("id")
    assert [(r.subject, r.notes, r.next_step) for r in rows] == [("", "", "")] * 2
    assert [(r.channel, r.duration_seconds) for r in rows] == [("phone", 240), ("note", None)]
    assert CustomerFigures.objects.get(pk=customer.pk).last_interaction_at == before
    assert verify() == []
    # nothing more may be logged about an erased customer
    from dossier.core.errors import Conflict

    with pytest.raises(Conflict):
        services.log_interaction(
            actor=admin_user, customer_id=customer.pk, channel="phone", direction="outbound"
        )


def test_a_merge_moves_the_interactions_to_the_surviving_customer(
    owner: Any, customer: Any, logged: list[Interaction], make_customer: Any
) -> None:
    survivor = make_customer(owner)
    moved = repoint_customer_data(customer.pk, survivor.pk)
    assert moved[Interaction._meta.label] == 2
    assert Interaction.objects.filter(customer_id=survivor.pk).count() == 2
    refresh_figures([customer.pk, survivor.pk])
    assert CustomerFigures.objects.get(pk=survivor.pk).last_interaction_at == logged[0].occurred_at
    assert verify() == []
