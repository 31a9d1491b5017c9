"""Demo orders: realistic, consistent with the services' rules, figures without drift."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Sum

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.orders.demo import fill_demo
from dossier.orders.models import Order, OrderLine, Product, Refund

pytestmark = pytest.mark.django_db


def test_demo_orders_add_up_and_their_figures_verify(owner: Any, make_customer: Any) -> None:
    customers = [make_customer(owner) for _n in range(15)]
    pairs = [(c.pk, c.owner_id) for c in customers]
    made = fill_demo(customers=pairs, users=[owner], rng=random.Random(7), per_customer=4)
    assert made == Order.objects.count() > 20
    assert Product.objects.filter(name__contains="小米").exists()
    assert TimelineEntry.objects.filter(kind="order").count() == made
    for order in Order.objects.annotate(lines_total=Sum("lines__line_total"), n=Count("lines")):
        assert order.n >= 1
        assert order.total == order.lines_total - order.discount
        refunded = Refund.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or 0
        assert order.refunded == refunded <= order.total
        if order.status == "refunded":
            assert order.refunded == order.total
    returned = OrderLine.objects.filter(order__status="returned")
    assert all(li.returned_qty == li.qty for li in returned)
    assert {o.status for o in Order.objects.all()} >= {"completed", "paid", "cancelled"}
    assert any(o.store.endswith("店") for o in Order.objects.filter(channel="store"))
    assert verify() == []
    assert CustomerFigures.objects.filter(order_count__gt=0).exists()
    # a second run adds more, never clashing with the first run's external ids
    again = fill_demo(customers=pairs[:3], users=[owner], rng=random.Random(8), per_customer=2)
    assert Order.objects.count() == made + again
    assert Decimal(0) <= CustomerFigures.objects.aggregate(s=Sum("total_spend"))["s"]
    assert verify() == []
