"""Demo orders: a Chinese catalogue, orders in every channel and status, lines, refunds, returns.

Written in bulk (``insert_rows``: COPY on PostgreSQL), not through the per-order
services, so half a million orders take minutes; the timeline entries and figures the
services would keep are written the same way afterwards (``record_entries``,
``refresh_figures``). The rows obey the services' rules: totals from the lines, refunds
never above the total, returned and refunded orders carry their returns and refunds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.activity.figures import refresh_figures
from dossier.activity.services import record_entries
from dossier.core.bulk_insert import insert_rows
from dossier.customers.ids import uuid7
from dossier.orders.figures import SOURCE_KEY
from dossier.orders.models import Order, OrderLine, Product, Refund
from dossier.orders.services.writing import LINE_FIELDS, ORDER_FIELDS

#: (sku, name, category, brand, price)
CATALOGUE = [
    ("MI-14", "小米手机 14", "手机数码", "小米", "3999.00"),
    ("MI-BAND8", "小米手环 8", "手机数码", "小米", "249.00"),
    ("HUAWEI-P70", "华为 P70", "手机数码", "华为", "5499.00"),
    ("HUAWEI-WATCH4", "华为 WATCH 4", "手机数码", "华为", "2699.00"),
    ("OPPO-FINDX7", "OPPO Find X7", "手机数码", "OPPO", "4299.00"),
    ("VIVO-X100", "vivo X100", "手机数码", "vivo", "3999.00"),
    ("LENOVO-Y9000", "联想拯救者 Y9000P", "电脑办公", "联想", "9999.00"),
    ("MIDEA-AC15", "美的空调 1.5匹 新一级能效", "家用电器", "美的", "2899.00"),
    ("GREE-AC1", "格力云佳 1匹 空调", "家用电器", "格力", "2499.00"),
    ("HAIER-BCD470", "海尔冰箱 BCD-470", "家用电器", "海尔", "3299.00"),
    ("MIDEA-MW", "美的微波炉", "家用电器", "美的", "459.00"),
    ("SUPOR-RICE", "苏泊尔电饭煲 4L", "家用电器", "苏泊尔", "299.00"),
    ("JOYOUNG-SOY", "九阳豆浆机", "家用电器", "九阳", "399.00"),
    ("MENGNIU-1L", "蒙牛纯牛奶 1L×12", "食品饮料", "蒙牛", "69.90"),
    ("YILI-ANMUXI", "伊利安慕希酸奶 205g×12", "食品饮料", "伊利", "65.00"),
    ("NONGFU-SPRING", "农夫山泉 550ml×24", "食品饮料", "农夫山泉", "36.00"),
    ("THREESQ-NUTS", "三只松鼠坚果礼盒", "食品饮料", "三只松鼠", "168.00"),
    ("MOUTAI-FEITIAN", "贵州茅台 飞天 53度 500ml", "酒水", "茅台", "2999.00"),
    ("WULIANGYE-8", "五粮液 第八代 500ml", "酒水", "五粮液", "1099.00"),
    ("LINING-RUN", "李宁 超轻跑鞋", "运动户外", "李宁", "499.00"),
    ("ANTA-KT", "安踏 篮球鞋", "运动户外", "安踏", "599.00"),
    ("BOSIDENG-DOWN", "波司登 羽绒服", "服装", "波司登", "1299.00"),
    ("UNIQLO-TEE", "优衣库 纯棉T恤", "服装", "优衣库", "79.00"),
    ("PECHOIN-SET", "百雀羚 护肤套装", "美妆个护", "百雀羚", "398.00"),
    ("PROYA-SERUM", "珀莱雅 双抗精华", "美妆个护", "珀莱雅", "269.00"),
    ("BYHEALTH-VC", "汤臣倍健 维生素C", "保健品", "汤臣倍健", "128.00"),
    ("DELI-PEN", "得力 中性笔 12支", "文具", "得力", "19.90"),
    ("CHERRY-KB", "樱桃 机械键盘", "电脑办公", "Cherry", "699.00"),
]
STORES = [
    "北京朝阳大悦城店",
    "北京西单大悦城店",
    "上海南京东路店",
    "上海徐家汇店",
    "广州天河城店",
    "深圳万象城店",
    "杭州湖滨银泰店",
    "成都春熙路店",
    "武汉楚河汉街店",
    "南京新街口店",
]
CHANNELS = [
    ("store", 30),
    ("web", 20),
    ("app", 20),
    ("mini_program", 20),
    ("phone", 5),
    ("partner", 5),
]
STATUSES = [
    ("completed", 58),
    ("paid", 8),
    ("shipped", 8),
    ("pending", 4),
    ("cancelled", 6),
    ("returned", 5),
    ("refunded", 6),
]
PAYMENTS = [("wechat_pay", 45), ("alipay", 40), ("unionpay", 6), ("card", 5), ("cash", 4)]
SOURCES = {"store": "pos", "web": "tmall", "app": "app", "mini_program": "wechat_mall"}
CAMPAIGNS = ["618-2025", "DOUBLE11-2025", "CNY-2026", "MEMBER-DAY"]
CHUNK = 5000
YEARS_BACK = 2


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def ensure_catalogue() -> dict[str, tuple[int, str, Decimal]]:
    """The demo products (added when missing), by sku: (id, name, price)."""
    Product.objects.bulk_create(
        [
            Product(sku=sku, name=name, category=cat, brand=brand, price=Decimal(price))
            for sku, name, cat, brand, price in CATALOGUE
        ],
        ignore_conflicts=True,
    )
    rows = Product.objects.filter(sku__in=[c[0] for c in CATALOGUE]).values_list(
        "sku", "id", "name", "price"
    )
    return {sku: (pk, name, price) for sku, pk, name, price in rows}


def _count(rng: random.Random, per_customer: float) -> int:
    """How many orders one customer has: most a few, some many (mean ``per_customer``)."""
    if per_customer <= 0:
        return 0
    return int(rng.expovariate(1 / per_customer) + rng.random())


def _orders_of(
    rng: random.Random,
    customer_id: UUID,
    owner_id: int | None,
    n: int,
    products: list[tuple[str, tuple[int, str, Decimal]]],
    now: datetime,
    serial: Iterator[int],
) -> Iterator[tuple[list[Any], list[list[Any]], list[Refund]]]:
    for _i in range(n):
        channel = _pick(rng, CHANNELS)
        status = _pick(rng, STATUSES)
        placed = now - timedelta(seconds=rng.randrange(YEARS_BACK * 365 * 86400))
        order_id = uuid7()
        lines: list[list[Any]] = []
        subtotal = Decimal("0.00")
        for position, (sku, (pk, name, price)) in enumerate(
            rng.sample(products, rng.choice((1, 1, 1, 2, 2, 3, 4))), start=1
        ):
            qty = rng.choice((1, 1, 1, 2, 2, 3))
            discount = (
                (price * qty / 10).quantize(Decimal("0.01"))
                if rng.random() < 0.15
                else Decimal("0.00")
            )
            total = price * qty - discount
            subtotal += total
            returned = qty if status == "returned" else 0
            lines.append(
                [
                    order_id,
                    customer_id,
                    position,
                    pk,
                    sku,
                    name,
                    qty,
                    price,
                    discount,
                    total,
                    returned,
                    Decimal("0.00"),
                ]
            )
        off = Decimal("10.00") if subtotal > 200 and rng.random() < 0.2 else Decimal("0.00")
        total = subtotal - off
        refunds: list[Refund] = []
        refunded = Decimal("0.00")
        if status == "refunded" or (status == "completed" and rng.random() < 0.03):
            refunded = total if status == "refunded" else (total / 5).quantize(Decimal("0.01"))
            reason = (
                Refund.Reason.ORDER_REFUNDED
                if status == "refunded"
                else Refund.Reason.PRICE_ADJUSTMENT
            )
            refunds.append(
                Refund(
                    order_id=order_id,
                    customer_id=customer_id,
                    amount=refunded,
                    reason=reason,
                    created_at=placed + timedelta(days=rng.randint(1, 10)),
                )
            )
        order = {
            "id": order_id,
            "customer_id": customer_id,
            "source": SOURCES.get(channel, channel),
            "external_id": f"DEMO{next(serial):09d}",
            "channel": channel,
            "store": rng.choice(STORES) if channel == "store" else "",
            "placed_at": placed,
            "status": status,
            "discount": off,
            "total": total,
            "refunded": refunded,
            "item_count": sum(line[6] for line in lines),
            "currency": "CNY",
            "payment_method": "" if status == "pending" else _pick(rng, PAYMENTS),
            "campaign": rng.choice(CAMPAIGNS) if rng.random() < 0.1 else "",
            "created_at": placed,
            "updated_at": placed,
            "created_by_id": owner_id,
        }
        yield [order[f] for f in ORDER_FIELDS], lines, refunds


def _write(orders: list[list[Any]], lines: list[list[Any]], refunds: list[Refund]) -> None:
    with transaction.atomic():
        insert_rows(Order, ORDER_FIELDS, orders)
        insert_rows(OrderLine, LINE_FIELDS, lines)
        Refund.objects.bulk_create(refunds, batch_size=2000)
        at = {name: i for i, name in enumerate(ORDER_FIELDS)}
        record_entries(
            {
                "customer_id": o[at["customer_id"]],
                "kind": "order",
                "object_id": o[at["id"]],
                "occurred_at": o[at["placed_at"]],
                "summary": {
                    "status": o[at["status"]],
                    "total": str(o[at["total"]]),
                    "currency": "CNY",
                    "items": o[at["item_count"]],
                },
            }
            for o in orders
        )


def fill_demo(
    *,
    customers: list[tuple[UUID, int | None]],
    users: list[User],
    rng: random.Random,
    per_customer: float,
) -> int:
    """Orders for these (customer id, owner id) pairs, about ``per_customer`` each; returns
    how many were made. ``users`` are not needed: an order names its customer's owner as
    the one who stored it."""
    catalogue = sorted(ensure_catalogue().items())
    now = timezone.now().astimezone(UTC).replace(microsecond=0)
    serial = iter(range(Order.objects.filter(external_id__startswith="DEMO").count() + 1, 10**9))
    made = 0
    orders: list[list[Any]] = []
    lines: list[list[Any]] = []
    refunds: list[Refund] = []
    for customer_id, owner_id in customers:
        for order, its_lines, its_refunds in _orders_of(
            rng, customer_id, owner_id, _count(rng, per_customer), catalogue, now, serial
        ):
            orders.append(order)
            lines += its_lines
            refunds += its_refunds
        if len(orders) >= CHUNK:
            _write(orders, lines, refunds)
            made += len(orders)
            orders, lines, refunds = [], [], []
    if orders:
        _write(orders, lines, refunds)
        made += len(orders)
    ids = [pk for pk, _owner in customers]
    # the recount rewrites each figure row it touched: in small slices, a call stays short
    for start in range(0, len(ids), 250):
        with transaction.atomic():
            refresh_figures(ids[start : start + 250], sources=[SOURCE_KEY])
    return made
