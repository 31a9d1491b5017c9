"""The one-pass check of the usual order gives the full check's answer, or leaves it the order."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dossier.orders.checks import check_order
from dossier.orders.usual import usual_order

PRODUCTS = {"MI-14": (1, "小米手机 14"), "MENGNIU-1L": (3, "蒙牛纯牛奶 1L")}
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CUSTOMER = "01a231dc-0ef8-7ef4-96c6-e236deb8f05d"


def _base() -> dict[str, Any]:
    return {
        "source": "tmall",
        "external_id": "SO-1",
        "customer_id": CUSTOMER,
        "channel": "web",
        "store": "上海南京东路店",
        "placed_at": "2026-03-01T10:00:00+08:00",
        "status": "paid",
        "payment_method": "alipay",
        "lines": [
            {"sku": "MI-14", "qty": 1, "unit_price": "3999.00"},
            {"sku": "MENGNIU-1L", "qty": 2, "unit_price": "12.50", "discount": "1.00"},
        ],
    }


ODD = [
    None,
    "",
    " ",
    " x",
    "x\x00",
    "a\tb",
    0,
    1,
    -1,
    True,
    1.5,
    "1.005",
    "12",
    "12.5",
    "-1.00",
    "1e3",
    "NaN",
    "CNY",
    "cny",
    "x" * 65,
    [],
    {},
    "2026-03-01T10:00:00",
    " 2026-03-01T10:00:00+08:00",
    "2099-01-01T00:00:00+00:00",
    CUSTOMER.upper(),
    CUSTOMER.replace("-", ""),
    "{" + CUSTOMER + "}",
    " " + CUSTOMER,
    "13900000000",
    "a@example.com",
    "MI-14",
    "unknown-sku",
    "cancelled",
    "wechat_pay",
    "store",
    "8031.00",
    "8022.00",
    "3999.00",
]
ORDER_KEYS = [
    "source",
    "external_id",
    "customer_id",
    "channel",
    "store",
    "placed_at",
    "status",
    "currency",
    "payment_method",
    "campaign",
    "discount",
    "total",
    "phone",
    "email",
    "customer_external_id",
    "customer_source",
]
LINE_KEYS = ["sku", "name", "qty", "unit_price", "discount", "line_total"]


def _variants() -> list[dict[str, Any]]:
    found = [_base()]
    for key in ORDER_KEYS:
        for value in ODD:
            raw = _base()
            raw[key] = value
            found.append(raw)
            if key in ("phone", "email", "customer_external_id"):
                named_otherwise = _base()
                del named_otherwise["customer_id"]
                named_otherwise[key] = value
                found.append(named_otherwise)
    for key in LINE_KEYS:
        for value in ODD:
            raw = _base()
            raw["lines"][1][key] = value
            found.append(raw)
    for lines in (None, [], "x", [None], [1], [{}], [_base()["lines"][0]] * 101):
        raw = _base()
        raw["lines"] = copy.deepcopy(lines)
        found.append(raw)
    return found


def test_the_usual_order_is_taken_in_one_pass() -> None:
    clean = usual_order(_base(), products=PRODUCTS, zone=ZONE, now=NOW)
    assert clean is not None
    assert clean == check_order(_base(), products=PRODUCTS, zone=ZONE, now=NOW)[0]


def test_it_answers_as_the_full_check_or_leaves_the_order_to_it() -> None:
    """Each value of each field swapped for an odd one: never a different answer."""
    wrong = []
    for raw in _variants():
        quick = usual_order(copy.deepcopy(raw), products=PRODUCTS, zone=ZONE, now=NOW)
        full, errors = check_order(copy.deepcopy(raw), products=PRODUCTS, zone=ZONE, now=NOW)
        if quick is not None and (errors or quick != full):
            wrong.append(raw)
    assert wrong == []
