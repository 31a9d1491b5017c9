"""The data-quality refresh (completeness, freshness, stale flag) of 1,000,000 customers.

The issue's goal: ≤ 60 s on PostgreSQL. Runs on DOSSIER_DATABASE_URL when it names
PostgreSQL, else on postgres://postgres@127.0.0.1:5432/dossier_bench_quality (created when
missing). The customers (retail members and B2B accounts of 20 owners in 4 teams, attributes
partly filled, a third with protected values in the encrypted envelope, half with a last
interaction) are written once with COPY and kept; DOSSIER_BENCH_QUALITY_CUSTOMERS changes the
size (rebuilt when it differs). Times the whole refresh twice (first: every row inserted;
second: every row updated, as the nightly job runs), the month's trend figures the nightly
job keeps after it, and the refresh of one customer (after a write). Prints figures and
their ratio to the goal; never passes or fails.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_serve import ensure_database
from segments_scale import _column_defaults, _copy

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dossier_bench_quality"
CUSTOMERS = int(os.environ.get("DOSSIER_BENCH_QUALITY_CUSTOMERS", 1_000_000))
NOW = datetime(2026, 11, 30, tzinfo=UTC)
TEAMS, OWNERS = 4, 20
GOAL_SECONDS = 60.0
SOURCES = ["store", "web", "app", "mini_program", "phone", "event", "referral", ""]
RETAIL = {
    "member_no": lambda r: f"M{r.randrange(10**6):06d}",
    "member_level": lambda r: r.choice(["normal", "silver", "gold"]),
    "join_date": lambda r: f"20{r.randint(15, 26)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}",
    "preferred_store": lambda r: r.choice(["南京西路店", "徐家汇店", "五角场店"]),
    "points_balance": lambda r: r.randint(0, 20000),
}
B2B = {
    "industry": lambda r: r.choice(["manufacturing", "retail", "it"]),
    "account_tier": lambda r: r.choice(["a", "b", "c"]),
    "website": lambda r: "https://example.com",
}


def _url() -> str:
    url = os.environ.get("DOSSIER_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_URL


def _sellers() -> list[Any]:
    from django.contrib.auth.models import User

    from dossier.accounts.services import create_user
    from dossier.core import roles

    found = []
    for n in range(OWNERS):
        name = f"quality-sales-{n}"
        user = User.objects.filter(username=name).first() or create_user(
            username=name, password="bench-pass-1", role=roles.SALES, team=f"quality-{n % TEAMS}"
        )
        found.append(user)
    return found


def build(conn: Any, sellers: list[Any]) -> None:
    """Write the customers and their figures with COPY (the tables are emptied first)."""
    from dossier.accounts.selectors import team_id_of
    from dossier.activity.models import CustomerFigures
    from dossier.customers.models import Customer
    from dossier.protection.crypto import encrypt
    from dossier.protection.keys import keyring
    from dossier.quality.models import CustomerQuality
    from dossier.templates.models import Template

    rng = random.Random(18)
    retail = Template.objects.get(key="retail_member")
    b2b = Template.objects.get(key="b2b_account")
    sample = Customer.objects.create(
        display_name="样本", template=retail, template_version=retail.current_version
    )
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Customer._meta.db_table} WHERE id = %s", [sample.pk])
        raw = dict(zip([d.name for d in cursor.description], cursor.fetchone(), strict=True))
        names = ", ".join(m._meta.db_table for m in (CustomerQuality, CustomerFigures, Customer))
        cursor.execute(f"TRUNCATE {names} CASCADE")
    columns, defaults = _column_defaults(Customer, raw)
    at = {c: i for i, c in enumerate(columns)}
    keys = keyring()
    # a pool of real envelopes: the refresh decrypts them as it would any customer's
    phones = [encrypt(f"+86139{n:08d}", keys, context="customer.phone") for n in range(500)]
    protected = [
        encrypt(text, keys, context="customer.protected")
        for text in ('{"wechat_id":"wx_a"}', '{"clothing_size":"m","wechat_id":"wx_b"}')
    ]
    teams = {s.pk: team_id_of(s) for s in sellers}
    ids: list[uuid.UUID] = []

    def customers() -> Any:
        import json

        for n in range(CUSTOMERS):
            created = NOW - timedelta(minutes=rng.randint(0, 4 * 365 * 24 * 60))
            pk = uuid.UUID(int=(int(created.timestamp() * 1000) << 80) | rng.getrandbits(80))
            ids.append(pk)
            business = n % 5 == 0
            template, fields = (b2b, B2B) if business else (retail, RETAIL)
            owner = sellers[rng.randrange(len(sellers))]
            row = list(defaults)
            row[at["id"]] = pk
            row[at["display_name"]] = f"客户{n}"
            row[at["template_id"]] = template.pk
            row[at["template_version_id"]] = template.current_version_id
            row[at["owner_id"]] = owner.pk
            row[at["team_id"]] = teams[owner.pk]
            row[at["source"]] = rng.choice(SOURCES)
            row[at["city"]] = rng.choice(["上海", "北京", ""])
            row[at["phone"]] = rng.choice(phones) if rng.random() < 0.9 else ""
            row[at["protected"]] = rng.choice(protected) if rng.random() < 0.33 else ""
            attributes = {k: make(rng) for k, make in fields.items() if rng.random() < 0.6}
            row[at["attributes"]] = json.dumps(attributes, ensure_ascii=False)
            row[at["created_at"]] = created
            row[at["updated_at"]] = created + timedelta(days=rng.randint(0, 300))
            row[at["deleted_at"]] = NOW if rng.random() < 0.01 else None
            yield row

    started = time.perf_counter()
    _copy(conn, Customer, columns, customers())
    figure_columns = [f.column for f in CustomerFigures._meta.concrete_fields]

    def figures() -> Any:
        for pk in ids:
            if rng.random() < 0.5:
                values = {
                    "customer_id": pk,
                    "last_interaction_at": NOW - timedelta(days=rng.randint(0, 900)),
                    "updated_at": NOW,
                }
                yield [
                    values.get(
                        c, 0 if c.endswith(("_count", "_total", "tickets", "spend")) else None
                    )
                    for c in figure_columns
                ]

    _copy(conn, CustomerFigures, figure_columns, figures())
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built {CUSTOMERS:,} customers in {time.perf_counter() - started:.0f} s")


def main() -> int:
    url = _url()
    if not ensure_database(url):
        return 0
    os.environ["DOSSIER_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command

    from dossier.customers.models import Customer
    from dossier.quality.models import CustomerQuality
    from dossier.quality.months import record_month
    from dossier.quality.refresh import refresh_quality

    call_command("migrate", verbosity=0)
    sellers = _sellers()
    if Customer.objects.count() != CUSTOMERS:
        with psycopg.connect(url, autocommit=True) as conn:
            build(conn, sellers)
    live = Customer.objects.filter(deleted_at__isnull=True).count()
    print(f"PostgreSQL, {Customer.objects.count():,} customers ({live:,} live)")
    from django.db import connection

    with connection.cursor() as cursor:  # the first refresh inserts every row
        cursor.execute(f"TRUNCATE {CustomerQuality._meta.db_table}")
    for label in ("first refresh (every row inserted)", "second refresh (every row updated)"):
        done = refresh_quality(now=NOW)
        print(
            f" {label}: {done.customers:,} customers in {done.seconds:.1f} s "
            f"(goal ≤ {GOAL_SECONDS:.0f} s: ×{done.seconds / GOAL_SECONDS:.2f}; "
            f"{done.customers / max(done.seconds, 1e-9):,.0f} customers/s)"
        )
    started = time.perf_counter()  # the nightly job then keeps the month's trend figures
    groups = record_month(now=NOW)
    seconds = time.perf_counter() - started
    print(f" month's trend figures ({groups} template/team/owner rows): {seconds:.1f} s")
    one = Customer.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True)[0]
    started = time.perf_counter()
    refresh_quality(customer_ids=[one], now=NOW)
    print(f" one customer after a write: {(time.perf_counter() - started) * 1000:.1f} ms")
    stale = CustomerQuality.objects.filter(stale=True).count()
    print(
        f" stale records: {stale:,}; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
