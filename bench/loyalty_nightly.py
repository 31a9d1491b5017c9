"""The loyalty programme's nightly work on BENCH_CUSTOMERS customers × BENCH_ORDERS orders.

Times each step of ``nightly_loyalty`` (earn on every purchase, take back refunds, expire,
recompute tiers) against a floor written by hand in the same run, and prints the ratio:

* earning: ``bulk_create`` of the same ledger rows, nothing else (what any ORM insert costs);
* expiry and tiers: one hand-written ``SELECT customer_id, SUM(points) … GROUP BY`` over the
  ledger (the least any set-based pass over it reads).

Orders are inserted straight (``bulk_create``, not the order services: their speed is
orders_sync.py's subject); a third are placed 13 months ago, so their points have lapsed,
and a tenth of the rest are half refunded. SQLite by default; DOSSIER_DATABASE_URL for
PostgreSQL. Prints figures; passes or fails on none.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "20000"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))


def _seed() -> None:
    from dossier.accounts.services import create_user
    from dossier.core import roles
    from dossier.customers.services import create_customers
    from dossier.loyalty.models import Programme
    from dossier.loyalty.services import set_tiers
    from dossier.orders.models import Order
    from dossier.templates.selectors import get_template

    call_command("migrate", verbosity=0)
    admin = create_user(username="bench-loyalty", password="bench-password-1", role=roles.ADMIN)
    template = get_template(key="retail_member")
    ids: list[Any] = []
    for start in range(0, CUSTOMERS, 1000):
        rows = [
            {"display_name": f"会员{n}", "phone": f"137{n:08d}"}
            for n in range(start, min(start + 1000, CUSTOMERS))
        ]
        ids += [c.pk for c in create_customers(actor=admin, template=template, rows=rows).created]
    now = timezone.now()
    orders = []
    for n in range(ORDERS):
        total = Decimal(50 + (n * 37) % 900)
        lapsed = n % 3 == 0
        placed = now - timedelta(days=400 if lapsed else 1 + n % 300)
        orders.append(
            Order(
                customer_id=ids[n % len(ids)],
                source="bench",
                external_id=f"LB{n:08d}",
                channel="store",
                placed_at=placed,
                status="paid",
                total=total,
                refunded=Decimal("0.00"),
                item_count=1,
            )
        )
    Order.objects.bulk_create(orders, batch_size=2000)
    Programme.objects.update_or_create(pk=1, defaults={"active": True, "validity_months": 12})
    set_tiers(
        actor=admin,
        tiers=[
            {"name": "普通", "min_points": 0},
            {"name": "银卡", "min_points": 2000},
            {"name": "金卡", "min_points": 8000},
        ],
    )
    return None


def _refund_some() -> int:
    """Half of every tenth order paid back (refund rows, and the orders' refunded sums)."""
    from django.db.models import F

    from dossier.orders.models import Order, Refund

    owing = Order.objects.filter(external_id__endswith="1")
    Refund.objects.bulk_create(
        (
            Refund(order_id=pk, customer_id=customer, amount=total / 2, reason="damaged")
            for pk, customer, total in owing.values_list("pk", "customer_id", "total")
        ),
        batch_size=2000,
    )
    return int(owing.update(refunded=F("total") / 2))


def _timed(step: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def _floor_sum() -> float:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "SELECT customer_id, SUM(points) FROM loyalty_pointsentry GROUP BY customer_id"
        )
        cursor.fetchall()
        return time.perf_counter() - started


def _floor_insert() -> float:
    """The same earn rows, inserted with bulk_create alone (then removed, behind the ledger's
    back, as the benchmark's own clean-up)."""
    from dossier.loyalty.models import PointsEntry

    rows = list(
        PointsEntry.objects.filter(kind="earn").values_list(
            "customer_id", "points", "order_id", "amount", "expires_at"
        )
    )
    copies = [
        PointsEntry(customer_id=c, kind="adjust", points=p, reason="other", amount=a, expires_at=e)
        for c, p, _o, a, e in rows
    ]
    started = time.perf_counter()
    PointsEntry.objects.bulk_create(copies, batch_size=1000)
    took = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE loyalty_pointsentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM loyalty_pointsentry WHERE kind = 'adjust' AND order_id IS NULL")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE loyalty_pointsentry ENABLE TRIGGER USER")
    return took


def main() -> int:
    from dossier.loyalty.services import (
        earn_for_orders,
        expire_points,
        recompute_tiers,
        take_back_refunds,
    )

    _seed()
    print(f"{CUSTOMERS} customers, {ORDERS} orders, on {connection.vendor}")
    earn_s, earned = _timed(earn_for_orders)
    floor_insert = _floor_insert()
    refunds = _refund_some()
    back_s, taken = _timed(take_back_refunds)
    expire_s, expired = _timed(expire_points)
    tiers_s, tiered = _timed(recompute_tiers)
    floor = _floor_sum()
    print(f"earn:      {earn_s:7.2f} s  {earned} points  ({ORDERS / earn_s:,.0f} orders/s)")
    ratio = earn_s / floor_insert
    print(f"  floor (bulk_create of the same rows): {floor_insert:.2f} s; ratio {ratio:.1f}×")
    print(f"take back: {back_s:7.2f} s  {taken} points over {refunds} refunded orders")
    print(f"expire:    {expire_s:7.2f} s  {expired} points")
    print(f"tiers:     {tiers_s:7.2f} s  {tiered} customers")
    print(f"  floor (one GROUP BY over the ledger): {floor:.3f} s")
    print(f"  ratios: expire {expire_s / floor:.1f}×, tiers {tiers_s / floor:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
