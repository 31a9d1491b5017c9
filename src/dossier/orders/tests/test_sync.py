"""Bulk sync: idempotent by (source, external id), per-order outcomes, flat query counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.orders.models import Order, OrderLine, Refund
from dossier.orders.services import MAX_ORDERS, attach_external_id, sync_orders
from dossier.orders.tests.helpers import line, order
from dossier.outbox.models import Event

pytestmark = pytest.mark.django_db


def _results(result: Any) -> list[tuple[int, str]]:
    return [(o.index, o.result) for o in result.outcomes]


def _errors(result: Any, index: int) -> dict[str, str]:
    return {e.field: e.code for e in result.outcomes[index].errors}


def test_a_retried_call_stores_nothing_twice(owner: Any, customer: Any, catalogue: Any) -> None:
    orders = [order(customer, f"B-{n}") for n in range(5)]
    first = sync_orders(actor=owner, orders=orders)
    assert _results(first) == [(n, "created") for n in range(5)]
    again = sync_orders(actor=owner, orders=orders)
    assert _results(again) == [(n, "unchanged") for n in range(5)]
    assert [o.order_id for o in again.outcomes] == [o.order_id for o in first.outcomes]
    assert Order.objects.count() == 5 and OrderLine.objects.count() == 10
    assert TimelineEntry.objects.filter(kind="order").count() == 5
    assert Event.objects.filter(name="order.created").count() == 5
    assert CustomerFigures.objects.get(pk=customer.pk).order_count == 5
    assert verify() == []


def test_a_retry_with_a_new_status_moves_the_order_along(
    owner: Any, manager: Any, customer: Any, catalogue: Any
) -> None:
    sync_orders(
        actor=owner, orders=[order(customer, "U-1", status="pending"), order(customer, "U-2")]
    )
    moved = sync_orders(
        actor=owner,
        orders=[
            order(customer, "U-1", status="paid", lines=[line(qty=9)]),  # lines stay as stored
            order(customer, "U-2", status="pending"),  # back to pending: illegal
        ],
    )
    assert _results(moved) == [(0, "updated"), (1, "error")]
    assert _errors(moved, 1) == {"status": "illegal_transition"}
    stored = Order.objects.get(external_id="U-1")
    assert (stored.status, stored.item_count) == ("paid", 3)
    entry = TimelineEntry.objects.get(kind="order", object_id=str(stored.pk))
    assert entry.summary["status"] == "paid"
    # sales may not refund: a retry that says refunded is refused for them, not for a manager
    refused = sync_orders(actor=owner, orders=[order(customer, "U-2", status="refunded")])
    assert _errors(refused, 0) == {"status": "not_permitted"}
    done = sync_orders(actor=manager, orders=[order(customer, "U-2", status="refunded")])
    assert _results(done) == [(0, "updated")]
    assert Refund.objects.get().amount == Decimal("4024.00")
    assert verify() == []


def test_new_purchases_and_moved_orders_in_one_call_count_once_in_the_figures(
    manager: Any, customer: Any, catalogue: Any
) -> None:
    """New orders are added to the figures, moved ones recounted: neither counts twice."""
    sync_orders(
        actor=manager,
        orders=[order(customer, "M-1", status="pending"), order(customer, "M-2")],
    )
    mixed = sync_orders(
        actor=manager,
        orders=[
            order(customer, "M-1", status="paid"),  # pending → paid: now a purchase
            order(customer, "M-2", status="refunded"),  # its money back
            order(customer, "M-3", placed_at="2026-01-05T09:00:00+08:00"),  # new, earlier
            order(customer, "M-4", status="returned", placed_at="2026-04-01T09:00:00+08:00"),
            order(customer, "M-5", status="cancelled"),  # new, not a purchase
        ],
    )
    assert _results(mixed) == [(0, "updated"), (1, "updated")] + [(n, "created") for n in (2, 3, 4)]
    kept = CustomerFigures.objects.get(pk=customer.pk)
    assert (kept.order_count, kept.return_count) == (4, 1)
    assert kept.refund_total == Decimal("4024.00")
    assert kept.total_spend == 3 * Decimal("4024.00")  # M-1, M-3, M-4; M-2 refunded in full
    assert kept.first_purchase_at.isoformat() == "2026-01-05T01:00:00+00:00"
    assert kept.last_purchase_at.isoformat() == "2026-04-01T01:00:00+00:00"
    assert verify() == []


def test_each_bad_order_is_reported_and_the_good_ones_are_stored(
    owner: Any, customer: Any, make_customer: Any, make_user: Any, catalogue: Any
) -> None:
    make_customer(owner, phone="13911112222")
    make_customer(owner, phone="13911112222")
    west = make_user("zhao.west", roles.SALES, team="west")
    hidden = make_customer(west)
    orders = [
        order(customer, "G-0"),
        order(customer, "G-1", lines=[line(qty=-2)]),
        order(customer, "G-2", total="1.00"),
        order(customer, "G-0", status="shipped"),  # the same order twice in one call
        order(phone="13911112222", external_id="G-4"),
        order(phone="13700000000", external_id="G-5"),
        order(hidden, "G-6"),
        order(customer, "G-7", lines=[line("NOT-SOLD", price="1.00")]),
        order(customer, "G-8", lines=[line("NOT-SOLD", price="1.00", name="赠品")]),
        order(customer, "G-9", lines=[line(price="-1")]),
        order(customer_id="nonsense", external_id="G-10"),
        "not an order",
    ]
    result = sync_orders(actor=owner, orders=orders)
    assert [o.result for o in result.outcomes] == [
        "created", "error", "error", "error", "error", "error",
        "error", "error", "created", "error", "error", "error",
    ]  # fmt: skip
    assert _errors(result, 1) == {"lines[0].qty": "too_small"}
    assert _errors(result, 2) == {"total": "total_mismatch"}
    assert _errors(result, 3) == {"external_id": "repeated_in_call"}
    assert "0" in result.outcomes[3].errors[0].message("en")
    assert _errors(result, 4) == {"phone": "customer_ambiguous"}
    assert _errors(result, 5) == {"phone": "customer_not_found"}
    assert _errors(result, 6) == {"customer_id": "customer_not_found"}
    assert _errors(result, 7) == {"lines[0].name": "name_required"}
    assert _errors(result, 9) == {"lines[0].unit_price": "too_small"}
    assert _errors(result, 10) == {"customer_id": "customer_not_found"}
    assert [(o.source, o.external_id) for o in result.outcomes[:2]] == [
        ("tmall", "G-0"),
        ("tmall", "G-1"),
    ]
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["G-0", "G-8"]
    assert not Order.objects.filter(customer=hidden).exists()
    assert verify() == []


def test_an_order_stored_for_a_customer_out_of_reach_is_not_touched(
    owner: Any, customer: Any, make_user: Any, catalogue: Any
) -> None:
    sync_orders(actor=owner, orders=[order(customer, "X-1", status="pending")])
    west = make_user("zhao.west", roles.SALES, team="west")
    result = sync_orders(actor=west, orders=[order(customer, "X-1", status="paid")])
    assert _errors(result, 0) == {"external_id": "order_exists"}
    assert Order.objects.get(external_id="X-1").status == "pending"


def test_customers_named_by_external_id_or_email_in_one_call(
    owner: Any, customer: Any, make_customer: Any, catalogue: Any
) -> None:
    attach_external_id(actor=owner, customer_id=customer.pk, source="tmall", external_id="VIP-1")
    other = make_customer(owner, email="li.si@example.com")
    result = sync_orders(
        actor=owner,
        orders=[
            order(customer_external_id="VIP-1", external_id="E-1"),
            order(email="LI.SI@example.com", external_id="E-2"),
            order(customer_external_id="VIP-2", external_id="E-3"),
        ],
    )
    assert _results(result) == [(0, "created"), (1, "created"), (2, "error")]
    stored = dict(Order.objects.values_list("external_id", "customer_id"))
    assert stored == {"E-1": customer.pk, "E-2": other.pk}


def test_keys_are_matched_as_pairs_never_across_them(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    """(tmall, P-1) and (jd, P-2) stored: (tmall, P-2) is a new order, and an external id of
    one shop does not name the customer of the same id in another."""
    sync_orders(actor=owner, orders=[order(customer, "P-1"), order(customer, "P-2", source="jd")])
    attach_external_id(actor=owner, customer_id=customer.pk, source="jd", external_id="VIP-9")
    result = sync_orders(
        actor=owner,
        orders=[
            order(customer, "P-2"),
            order(customer, "P-1", source="jd"),
            order(customer_external_id="VIP-9", external_id="P-3"),  # tmall's VIP-9: nobody
            order(customer_external_id="VIP-9", customer_source="jd", external_id="P-4"),
        ],
    )
    assert _results(result) == [(0, "created"), (1, "created"), (2, "error"), (3, "created")]
    assert _errors(result, 2) == {"customer_external_id": "customer_not_found"}
    assert Order.objects.count() == 5
    assert verify() == []


def test_orders_placed_returned_or_refunded_bring_their_returns_and_refunds(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    sync_orders(
        actor=owner,
        orders=[
            order(customer, "R-1", status="returned"),
            order(customer, "R-2", status="refunded"),
        ],
    )
    returned = Order.objects.get(external_id="R-1")
    assert all(li.returned_qty == li.qty for li in returned.lines.all())
    refunded = Order.objects.get(external_id="R-2")
    assert refunded.refunded == refunded.total == Refund.objects.get().amount
    figures = CustomerFigures.objects.get(pk=customer.pk)
    assert (figures.order_count, figures.return_count) == (2, 1)
    assert figures.total_spend == returned.total
    assert verify() == []


def test_who_may_not_record_orders_is_refused_whole(
    make_user: Any, customer: Any, catalogue: Any
) -> None:
    for role in (roles.MARKETING, roles.ANALYST):
        with pytest.raises(PermissionDenied):
            sync_orders(actor=make_user(f"u-{role}", role, team="east"), orders=[order(customer)])
    assert not Order.objects.exists()


def test_more_than_the_limit_is_refused_whole(owner: Any, customer: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        sync_orders(actor=owner, orders=[order(customer, f"L-{n}") for n in range(MAX_ORDERS + 1)])
    assert refused.value.errors[0].code == "too_many_orders"


def test_the_audit_log_gets_the_call_and_each_status_it_moved(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    done = sync_orders(actor=owner, orders=[order(customer, f"A-{n}") for n in range(3)])
    call = AuditEvent.objects.get(object_type="order_sync")
    stored = [str(o.order_id) for o in done.outcomes]
    assert call.changes == {
        "created": 3, "updated": 0, "unchanged": 0, "failed": 0, "sources": ["tmall"],
        "created_ids": stored,
    }  # fmt: skip
    assert sorted(stored) == sorted(str(pk) for pk in Order.objects.values_list("pk", flat=True))
    assert (call.actor, call.object_id) == (owner, "tmall")
    assert set(Order.objects.values_list("created_by", flat=True)) == {owner.pk}
    sync_orders(
        actor=owner, orders=[order(customer, "A-0", status="shipped"), order(customer, "A-1")]
    )
    moved = AuditEvent.objects.get(object_type="order", action="update")
    assert moved.changes == {"status": ["paid", "shipped"]} and moved.customer_id == customer.pk


def _batch(customers: list[Any], start: int, count: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(start, start + count):
        ref: dict[str, Any] = {}
        if n % 3 == 1:
            ref = {"phone": str(customers[n % len(customers)].phone)}
        rows.append(order(customers[n % len(customers)] if not ref else None, f"Q-{n}", **ref))
    return rows


def test_queries_per_call_do_not_grow_with_the_number_of_orders(
    owner: Any, make_customer: Any, catalogue: Any
) -> None:
    customers = [make_customer(owner) for _n in range(12)]
    counts = []
    for start, count in ((0, 10), (100, 60)):
        with CaptureQueriesContext(connection) as new:
            result = sync_orders(actor=owner, orders=_batch(customers, start, count))
        assert result.count("created") == count
        # and the same orders again, a third of them moving on to shipped
        again = _batch(customers, start, count)
        for item in again[::3]:
            item["status"] = "shipped"
        with CaptureQueriesContext(connection) as retried:
            result = sync_orders(actor=owner, orders=again)
        assert result.count("updated") == len(again[::3])
        counts.append((len(new), len(retried)))
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= 30, counts
    assert verify() == []


def test_an_order_stored_meanwhile_by_another_call_is_found_on_the_second_look(
    owner: Any, customer: Any, catalogue: Any, monkeypatch: Any
) -> None:
    """The first look misses an order another call stored; the insert's clash sends us back."""
    from dossier.orders.services import sync

    sync_orders(actor=owner, orders=[order(customer, "C-1")])
    real = sync._stored
    looks: list[int] = []

    def blind_first(keys: Any) -> Any:
        looks.append(len(keys))
        return {} if len(looks) == 1 else real(keys)

    monkeypatch.setattr(sync, "_stored", blind_first)
    result = sync_orders(actor=owner, orders=[order(customer, "C-1"), order(customer, "C-2")])
    assert _results(result) == [(0, "unchanged"), (1, "created")]
    assert looks == [2, 2]
    assert Order.objects.count() == 2 and OrderLine.objects.count() == 4
    assert verify() == []
