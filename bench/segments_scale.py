"""Segment counts on 1,000,000 customers × 5,000,000 orders (PostgreSQL), against hand SQL.

The issue's goal: a segment's count ≤ 1 s, and ≤ 1.5× a hand-written SQL query for the same
rule. Runs on DOSSIER_DATABASE_URL when it names PostgreSQL, else on
postgres://postgres@127.0.0.1:5432/dossier_bench_segments (created when missing). The data
(customers, kept figures, orders with one line each, tags, scores, consent) is written once
with COPY and kept for the next run; DOSSIER_BENCH_SEGMENT_CUSTOMERS and
DOSSIER_BENCH_SEGMENT_ORDERS change the sizes (the data is rebuilt when they differ).
Each count is timed warm, the median of five. Prints figures; never passes or fails.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
import uuid
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_serve import ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dossier_bench_segments"
CUSTOMERS = int(os.environ.get("DOSSIER_BENCH_SEGMENT_CUSTOMERS", 1_000_000))
ORDERS = int(os.environ.get("DOSSIER_BENCH_SEGMENT_ORDERS", 5_000_000))
NOW = datetime(2026, 11, 30, tzinfo=UTC)
CITIES = ["上海", "北京", "杭州", "广州", "深圳", "成都", "武汉", "南京", "西安", "重庆"]
CATEGORIES = ["手机", "家电", "食品", "服装", "美妆"]
STATUSES = ["completed"] * 6 + ["paid", "shipped", "refunded", "cancelled"]
SEGMENTS = ["champions", "loyal", "at_risk", "cant_lose", "hibernating", "lost", "new"]
GOAL_SECONDS, GOAL_RATIO = 1.0, 1.5


def _url() -> str:
    url = os.environ.get("DOSSIER_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_URL


def _copy_sql(model: Any, columns: list[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"COPY {model._meta.db_table} ({names}) FROM STDIN"


def _copy(conn: Any, model: Any, columns: list[str], rows: Any) -> int:
    count = 0
    with conn.cursor() as cursor, cursor.copy(_copy_sql(model, columns)) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _column_defaults(model: Any, raw: dict[str, Any]) -> tuple[list[str], list[Any]]:
    fields = model._meta.concrete_fields
    values = [raw.get(f.column) for f in fields]
    return [f.column for f in fields], [
        json.dumps(v) if isinstance(v, dict | list) else v for v in values
    ]


def build(conn: Any) -> None:
    """Write the bench's customers and their rows with COPY (the tables are emptied first)."""
    import psycopg

    from dossier.activity.models import CustomerFigures
    from dossier.consent.models import ConsentEvent, Purpose
    from dossier.customers.models import Customer, CustomerTag, Tag
    from dossier.insights import scoring
    from dossier.insights.models import CustomerScore
    from dossier.orders.models import Order, OrderLine, Product
    from dossier.templates.models import Template

    rng = random.Random(16)
    template = Template.objects.get(key="retail_member")
    sample = Customer.objects.create(
        display_name="样本", template=template, template_version=template.current_version
    )
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Customer._meta.db_table} WHERE id = %s", [sample.pk])
        raw = dict(zip([d.name for d in cursor.description], cursor.fetchone(), strict=True))
    tables = [ConsentEvent, CustomerScore, CustomerTag, OrderLine, Order, CustomerFigures]
    with conn.cursor() as cursor:
        names = ", ".join(m._meta.db_table for m in tables)
        cursor.execute(f"TRUNCATE {names}, {Customer._meta.db_table} CASCADE")
        # consent events are append-only: the trigger refuses deletes, not TRUNCATE
    tags = [Tag.objects.get_or_create(name=f"bench-{i}")[0].pk for i in range(5)]
    products = [
        Product.objects.get_or_create(
            sku=f"B{i:03d}",
            defaults={"name": f"商品{i}", "category": CATEGORIES[i % 5], "price": Decimal(99)},
        )[0]
        for i in range(20)
    ]
    purpose = Purpose.objects.get(key="marketing")
    columns, defaults = _column_defaults(Customer, raw)
    at = {c: i for i, c in enumerate(columns)}
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(CUSTOMERS)]

    def customers() -> Any:
        for n, pk in enumerate(ids):
            row = list(defaults)
            row[at["id"]] = pk
            row[at["display_name"]] = f"客户{n}"
            row[at["city"]] = rng.choice(CITIES)
            row[at["created_at"]] = row[at["updated_at"]] = NOW - timedelta(
                days=rng.randint(0, 1500)
            )
            yield row

    started = time.perf_counter()
    _copy(conn, Customer, columns, customers())
    figures: dict[Any, list[Any]] = {}
    per_customer = ORDERS / CUSTOMERS
    order_columns = [f.column for f in Order._meta.concrete_fields]
    line_columns = [
        "order_id",
        "customer_id",
        "position",
        "product_id",
        "sku",
        "name",
        "qty",
        "unit_price",
        "discount",
        "line_total",
        "returned_qty",
        "refunded",
    ]
    made = 0
    # orders and their lines stream side by side, on two connections (one COPY each); the
    # orders' COPY ends (commits) first, so the lines' deferred foreign keys find them
    with (
        psycopg.connect(conn.info.dsn, autocommit=True) as second,
        second.cursor() as c2,
        c2.copy(_copy_sql(OrderLine, line_columns)) as lines,
        conn.cursor() as c1,
        c1.copy(_copy_sql(Order, order_columns)) as orders,
    ):
        for pk in ids:
            for _ in range(min(int(rng.expovariate(1 / per_customer) + 0.5), 60)):
                if made >= ORDERS:
                    break
                made += 1
                days = rng.random() ** 1.5 * 1100
                placed = NOW - timedelta(days=days, seconds=rng.randint(0, 86399))
                status, total = rng.choice(STATUSES), Decimal(rng.randint(10, 3000))
                order_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                product = rng.choice(products)
                orders.write_row(
                    (
                        order_id,
                        pk,
                        "bench",
                        str(order_id),
                        "store",
                        "",
                        placed,
                        status,
                        Decimal(0),
                        total,
                        Decimal(0),
                        1,
                        "CNY",
                        "",
                        "",
                        NOW,
                        NOW,
                        None,
                    )
                )
                lines.write_row(
                    (
                        order_id,
                        pk,
                        1,
                        product.pk,
                        product.sku,
                        product.name,
                        1,
                        total,
                        Decimal(0),
                        total,
                        0,
                        Decimal(0),
                    )
                )
                if status != "cancelled":
                    kept = figures.setdefault(pk, [placed, placed, 0, Decimal(0)])
                    kept[0], kept[1] = min(kept[0], placed), max(kept[1], placed)
                    kept[2] += 1
                    kept[3] += total
    figure_columns = [
        "customer_id",
        "first_purchase_at",
        "last_purchase_at",
        "order_count",
        "total_spend",
        "return_count",
        "refund_total",
        "complaint_count",
        "csat_total",
        "csat_count",
        "last_nps",
        "last_nps_at",
        "open_tickets",
        "last_interaction_at",
        "updated_at",
    ]
    _copy(
        conn,
        CustomerFigures,
        figure_columns,
        (
            (pk, f[0], f[1], f[2], f[3], 0, Decimal(0), 0, 0, 0, None, None, 0, None, NOW)
            for pk, f in figures.items()
        ),
    )
    _copy(
        conn,
        CustomerTag,
        ["customer_id", "tag_id", "added_at", "added_by_id", "source"],
        ((pk, rng.choice(tags), NOW, None, "") for pk in ids if rng.random() < 0.3),
    )
    _copy(
        conn,
        CustomerScore,
        scoring.COLUMNS,
        (
            (
                pk,
                1,
                f[2],
                f[3],
                3,
                3,
                3,
                rng.choice(SEGMENTS),
                rng.choice("ABCD"),
                rng.randint(0, 100),
                "[]",
                None,
                None,
                None,
                NOW,
            )
            for pk, f in figures.items()
        ),
    )
    consent_columns = [f.column for f in ConsentEvent._meta.concrete_fields]
    event = {c: None for c in consent_columns} | {
        "purpose_id": purpose.pk,
        "channel": "sms",
        "action": "granted",
        "source": "import",
        "notice_version": "",
        "evidence": "{}",
        "created_at": NOW,
    }
    _copy(
        conn,
        ConsentEvent,
        [c for c in consent_columns if c != "id"],
        (
            [pk if c == "customer_id" else event[c] for c in consent_columns if c != "id"]
            for pk in ids
            if rng.random() < 0.3
        ),
    )
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the visibility map lets index-only scans skip rows
    print(
        f"built {CUSTOMERS:,} customers, {made:,} orders in {time.perf_counter() - started:.0f} s"
    )


RULES: list[tuple[str, dict[str, Any], str]] = [
    (
        "高频次购买者: ≥ 3 purchases in 90 days",
        {"field": "orders", "metric": "count", "within_days": 90, "op": "gte", "value": 3},
        """SELECT count(*) FROM customers_customer c
           WHERE c.deleted_at IS NULL AND c.erased_at IS NULL AND c.id IN (
             SELECT o.customer_id FROM orders_order o
             WHERE o.status IN ('paid','shipped','completed','returned','refunded')
               AND o.placed_at >= %(since90)s
             GROUP BY o.customer_id HAVING count(*) >= 3)""",
    ),
    (
        "big spenders in two cities without tag bench-0 who bought a phone this year",
        {
            "all": [
                {"field": "city", "op": "in", "value": ["上海", "北京"]},
                {"field": "total_spend", "op": "gte", "value": 5000},
                {"field": "tags", "op": "has_none", "value": ["TAG0"]},
                {
                    "field": "orders",
                    "category": "手机",
                    "within_days": 365,
                    "op": "gte",
                    "value": 1,
                },
            ]
        },
        """SELECT count(*) FROM customers_customer c
           JOIN activity_customerfigures f ON f.customer_id = c.id
           WHERE c.deleted_at IS NULL AND c.erased_at IS NULL
             AND c.city IN ('上海', '北京') AND f.total_spend >= 5000
             AND NOT EXISTS (SELECT 1 FROM customers_customertag t
                             WHERE t.customer_id = c.id AND t.tag_id = %(tag0)s)
             AND EXISTS (SELECT 1 FROM orders_orderline l
                         JOIN orders_order o ON o.id = l.order_id
                         JOIN orders_product p ON p.id = l.product_id
                         WHERE l.customer_id = c.id AND p.category = '手机'
                           AND o.status IN ('paid','shipped','completed','returned','refunded')
                           AND o.placed_at >= %(since365)s)""",
    ),
    (
        "at risk with SMS marketing consent",
        {
            "all": [
                {"field": "rfm_segment", "op": "in", "value": ["at_risk", "cant_lose"]},
                {"field": "consent", "purpose": "marketing", "channel": "sms", "op": "granted"},
            ]
        },
        """SELECT count(*) FROM customers_customer c
           JOIN insights_customerscore s ON s.customer_id = c.id
           WHERE c.deleted_at IS NULL AND c.erased_at IS NULL
             AND s.rfm_segment IN ('at_risk', 'cant_lose')
             AND EXISTS (SELECT 1 FROM consent_consentevent e
                         WHERE e.customer_id = c.id AND e.purpose_id = %(purpose)s
                           AND e.channel = 'sms' AND e.action = 'granted'
                           AND NOT EXISTS (SELECT 1 FROM consent_consentevent w
                                           WHERE w.customer_id = c.id AND w.id > e.id
                                             AND w.purpose_id = %(purpose)s
                                             AND w.channel = 'sms' AND w.action = 'withdrawn'))""",
    ),
]


def _timed(run: Any) -> tuple[float, Any]:
    run()  # warm
    times, result = [], None
    for _ in range(5):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    url = _url()
    if not ensure_database(url):
        return 0
    os.environ["DOSSIER_DATABASE_URL"] = url
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection, transaction

    from dossier.consent.models import Purpose
    from dossier.customers.models import Customer, Tag
    from dossier.insights.compiler import Moment
    from dossier.insights.rules import parse_rules
    from dossier.insights.selectors import (
        COUNT_SETTINGS,
        bounded_count,
        count_settings,
        matching,
    )

    call_command("migrate", verbosity=0)
    if Customer.objects.count() != CUSTOMERS:
        with psycopg.connect(url, autocommit=True) as conn:
            build(conn)
    tag0 = Tag.objects.get(name="bench-0").pk
    params = {
        "since90": NOW - timedelta(days=90),
        "since365": NOW - timedelta(days=365),
        "tag0": tag0,
        "purpose": Purpose.objects.get(key="marketing").pk,
    }
    moment = Moment(now=NOW, tz=UTC)  # type: ignore[arg-type]
    print(
        f"PostgreSQL, {Customer.objects.count():,} customers; median of 5 warm counts; "
        f"load {Path('/proc/loadavg').read_text().split()[0]}"
    )
    print(f"  the count's statement settings (hand SQL runs under them too): {COUNT_SETTINGS}")
    for title, rules, sql in RULES:
        rules = _with_tag(rules, tag0)
        node = parse_rules(rules)
        # the product's path: the compiled query under the count's timeout and settings
        ours, counted = _timed(lambda node=node: bounded_count(matching(node, moment=moment)))

        def hand(sql: str = sql, scoped: bool = True) -> int:
            with (
                transaction.atomic(),
                count_settings() if scoped else nullcontext(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, params)
                return int(cursor.fetchone()[0])

        theirs, expected = _timed(hand)
        server, _ = _timed(lambda sql=sql: hand(sql, scoped=False))
        agree = "agree" if counted == expected else f"DISAGREE (hand SQL {expected:,})"
        print(
            f"  {title}: {counted:,} customers in {ours * 1000:.0f} ms "
            f"(goal ≤ {GOAL_SECONDS * 1000:.0f} ms: ×{ours / GOAL_SECONDS:.2f}); hand SQL "
            f"{theirs * 1000:.0f} ms, ratio {ours / theirs:.2f} (goal ≤ {GOAL_RATIO}); {agree}; "
            f"hand SQL at the server's settings {server * 1000:.0f} ms; "
            f"load {Path('/proc/loadavg').read_text().split()[0]}"
        )
    return 0


def _with_tag(rules: Any, tag: int) -> Any:
    if isinstance(rules, dict):
        return {k: _with_tag(v, tag) for k, v in rules.items()}
    if isinstance(rules, list):
        return [tag if v == "TAG0" else _with_tag(v, tag) for v in rules]
    return rules


if __name__ == "__main__":
    sys.exit(main())
