"""Bulk order sync through the API on PostgreSQL: orders a second, and the ratio to a raw insert.

POST /api/v1/orders/bulk with 1,000 orders a call (three lines each; customers named by id, a
tenth by phone, a tenth by their id in the shop) until BENCH_ORDERS orders (default 50,000) are
in, through ``dossier.wsgi``'s application in this process, loaded as a server loads it (token,
throttle, ninja's parsing, checks, customer lookup, inserts, timeline, events, audit, figures),
timed by the wall clock. Then the same rows, built as Order and OrderLine objects, are written
with ``bulk_create`` alone (nothing else: the floor of any ORM write), and streamed with a
raw binary COPY into the two tables (no check, no lookup, no timeline, event, audit or
figures: the floor of any write of these rows; the tables' keys and foreign keys still hold)
in the same run. Prints orders/s of each (the three take turns, call by call, so all meet
the same load on a shared machine), the API's ratio to both, each again per CPU-second of
this process and its PostgreSQL backends (read from /proc: what an idle machine would show),
the statements of one call, and a retried call's rate (every order "unchanged"). Goal
(issue 13): ≥ 10,000 orders/s (lines included) through the API.

Then the same again through a server (orders_served.py): gunicorn with BENCH_WORKERS worker
processes (default 2; 0 skips it) of two threads, as many clients as threads posting from
this process, beside the raw ``bulk_create`` of the same rows in as many processes at once.
In one process a call's Python and its PostgreSQL work take turns on one core; a server
overlaps them across processes.

The seeded database is analyzed before the clock starts, as a database in service has its
statistics (the shared server runs without autovacuum). After the sync the kept figures are
verified against a recount (``verify``: 0 differences expected).

Needs PostgreSQL (DOSSIER_DATABASE_URL); on SQLite it says so and exits 0.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
os.environ.setdefault("DOSSIER_API_RATE", "100000000/m")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", "50000"))
BATCH = 1000
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "5000"))
GOAL = 10_000
#: gunicorn worker processes for the served figure (0: in-process only)
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PRODUCTS = [
    ("MI-14", "小米手机 14", "3999.00"),
    ("MIDEA-AC15", "美的空调 1.5匹", "2899.00"),
    ("MENGNIU-1L", "蒙牛纯牛奶 1L", "12.50"),
    ("HUAWEI-P70", "华为 P70", "5499.00"),
    ("HAIER-FR", "海尔冰箱 BCD-470", "3299.00"),
    ("YILI-YOG", "伊利安慕希酸奶", "65.00"),
    ("LINING-RUN", "李宁跑鞋", "499.00"),
    ("GREE-FAN", "格力电风扇", "199.00"),
]
STORES = ["北京朝阳大悦城店", "上海南京东路店", "广州天河城店", "深圳万象城店", "成都春熙路店"]


def _seed() -> tuple[str, list[tuple[str, str, str]]]:
    """A fresh schema, an admin token, the catalogue, customers (id, phone, shop id)."""
    from dossier.accounts.services import create_token, create_user
    from dossier.core import roles
    from dossier.customers.services import create_customers
    from dossier.orders.models import CustomerExternalId
    from dossier.orders.services import create_product
    from dossier.templates.selectors import get_template

    call_command("migrate", verbosity=0)
    admin = create_user(username="bench-orders", password="bench-password-1", role=roles.ADMIN)
    for sku, name, price in PRODUCTS:
        create_product(actor=admin, sku=sku, name=name, price=Decimal(price))
    template = get_template(key="retail_member")
    people = []
    for start in range(0, CUSTOMERS, 1000):
        rows = [
            {"display_name": f"顾客{n}", "phone": f"139{n:08d}"}
            for n in range(start, min(start + 1000, CUSTOMERS))
        ]
        result = create_customers(actor=admin, template=template, rows=rows)
        people += [
            (str(c.pk), f"139{start + i:08d}", f"M{start + i:07d}")
            for i, c in enumerate(result.created)
        ]
    CustomerExternalId.objects.bulk_create(
        CustomerExternalId(source="shop", external_id=ext, customer_id=pk) for pk, _p, ext in people
    )
    _token, secret = create_token(user=admin, name="bench", scope="read_write")
    with connection.cursor() as cursor:  # statistics, as a database in service has them
        cursor.execute("ANALYZE")
    return secret, people


def _orders(
    people: list[tuple[str, str, str]], start: int, count: int, source: str
) -> list[dict[str, Any]]:
    rng = random.Random(start)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for n in range(start, start + count):
        pk, phone, ext = people[n % len(people)]
        lines = []
        for position in range(3):
            sku, _name, price = PRODUCTS[(n + position * 3) % len(PRODUCTS)]
            lines.append({"sku": sku, "qty": 1 + (n + position) % 3, "unit_price": price})
        ref: dict[str, str] = {"customer_id": pk}
        if n % 10 == 1:
            ref = {"phone": phone}
        elif n % 10 == 2:
            ref = {"customer_external_id": ext, "customer_source": "shop"}
        out.append(
            {
                "source": source,
                "external_id": f"SO{n:08d}",
                **ref,
                "channel": rng.choice(["store", "web", "app", "mini_program"]),
                "store": rng.choice(STORES),
                "placed_at": (base + timedelta(minutes=n % 100_000)).isoformat(),
                "status": rng.choice(["paid", "paid", "shipped", "completed"]),
                "payment_method": rng.choice(["wechat_pay", "alipay"]),
                "lines": lines,
            }
        )
    return out


def _post(handler: WSGIHandler, token: str, body: bytes) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/orders/bulk",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    answer = b"".join(handler(environ, lambda code, headers, exc=None: status.append(code)))
    if not status[-1].startswith("200"):
        raise SystemExit(f"bulk sync answered {status[-1]}: {answer[:300]!r}")
    return json.loads(answer)


def _raw_insert(orders: list[dict[str, Any]], people: list[tuple[str, str, str]]) -> None:
    """The same rows as Order and OrderLine objects, bulk_create and nothing else."""
    from dossier.customers.ids import uuid7
    from dossier.orders.models import Order, OrderLine

    by_phone = {phone: pk for pk, phone, _e in people}
    by_ext = {ext: pk for pk, _p, ext in people}
    made, lines = [], []
    for raw in orders:
        customer = (
            raw.get("customer_id")
            or by_phone.get(raw.get("phone", ""))
            or by_ext[raw["customer_external_id"]]
        )
        total = Decimal("0")
        order = Order(
            id=uuid7(),
            customer_id=customer,
            source=raw["source"],
            external_id=raw["external_id"],
            channel=raw["channel"],
            store=raw["store"],
            placed_at=datetime.fromisoformat(raw["placed_at"]),
            status=raw["status"],
            total=Decimal("0"),
            currency="CNY",
            payment_method=raw["payment_method"],
        )
        for position, line in enumerate(raw["lines"], start=1):
            line_total = Decimal(line["unit_price"]) * line["qty"]
            total += line_total
            lines.append(
                OrderLine(
                    order=order,
                    customer_id=customer,
                    position=position,
                    sku=line["sku"],
                    name=line["sku"],
                    qty=line["qty"],
                    unit_price=Decimal(line["unit_price"]),
                    line_total=line_total,
                )
            )
        order.total = total
        made.append(order)
    with transaction.atomic():
        Order.objects.bulk_create(made)
        OrderLine.objects.bulk_create(lines, batch_size=2000)


def _raw_copy(
    orders: list[dict[str, Any]], people: list[tuple[str, str, str]], products: dict[str, int]
) -> None:
    """The same rows streamed with COPY (binary) into the two tables, and nothing else.

    No check, no customer lookup by query, no timeline, event, audit or figures: the floor
    of any write of these rows. The tables' own constraints (keys, foreign keys) still hold.
    """
    from dossier.core.bulk_insert import insert_rows
    from dossier.customers.ids import uuid7
    from dossier.orders.models import Order, OrderLine
    from dossier.orders.services.writing import LINE_FIELDS, ORDER_FIELDS

    by_phone = {phone: pk for pk, phone, _e in people}
    by_ext = {ext: pk for pk, _p, ext in people}
    now, zero = datetime.now(UTC), Decimal("0.00")
    order_rows, line_rows = [], []
    for raw in orders:
        customer = UUID(
            raw.get("customer_id")
            or by_phone.get(raw.get("phone", ""))
            or by_ext[raw["customer_external_id"]]
        )
        pk, total, items = uuid7(), zero, 0
        for position, line in enumerate(raw["lines"], start=1):
            price = Decimal(line["unit_price"])
            line_total = price * line["qty"]
            total += line_total
            items += line["qty"]
            line_rows.append(
                (pk, customer, position, products[line["sku"]], line["sku"], line["sku"],
                 line["qty"], price, zero, line_total, 0, zero)
            )  # fmt: skip
        order_rows.append(
            (pk, customer, raw["source"], raw["external_id"], raw["channel"], raw["store"],
             datetime.fromisoformat(raw["placed_at"]), raw["status"], zero, total, zero, items,
             "CNY", raw["payment_method"], "", now, now, None)
        )  # fmt: skip
    with transaction.atomic():
        insert_rows(Order, ORDER_FIELDS, order_rows, binary=True)
        insert_rows(OrderLine, LINE_FIELDS, line_rows, binary=True)


def _backend_cpu(database: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends serving ``database`` (this machine)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                title = handle.read().decode(errors="replace")
            if "postgres" not in title or f" {database} " not in title:
                continue
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return total


def _cpu(database: str) -> float:
    """CPU seconds of this process and of the database backends serving it."""
    return time.process_time() + _backend_cpu(database)


def _queries_of_one_call(people: list[tuple[str, str, str]]) -> int:
    """The statements one call of 1,000 orders runs in the service (COPY included)."""
    from django.contrib.auth.models import User

    from dossier.orders.services import sync_orders

    admin = User.objects.get(username="bench-orders")
    with CaptureQueriesContext(connection) as queries:
        sync_orders(actor=admin, orders=_orders(people, 2 * 10**7, BATCH, "shop"))
    return len(queries)


def main() -> None:
    if connection.vendor != "postgresql":
        print(
            "skipped: bulk order sync is measured on PostgreSQL "
            f"(this run: {connection.vendor}; set DOSSIER_DATABASE_URL=postgres://…)"
        )
        return
    token, people = _seed()
    from dossier.wsgi import application as handler  # the servers' entry point, as they load it

    _post(handler, token, json.dumps({"orders": _orders(people, 10**7, 50, "warm")}).encode())
    _raw_insert(_orders(people, 10**7, 50, "warm-raw"), people)
    from dossier.orders.models import Product

    products = dict(Product.objects.values_list("sku", "pk"))
    _raw_copy(_orders(people, 10**7, 50, "warm-copy"), people, products)
    # API calls and raw inserts take turns, so both meet the same load on a shared machine
    database = str(settings.DATABASES["default"]["NAME"])
    api_seconds = raw_seconds = api_cpu = raw_cpu = api_db = raw_db = 0.0
    copy_seconds = copy_cpu = copy_db = 0.0
    for start in range(0, ORDERS, BATCH):
        body = json.dumps({"orders": _orders(people, start, BATCH, "shop")}).encode()
        begun, cpu, db = time.perf_counter(), _cpu(database), _backend_cpu(database)
        answer = _post(handler, token, body)
        api_seconds += time.perf_counter() - begun
        api_cpu += _cpu(database) - cpu
        api_db += _backend_cpu(database) - db
        if answer["created"] != BATCH:
            raise SystemExit(f"expected {BATCH} created: {answer['results'][:2]}")
        rows = _orders(people, start, BATCH, "raw")
        begun, cpu, db = time.perf_counter(), _cpu(database), _backend_cpu(database)
        _raw_insert(rows, people)
        raw_seconds += time.perf_counter() - begun
        raw_cpu += _cpu(database) - cpu
        raw_db += _backend_cpu(database) - db
        rows = _orders(people, start, BATCH, "raw-copy")
        begun, cpu, db = time.perf_counter(), _cpu(database), _backend_cpu(database)
        _raw_copy(rows, people, products)
        copy_seconds += time.perf_counter() - begun
        copy_cpu += _cpu(database) - cpu
        copy_db += _backend_cpu(database) - db
    body = json.dumps({"orders": _orders(people, 0, BATCH, "shop")}).encode()
    begun = time.perf_counter()
    answer = _post(handler, token, body)
    retry_rate = BATCH / (time.perf_counter() - begun)
    assert answer["unchanged"] == BATCH, answer["results"][:2]
    queries = _queries_of_one_call(people)
    from dossier.activity.figures import verify

    with connection.cursor() as cursor:  # the raw inserts skipped the figures: not theirs
        sources = "('raw', 'warm-raw', 'raw-copy', 'warm-copy')"
        raw = f"SELECT id FROM orders_order WHERE source IN {sources}"
        cursor.execute(f"DELETE FROM orders_orderline WHERE order_id IN ({raw})")
        cursor.execute(f"DELETE FROM orders_order WHERE source IN {sources}")
    drift = verify()  # the kept figures against a recount from the orders: nothing may differ
    api_rate, raw_rate = ORDERS / api_seconds, ORDERS / raw_seconds
    copy_rate = ORDERS / copy_seconds
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"database: {engine}; {ORDERS} orders × 3 lines in calls of {BATCH}; {CUSTOMERS} customers"
    )
    verdict = "meets" if api_rate >= GOAL else "below"
    print(f"API POST /orders/bulk      : {api_rate:8.0f} orders/s  (goal ≥ {GOAL}: {verdict})")
    print(f"raw bulk_create, same rows : {raw_rate:8.0f} orders/s  (Order + OrderLine only)")
    print(f"ratio API / raw insert     : {api_rate / raw_rate:8.2f}")
    print(f"raw COPY, same rows        : {copy_rate:8.0f} orders/s  (Order + OrderLine only)")
    print(f"ratio API / raw COPY       : {api_rate / copy_rate:8.2f}")
    # what the rates would be on an idle machine: CPU of this process and its database
    # backends (the work, without waiting for a core another job holds)
    calls = ORDERS / BATCH
    print(
        f"API, per CPU-second        : {ORDERS / api_cpu:8.0f} orders/s  "
        f"(a call: {api_cpu / calls * 1000:.0f} ms CPU, "
        f"{api_db / calls * 1000:.0f} of it PostgreSQL)"
    )
    print(
        f"raw, per CPU-second        : {ORDERS / raw_cpu:8.0f} orders/s  "
        f"(a batch: {raw_cpu / calls * 1000:.0f} ms CPU, "
        f"{raw_db / calls * 1000:.0f} of it PostgreSQL)"
    )
    print(
        f"raw COPY, per CPU-second   : {ORDERS / copy_cpu:8.0f} orders/s  "
        f"(a batch: {copy_cpu / calls * 1000:.0f} ms CPU, "
        f"{copy_db / calls * 1000:.0f} of it PostgreSQL)"
    )
    print(f"retried call (unchanged)   : {retry_rate:8.0f} orders/s")
    print(f"statements per call        : {queries:8d}  (the same for any number of orders)")
    print(f"figures verify after sync  : {len(drift):8d}  differences (first: {drift[:1]})")
    loads = " / ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"load average (1/5/15 min)  : {loads}  (on {os.cpu_count()} cores)")
    if WORKERS:
        _served(token, people)


def _served(token: str, people: list[tuple[str, str, str]]) -> None:
    """The same calls through gunicorn's worker processes, beside raw inserts in as many."""
    from orders_served import parallel_raw_rate, served_rate

    threads = 2
    bodies = [
        json.dumps({"orders": _orders(people, start, BATCH, "served")}).encode()
        for start in range(0, ORDERS, BATCH)
    ]
    warm = [
        json.dumps({"orders": _orders(people, 10**7, 50, f"warm-served-{n}")}).encode()
        for n in range(WORKERS * threads)
    ]
    api_rate = served_rate(
        token=token, bodies=bodies, warm=warm, orders=ORDERS, workers=WORKERS, threads=threads
    )
    load = " / ".join(f"{n:.1f}" for n in os.getloadavg())
    batches = [_orders(people, start, BATCH, "raw-parallel") for start in range(0, ORDERS, BATCH)]
    raw_rate = parallel_raw_rate(
        insert=lambda batch: _raw_insert(batch, people),
        batches=batches,
        orders=ORDERS,
        processes=WORKERS,
    )
    verdict = "meets" if api_rate >= GOAL else "below"
    print(
        f"-- served: gunicorn, {WORKERS} workers × {threads} threads, {WORKERS * threads} clients"
    )
    print(f"API POST /orders/bulk      : {api_rate:8.0f} orders/s  (goal ≥ {GOAL}: {verdict})")
    print(f"raw bulk_create, {WORKERS} procs  : {raw_rate:8.0f} orders/s  (the same rows)")
    print(f"ratio API / raw insert     : {api_rate / raw_rate:8.2f}")
    print(f"load average (1/5/15 min)  : {load}  (after the API part)")


if __name__ == "__main__":
    main()
