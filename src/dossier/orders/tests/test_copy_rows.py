"""Orders written as COPY's text (the bulk path on PostgreSQL) store what the value path does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from dossier.core.bulk_insert import copy_text, insert_rows
from dossier.orders import errors as e
from dossier.orders.checks import STATUSES, CleanLine, CleanOrder, CustomerRef
from dossier.orders.copy_rows import line_copy_text, order_copy_text
from dossier.orders.figures import summary, summary_json
from dossier.orders.models import Order, OrderLine
from dossier.orders.services.writing import LINE_FIELDS, ORDER_FIELDS, _line_rows, _new_orders

ODD = ["plain", "a\\b", "tab\there", "line\nbreak", "cr\rend", "\\N", "中文 店", "x\\\\y", ""]
ZERO = Decimal("0.00")
TIMES = [
    datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    datetime(1900, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai")),  # an offset in seconds
    datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC),
    datetime(2026, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
]


def _clean(n: int, customer_id: Any, product_id: int) -> CleanOrder:
    text = ODD[n % len(ODD)]
    status = STATUSES[n % len(STATUSES)]
    price, cut = Decimal("0.50"), Decimal("0.25")
    lines = [
        CleanLine(
            1, product_id, "MI-14", "小米手机 14", 1, Decimal("3999.00"), ZERO, Decimal("3999.00")
        ),
        CleanLine(2, None, f"free{text}", f"item {text}", 3, price, cut, Decimal("1.25")),
    ]
    return CleanOrder(
        source=f"src{text}",
        external_id=f"SO{n}{text}",
        channel="web",
        store=text,
        placed_at=TIMES[n % len(TIMES)],
        status=status,
        discount=Decimal("0.25"),
        total=Decimal("4000.00"),
        currency="CNY",
        payment_method="alipay" if n % 2 else "",
        campaign=text,
        customer=CustomerRef("id", customer_id, e.CUSTOMER_ID),
        lines=lines,
    )


def _stored() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    orders = list(Order.objects.order_by("external_id").values_list(*ORDER_FIELDS))
    lines = list(
        OrderLine.objects.order_by("order__external_id", "position").values_list(*LINE_FIELDS)
    )
    return orders, lines


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY's text: PostgreSQL only")
def test_orders_and_lines_as_copy_text_store_what_the_values_do(
    customer: Any, catalogue: Any, owner: Any
) -> None:
    product = catalogue["MI-14"].pk
    cleans = [_clean(n, customer.pk, product) for n in range(3 * len(ODD))]
    items = [(clean, customer.pk) for clean in cleans]
    for user in (owner, None):
        orders, _refunds = _new_orders(user, items)
        with transaction.atomic():
            copy_text(Order, ORDER_FIELDS, order_copy_text(orders))
            copy_text(OrderLine, LINE_FIELDS, line_copy_text(orders, cleans))
            as_text = _stored()
            OrderLine.objects.all().delete()
            Order.objects.all().delete()
            insert_rows(Order, ORDER_FIELDS, (o.row() for o in orders), binary=True)
            insert_rows(OrderLine, LINE_FIELDS, _line_rows(orders, cleans), binary=True)
            as_values = _stored()
            OrderLine.objects.all().delete()
            Order.objects.all().delete()
        assert len(as_text[0]) == len(cleans) and len(as_text[1]) == 2 * len(cleans)
        assert as_text == as_values


@given(
    status=st.sampled_from(STATUSES),
    total=st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2),
    currency=st.from_regex(r"[A-Z]{3}", fullmatch=True),
    items=st.integers(min_value=0, max_value=10**9),
)
def test_summary_json_is_the_summary(
    status: str, total: Decimal, currency: str, items: int
) -> None:
    class Written:
        pass

    order = Written()
    order.status, order.total, order.currency = status, total, currency  # type: ignore[attr-defined]
    order.item_count = items  # type: ignore[attr-defined]
    assert summary_json(order) == json.dumps(summary(order))
