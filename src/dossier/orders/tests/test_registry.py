"""Orders in the generic processes: the customer's copy, erasure, merge, webhooks, the timeline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dossier.activity import kinds
from dossier.activity.figures import figure_sources, verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.activity.selectors import timeline_page
from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.customers.registry import repoint_customer_data
from dossier.orders.models import CustomerExternalId, Order, OrderLine, Refund
from dossier.orders.services import attach_external_id, place_order, refund_order
from dossier.orders.tests.helpers import order
from dossier.outbox.models import Event
from dossier.outbox.payloads import payload_for
from dossier.privacy.data_export import export_customer_data
from dossier.privacy.erasure import erase_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(owner: Any, manager: Any, customer: Any, catalogue: Any) -> Order:
    attach_external_id(actor=owner, customer_id=customer.pk, source="tmall", external_id="VIP-9")
    made = place_order(actor=owner, values=order(customer, store="上海南京东路店"))
    refund_order(actor=manager, order_id=made.pk, amount="25.00", reason="damaged")
    return made


def test_the_customers_copy_lists_orders_with_lines_refunds_and_external_ids(
    admin_user: Any, customer: Any, history: Order
) -> None:
    copy = export_customer_data(actor=admin_user, customer_id=customer.pk)
    (exported,) = copy["orders"]
    assert (exported["external_id"], exported["total"], exported["store"]) == (
        "T-1",
        "4024.00",
        "上海南京东路店",
    )
    assert [li["sku"] for li in exported["lines"]] == ["MI-14", "MENGNIU-1L"]
    (refund,) = exported["refunds"]
    assert (refund["amount"], refund["reason"], refund["line"]) == ("25.00", "damaged", None)
    assert copy["external_ids"] == [{"source": "tmall", "external_id": "VIP-9"}]


def test_erasure_keeps_orders_and_totals_and_forgets_external_ids(
    admin_user: Any, customer: Any, history: Order
) -> None:
    erase_customer(actor=admin_user, customer_id=customer.pk)
    stored = Order.objects.get(pk=history.pk)
    assert (stored.total, stored.refunded) == (Decimal("4024.00"), Decimal("25.00"))
    assert OrderLine.objects.filter(order=stored).count() == 2 and Refund.objects.count() == 1
    assert not CustomerExternalId.objects.exists()
    figures = CustomerFigures.objects.get(pk=customer.pk)
    assert figures.total_spend == Decimal("3999.00")  # figures stay, as the orders they sum
    assert verify() == []
    with pytest.raises(ValidationFailed) as refused:  # an erased customer takes no new order
        place_order(actor=admin_user, values=order(customer, "AFTER"))
    assert refused.value.errors[0].code == "customer_erased"
    assert not Order.objects.filter(external_id="AFTER").exists()


def test_a_merge_moves_orders_lines_refunds_and_external_ids(
    owner: Any, make_customer: Any, customer: Any, history: Order
) -> None:
    survivor = make_customer(owner)
    moved = repoint_customer_data(customer.pk, survivor.pk)
    assert moved["orders.Order"] == 1 and moved["orders.OrderLine"] == 2
    assert moved["orders.Refund"] == 1 and moved["orders.CustomerExternalId"] == 1
    assert Order.objects.get(pk=history.pk).customer_id == survivor.pk
    assert set(OrderLine.objects.values_list("customer_id", flat=True)) == {survivor.pk}


def test_the_timeline_kind_loads_only_orders_the_actor_may_see(
    owner: Any, make_user: Any, customer: Any, history: Order
) -> None:
    kind = kinds.kind("order")
    assert kind is not None and kind.load is not None
    assert list(kind.load(owner, [str(history.pk), "not-an-id"])) == [str(history.pk)]
    west = make_user("zhao.west", roles.SALES, team="west")
    assert kind.load(west, [str(history.pk)]) == {}
    page = timeline_page(actor=owner, customer_id=customer.pk, kinds=["order"])
    assert page.rows[("order", str(history.pk))].pk == history.pk
    entry = TimelineEntry.objects.get(kind="order")
    assert set(entry.summary) == {"status", "total", "currency", "items"}


def test_the_order_event_is_shown_only_to_receivers_who_may_see_the_customer(
    owner: Any, make_user: Any, history: Order
) -> None:
    event = Event.objects.get(name="order.created")
    shown = payload_for(owner, event)
    assert shown is not None and shown["object"]["external_id"] == "T-1"
    assert [li["sku"] for li in shown["object"]["lines"]] == ["MI-14", "MENGNIU-1L"]
    assert payload_for(make_user("zhao.west", roles.SALES, team="west"), event) is None


def test_the_orders_figures_are_registered_for_verification() -> None:
    (source,) = [s for s in figure_sources() if s.key == "orders"]
    assert "total_spend" in source.columns and "order_count" in source.columns
