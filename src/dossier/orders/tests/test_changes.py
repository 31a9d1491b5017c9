"""Changing stored orders: legal transitions only, refunds within what was paid, returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.orders.models import Order, OrderLine, Refund
from dossier.orders.services import change_status, place_order, refund_order, return_items
from dossier.orders.tests.helpers import line, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(owner: Any, customer: Any, catalogue: Any) -> Order:
    """A paid order: a phone at 3999 and two cartons of milk at 12.50, 9.00 off the whole."""
    return place_order(actor=owner, values=order(customer, discount="9.00"))


def _codes(error: Any) -> dict[str, str]:
    return {err.field: err.code for err in error.value.errors}


def _figures(customer: Any) -> CustomerFigures:
    return CustomerFigures.objects.get(pk=customer.pk)


def test_status_moves_forward_and_the_timeline_follows(owner: Any, placed: Order) -> None:
    change_status(actor=owner, order_id=placed.pk, status="shipped")
    change_status(actor=owner, order_id=placed.pk, status="completed")
    entry = TimelineEntry.objects.get(kind="order", object_id=str(placed.pk))
    assert entry.summary["status"] == "completed"
    assert Order.objects.get(pk=placed.pk).status == "completed"


@pytest.mark.parametrize(
    ("start", "wanted"),
    [("paid", "pending"), ("paid", "cancelled"), ("completed", "shipped"), ("pending", "refunded")],
)
def test_an_illegal_transition_is_refused_naming_both_statuses(
    owner: Any, customer: Any, catalogue: Any, start: str, wanted: str
) -> None:
    made = place_order(actor=owner, values=order(customer, status=start))
    with pytest.raises(ValidationFailed) as refused:
        change_status(actor=owner, order_id=made.pk, status=wanted)
    (err,) = refused.value.errors
    assert (err.field, err.code) == ("status", "illegal_transition")
    message = err.message("en")
    assert start in message and wanted in message
    assert Order.objects.get(pk=made.pk).status == start
    assert verify() == []


def test_paying_a_pending_order_makes_it_a_purchase(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    made = place_order(actor=owner, values=order(customer, status="pending"))
    change_status(actor=owner, order_id=made.pk, status="paid")
    assert _figures(customer).order_count == 1
    assert verify() == []
    cancelled = place_order(actor=owner, values=order(customer, "T-2", status="pending"))
    change_status(actor=owner, order_id=cancelled.pk, status="cancelled")
    assert _figures(customer).order_count == 1
    assert verify() == []


def test_a_refund_above_what_was_paid_is_refused_naming_the_amounts(
    owner: Any, manager: Any, customer: Any, placed: Order
) -> None:
    assert placed.total == Decimal("4015.00")
    with pytest.raises(PermissionDenied):  # sales may not refund
        refund_order(actor=owner, order_id=placed.pk, amount="1.00", reason="damaged")
    refund_order(actor=manager, order_id=placed.pk, amount="15.00", reason="damaged")
    with pytest.raises(ValidationFailed) as refused:
        refund_order(actor=manager, order_id=placed.pk, amount="4000.01", reason="damaged")
    (err,) = refused.value.errors
    assert (err.field, err.code) == ("amount", "refund_too_large")
    message = err.message("en")
    assert all(figure in message for figure in ("4000.01", "4000.00", "4015.00", "15.00"))
    assert "可退金额4000.00" in err.message("zh-hans")
    for bad in ("0", "-5", "abc", "1.234"):
        with pytest.raises(ValidationFailed):
            refund_order(actor=manager, order_id=placed.pk, amount=bad, reason="damaged")
    with pytest.raises(ValidationFailed) as refused:
        refund_order(actor=manager, order_id=placed.pk, amount="1", reason="order_refunded")
    assert _codes(refused) == {"reason": "invalid_choice"}
    assert Refund.objects.count() == 1
    assert verify() == []


def test_a_line_refund_is_held_to_the_line_and_to_the_order(
    manager: Any, customer: Any, placed: Order
) -> None:
    milk = OrderLine.objects.get(order=placed, sku="MENGNIU-1L")
    refund_order(
        actor=manager, order_id=placed.pk, amount="20.00", reason="damaged", line_id=milk.pk
    )
    with pytest.raises(ValidationFailed) as refused:
        refund_order(
            actor=manager, order_id=placed.pk, amount="5.01", reason="late", line_id=milk.pk
        )
    message = refused.value.errors[0].message("en")
    assert "5.00" in message and "25.00" in message and "20.00" in message
    refund_order(
        actor=manager, order_id=placed.pk, amount="5.00", reason="late", line_id=str(milk.pk)
    )
    assert OrderLine.objects.get(pk=milk.pk).refunded == Decimal("25.00")
    with pytest.raises(ValidationFailed) as refused:
        refund_order(actor=manager, order_id=placed.pk, amount="1", reason="late", line_id=999999)
    assert _codes(refused) == {"line_id": "invalid_choice"}
    figures = _figures(customer)
    assert (figures.refund_total, figures.total_spend) == (Decimal("25.00"), Decimal("3990.00"))
    assert verify() == []


def test_refunds_that_reach_the_total_make_the_order_refunded(
    manager: Any, customer: Any, placed: Order
) -> None:
    refund_order(actor=manager, order_id=placed.pk, amount="4000.00", reason="damaged")
    refund_order(actor=manager, order_id=placed.pk, amount="15.00", reason="damaged")
    stored = Order.objects.get(pk=placed.pk)
    assert (stored.status, stored.refunded) == ("refunded", stored.total)
    with pytest.raises(ValidationFailed) as refused:
        refund_order(actor=manager, order_id=placed.pk, amount="0.01", reason="damaged")
    assert _codes(refused) == {"status": "not_refundable"}
    figures = _figures(customer)
    assert (figures.order_count, figures.total_spend) == (1, Decimal("0.00"))
    assert verify() == []


def test_refunding_by_status_pays_back_the_rest(manager: Any, customer: Any, placed: Order) -> None:
    refund_order(actor=manager, order_id=placed.pk, amount="15.00", reason="late")
    change_status(actor=manager, order_id=placed.pk, status="refunded")
    amounts = sorted(Refund.objects.filter(order=placed).values_list("amount", flat=True))
    assert amounts == [Decimal("15.00"), Decimal("4000.00")]
    assert _figures(customer).refund_total == Decimal("4015.00")
    assert verify() == []


def test_returns_take_back_items_and_the_last_one_makes_the_order_returned(
    manager: Any, customer: Any, placed: Order
) -> None:
    with pytest.raises(ValidationFailed) as refused:  # not shipped yet
        return_items(actor=manager, order_id=placed.pk)
    assert _codes(refused) == {"status": "not_refundable"}
    change_status(actor=manager, order_id=placed.pk, status="shipped")
    milk = OrderLine.objects.get(order=placed, sku="MENGNIU-1L")
    phone = OrderLine.objects.get(order=placed, sku="MI-14")
    return_items(actor=manager, order_id=placed.pk, lines=[{"line_id": milk.pk, "qty": 1}])
    with pytest.raises(ValidationFailed) as refused:
        return_items(actor=manager, order_id=placed.pk, lines=[{"line_id": milk.pk, "qty": 2}])
    assert _codes(refused) == {"lines[0].qty": "return_too_large"}
    for bad in (0, -1, "x"):
        with pytest.raises(ValidationFailed):
            return_items(
                actor=manager, order_id=placed.pk, lines=[{"line_id": milk.pk, "qty": bad}]
            )
    return_items(actor=manager, order_id=placed.pk, lines=[{"line_id": milk.pk}])
    assert Order.objects.get(pk=placed.pk).status == "shipped"
    return_items(actor=manager, order_id=placed.pk, lines=[{"line_id": phone.pk}])
    assert Order.objects.get(pk=placed.pk).status == "returned"
    with pytest.raises(ValidationFailed):
        return_items(actor=manager, order_id=placed.pk)
    assert _figures(customer).return_count == 1  # one order with returns, however many
    assert verify() == []


def test_returned_by_status_takes_back_everything(
    manager: Any, customer: Any, placed: Order
) -> None:
    change_status(actor=manager, order_id=placed.pk, status="completed")
    change_status(actor=manager, order_id=placed.pk, status="returned")
    assert all(li.returned_qty == li.qty for li in OrderLine.objects.filter(order=placed))
    assert _figures(customer).return_count == 1
    assert verify() == []


def test_another_teams_user_cannot_see_or_change_the_order(
    make_user: Any, placed: Order, customer: Any
) -> None:
    west = make_user("zhao.west", roles.MANAGER, team="west")
    with pytest.raises(NotFound):
        change_status(actor=west, order_id=placed.pk, status="shipped")
    with pytest.raises(NotFound):
        refund_order(actor=west, order_id=placed.pk, amount="1", reason="late")
    with pytest.raises(NotFound):
        return_items(actor=west, order_id=placed.pk)
    with pytest.raises(NotFound):
        change_status(actor=west, order_id="not-an-id", status="shipped")
    assert Order.objects.get(pk=placed.pk).status == "paid"


def test_every_path_leaves_the_figures_as_a_recount_finds_them(
    owner: Any, manager: Any, customer: Any, make_customer: Any, catalogue: Any
) -> None:
    """Created in every status, moved, refunded in part and whole, returned: no drift."""
    other = make_customer(owner)
    for n, status in enumerate(
        ["pending", "paid", "shipped", "completed", "returned", "refunded", "cancelled"]
    ):
        place_order(actor=owner, values=order(customer, f"S-{n}", status=status))
        place_order(actor=owner, values=order(other, f"O-{n}", status=status, lines=[line(qty=2)]))
    assert verify() == []
    by_id = {o.external_id: o for o in Order.objects.all()}
    change_status(actor=owner, order_id=by_id["S-0"].pk, status="completed")
    change_status(actor=owner, order_id=by_id["O-0"].pk, status="cancelled")
    refund_order(actor=manager, order_id=by_id["S-1"].pk, amount="100", reason="late")
    change_status(actor=manager, order_id=by_id["S-2"].pk, status="refunded")
    return_items(actor=manager, order_id=by_id["S-3"].pk, lines=None)
    refund_order(actor=manager, order_id=by_id["S-4"].pk, amount="4024.00", reason="returned")
    change_status(actor=manager, order_id=by_id["O-3"].pk, status="returned")
    assert verify() == []
    figures = _figures(customer)
    assert figures.order_count == 6  # all but the cancelled one
    assert figures.return_count == 2  # S-3 returned later, S-4 placed returned
    assert figures.total_spend == Decimal("4024.00") * 3 - Decimal("100")  # S-0, S-1, S-3
