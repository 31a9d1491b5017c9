"""Recording one order: totals from the lines, every bad value named, the customer found or not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.customers.services import share_customer
from dossier.orders.models import Order, OrderLine
from dossier.orders.services import attach_external_id, place_order
from dossier.orders.tests.helpers import line, order
from dossier.outbox.models import Event

pytestmark = pytest.mark.django_db


def _fields(error: Any) -> dict[str, str]:
    return {err.field: err.code for err in error.value.errors}


def test_order_totals_come_from_its_lines_and_lines_copy_the_catalogue(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    made = place_order(actor=owner, values=order(customer, discount="9.00"))
    assert (made.total, made.discount, made.item_count) == (Decimal("4015.00"), Decimal("9"), 3)
    lines = list(OrderLine.objects.filter(order=made).order_by("position"))
    assert [(li.sku, li.name, li.qty, li.line_total) for li in lines] == [
        ("MI-14", "小米手机 14", 1, Decimal("3999.00")),
        ("MENGNIU-1L", "蒙牛纯牛奶 1L", 2, Decimal("25.00")),
    ]
    assert {li.customer_id for li in lines} == {customer.pk}
    assert lines[0].product_id == catalogue["MI-14"].pk


def test_order_writes_its_timeline_entry_event_audit_and_figures(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    made = place_order(actor=owner, values=order(customer))
    entry = TimelineEntry.objects.get(kind="order", object_id=str(made.pk))
    assert entry.summary == {"status": "paid", "total": "4024.00", "currency": "CNY", "items": 3}
    assert entry.customer_id == customer.pk and entry.occurred_at == made.placed_at
    event = Event.objects.get(name="order.created")
    assert (event.object_type, event.object_id, event.customer_id) == (
        "order",
        str(made.pk),
        customer.pk,
    )
    audit = AuditEvent.objects.get(object_type="order", object_id=str(made.pk))
    assert audit.changes["external_id"] == "T-1" and audit.customer_id == customer.pk
    figures = CustomerFigures.objects.get(pk=customer.pk)
    assert (figures.order_count, figures.total_spend) == (1, Decimal("4024.00"))
    assert figures.first_purchase_at == figures.last_purchase_at == made.placed_at
    assert verify() == []


def test_a_pending_order_is_not_a_purchase(owner: Any, customer: Any, catalogue: Any) -> None:
    place_order(actor=owner, values=order(customer, status="pending"))
    figures = CustomerFigures.objects.filter(pk=customer.pk).first()
    assert figures is None or figures.order_count == 0
    assert verify() == []


def test_a_total_that_disagrees_with_the_lines_is_refused_naming_it(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order(customer, total="4000.00"))
    (err,) = refused.value.errors
    assert (err.field, err.code) == ("total", "total_mismatch")
    assert "4000.00" in err.message("en") and "4024.00" in err.message("en")
    assert "4024.00" in err.message("zh-hans")
    bad_line = order(customer, lines=[line(line_total="1.00")])
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=bad_line)
    assert _fields(refused) == {"lines[0].line_total": "total_mismatch"}
    assert not Order.objects.exists()


def test_negative_or_zero_quantities_and_prices_are_refused_per_field(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    lines = [
        line(qty=-1),
        line(qty=0),
        line(price="-5.00"),
        line(price="1.001"),
        line(qty="two"),
        line(discount="9999.00"),
    ]
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order(customer, lines=lines))
    assert _fields(refused) == {
        "lines[0].qty": "too_small",
        "lines[1].qty": "too_small",
        "lines[2].unit_price": "too_small",
        "lines[3].unit_price": "too_many_decimals",
        "lines[4].qty": "invalid_integer",
        "lines[5].discount": "discount_too_large",
    }
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order(customer, discount="-1"))
    assert _fields(refused) == {"discount": "too_small"}
    assert not Order.objects.exists()


def test_missing_and_unknown_values_are_each_named(owner: Any, customer: Any) -> None:
    values = {
        "customer_id": str(customer.pk),
        "channel": "fax",
        "status": "lost",
        "placed_at": "yesterday",
        "currency": "yuan",
        "payment_method": "shells",
        "lines": [],
    }
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=values)
    assert _fields(refused) == {
        "source": "required",
        "external_id": "required",
        "channel": "invalid_choice",
        "status": "invalid_choice",
        "placed_at": "invalid_datetime",
        "currency": "too_long",
        "payment_method": "invalid_choice",
        "lines": "required",
    }


def test_an_order_placed_in_the_future_is_refused(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order(customer, placed_at="2999-01-01T00:00:00+08:00"))
    assert _fields(refused) == {"placed_at": "in_the_future"}


def test_a_sku_outside_the_catalogue_is_a_free_text_line_that_needs_a_name(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order(customer, lines=[line("GIFT-1", price="0")]))
    assert _fields(refused) == {"lines[0].name": "name_required"}
    made = place_order(
        actor=owner, values=order(customer, lines=[line("GIFT-1", price="0", name="赠品杯子")])
    )
    (only,) = OrderLine.objects.filter(order=made)
    assert (only.product_id, only.sku, only.name) == (None, "GIFT-1", "赠品杯子")


def test_the_same_source_and_external_id_twice_is_a_conflict(
    owner: Any, customer: Any, catalogue: Any
) -> None:
    place_order(actor=owner, values=order(customer))
    with pytest.raises(Conflict) as refused:
        place_order(actor=owner, values=order(customer))
    assert _fields(refused) == {"external_id": "order_exists"}
    place_order(actor=owner, values=order(customer, source="jd"))  # another shop's T-1
    assert Order.objects.count() == 2


def test_a_customer_the_caller_cannot_reach_is_not_found_and_nothing_is_written(
    make_user: Any, customer: Any, catalogue: Any
) -> None:
    other_team = make_user("zhao.west", roles.SALES, team="west")
    with pytest.raises(NotFound):
        place_order(actor=other_team, values=order(customer))
    marketing = make_user("qian.marketing", roles.MARKETING, team="east")
    share_customer(actor=customer.owner, customer_id=customer.pk, user=marketing)
    with pytest.raises(PermissionDenied):  # may not record orders at all
        place_order(actor=marketing, values=order(customer))
    analyst = make_user("sun.analyst", roles.ANALYST)
    with pytest.raises(PermissionDenied):
        place_order(actor=analyst, values=order(customer))
    assert not Order.objects.exists()
    assert not TimelineEntry.objects.exists()
    assert not Event.objects.filter(name="order.created").exists()


def test_a_customer_found_by_phone_or_email_through_the_blind_index(
    owner: Any, make_customer: Any, catalogue: Any
) -> None:
    found = make_customer(owner, phone="13912345678", email="Zhang.San@Example.com")
    by_phone = place_order(actor=owner, values=order(phone="+86 139-1234-5678", external_id="P"))
    by_mail = place_order(actor=owner, values=order(email="zhang.san@example.com", external_id="E"))
    assert by_phone.customer_id == found.pk == by_mail.customer_id


def test_an_unknown_or_shared_phone_is_refused_naming_the_field(
    owner: Any, make_customer: Any, make_user: Any, catalogue: Any
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order(phone="13700000000"))
    assert _fields(refused) == {"phone": "customer_not_found"}
    make_customer(owner, phone="13911112222")
    make_customer(owner, phone="13911112222")
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order(phone="13911112222"))
    assert _fields(refused) == {"phone": "customer_ambiguous"}
    assert "2" in refused.value.errors[0].message("en")
    # a customer of another team with that phone is not a candidate for them: not found
    west = make_user("zhao.west", roles.SALES, team="west")
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=west, values=order(phone="13911112222"))
    assert _fields(refused) == {"phone": "customer_not_found"}
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order(phone="12"))
    assert list(_fields(refused)) == ["phone"]
    assert not Order.objects.exists()


def test_a_customer_found_by_an_id_in_another_system(
    owner: Any, customer: Any, make_customer: Any, catalogue: Any
) -> None:
    attach_external_id(actor=owner, customer_id=customer.pk, source="tmall", external_id="M-88")
    made = place_order(actor=owner, values=order(customer_external_id="M-88"))
    assert made.customer_id == customer.pk
    made = place_order(
        actor=owner,
        values=order(customer_external_id="M-88", customer_source="tmall", source="pos"),
    )
    assert made.customer_id == customer.pk
    with pytest.raises(ValidationFailed) as refused:  # that id of another source: unknown
        place_order(actor=owner, values=order(customer_external_id="M-88", source="jd"))
    assert _fields(refused) == {"customer_external_id": "customer_not_found"}
    other = make_customer(owner)
    with pytest.raises(ValidationFailed) as refused:
        attach_external_id(actor=owner, customer_id=other.pk, source="tmall", external_id="M-88")
    assert _fields(refused) == {"external_id": "external_id_taken"}


def test_an_order_without_any_customer_reference_names_the_customer(
    owner: Any, catalogue: Any
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        place_order(actor=owner, values=order())
    assert _fields(refused) == {"customer": "customer_missing"}
