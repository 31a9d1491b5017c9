"""The customer list on 1,000,000 customers (PostgreSQL): first page, each filter, each sort.

The issue's goal: p95 ≤ 50 ms for the first page and for each filter, with no sequential
scan of the customer table. Runs on DOSSIER_DATABASE_URL when it names PostgreSQL, else on
postgres://postgres@127.0.0.1:5432/dossier_bench_list (created when missing). The data
(customers of 100 owners in 10 teams, their figures and tags) is written once with COPY and
kept; DOSSIER_BENCH_LIST_CUSTOMERS changes the size. The measured manager and sales user each
have SHARED customers of other teams shared with them (the access rule's second half). Each
case is the real read the page makes (``selectors.customer_list``: access rule, filters,
keyset page, masking), timed warm 20 times; the p95 is printed with its ratio to the goal,
and the plan's scans of the customer table. Prints figures; never passes or fails.

The reads are timed in this process settled as a served worker is (``served.settle_as_served``:
the seeding's garbage collected, ``dossier.wsgi`` imported, which loads the URLs and freezes
what is loaded), not through HTTP: the figure is the selector's, without a server's parsing
and rendering. Each case's line names the garbage collections that ran while it was timed
when one took over 5 ms (before the settling, full collections of the whole process cost
120–205 ms, counted as slow reads); a summary of all of them ends the run.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_serve import ensure_database
from segments_scale import _column_defaults, _copy
from served import GcPauses, load_average, settle_as_served

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dossier_bench_list"
CUSTOMERS = int(os.environ.get("DOSSIER_BENCH_LIST_CUSTOMERS", 1_000_000))
NOW = datetime(2026, 11, 30, tzinfo=UTC)
TEAMS, OWNERS, TAGS = 10, 100, 10
#: customers of other teams shared with the measured manager and sales user each
SHARED = 300
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏飞"
LIFECYCLES = ["lead", "prospect", "active", "active", "active", "dormant", "lost"]
GOAL_MS = 50.0
RUNS = 20


def _url() -> str:
    url = os.environ.get("DOSSIER_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_URL


def _users() -> tuple[list[Any], list[Any]]:
    """Ten managers and a hundred sales staff in ten teams (made once)."""
    from django.contrib.auth.models import User

    from dossier.accounts.services import create_user
    from dossier.core import roles

    def user(name: str, role: str, team: str) -> Any:
        found = User.objects.filter(username=name).first()
        return found or create_user(username=name, password="bench-pass-1", role=role, team=team)

    managers = [user(f"bench-manager-{t}", roles.MANAGER, f"bench-{t}") for t in range(TEAMS)]
    sellers = [user(f"bench-sales-{n}", roles.SALES, f"bench-{n % TEAMS}") for n in range(OWNERS)]
    return managers, sellers


def build(conn: Any, sellers: list[Any]) -> None:
    """Write the customers, their figures and tags with COPY (the tables are emptied first)."""
    from dossier.accounts.selectors import team_id_of
    from dossier.activity.models import CustomerFigures
    from dossier.customers.models import Customer, CustomerTag, Tag
    from dossier.customers.names import name_keys
    from dossier.templates.models import Template

    rng = random.Random(17)
    template = Template.objects.get(key="retail_member")
    sample = Customer.objects.create(
        display_name="样本", template=template, template_version=template.current_version
    )
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Customer._meta.db_table} WHERE id = %s", [sample.pk])
        raw = dict(zip([d.name for d in cursor.description], cursor.fetchone(), strict=True))
        tables = [CustomerTag, CustomerFigures]
        names = ", ".join(m._meta.db_table for m in tables)
        cursor.execute(f"TRUNCATE {names}, {Customer._meta.db_table} CASCADE")
    tags = [Tag.objects.get_or_create(name=f"list-bench-{i}")[0].pk for i in range(TAGS)]
    columns, defaults = _column_defaults(Customer, raw)
    at = {c: i for i, c in enumerate(columns)}
    pool = [rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)) for _ in range(20_000)]
    keys = {name: name_keys(name) for name in pool}
    teams = {s.pk: team_id_of(s) for s in sellers}
    ids: list[uuid.UUID] = []

    def customers() -> Any:
        for n in range(CUSTOMERS):
            created = NOW - timedelta(minutes=rng.randint(0, 4 * 365 * 24 * 60))
            # ids follow creation time, as uuid7 ones do
            pk = uuid.UUID(int=(int(created.timestamp() * 1000) << 80) | rng.getrandbits(80))
            ids.append(pk)
            name = pool[n % len(pool)]
            owner = sellers[rng.randrange(len(sellers))]
            row = list(defaults)
            row[at["id"]] = pk
            row[at["display_name"]] = name
            row[at["search_text"]], row[at["sort_name"]] = keys[name]
            row[at["owner_id"]] = owner.pk
            row[at["team_id"]] = teams[owner.pk]
            row[at["lifecycle"]] = rng.choice(LIFECYCLES)
            row[at["created_at"]] = created
            row[at["updated_at"]] = created + timedelta(days=rng.randint(0, 300))
            row[at["deleted_at"]] = NOW if rng.random() < 0.01 else None
            yield row

    started = time.perf_counter()
    _copy(conn, Customer, columns, customers())
    figure_columns = [f.column for f in CustomerFigures._meta.concrete_fields]

    def figures() -> Any:
        for pk in ids:
            if rng.random() < 0.6:
                last = NOW - timedelta(days=rng.randint(0, 900))
                orders = rng.randint(1, 30)
                spend = Decimal(rng.randint(50, 500_000)) / 10
                yield [
                    {
                        "customer_id": pk,
                        "first_purchase_at": last - timedelta(days=rng.randint(0, 900)),
                        "last_purchase_at": last,
                        "order_count": orders,
                        "total_spend": spend,
                        "updated_at": NOW,
                    }.get(c, 0 if c.endswith(("_count", "_total", "tickets")) else None)
                    for c in figure_columns
                ]

    _copy(conn, CustomerFigures, figure_columns, figures())
    _copy(
        conn,
        CustomerTag,
        ["customer_id", "tag_id", "added_at", "added_by_id", "source"],
        (
            (pk, tag, NOW, None, "")
            for pk in ids
            for tag in rng.sample(tags, rng.choice([0, 0, 0, 1, 1, 2]))
        ),
    )
    with conn.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_tag t SET customer_count = (SELECT count(*) FROM "
            "customers_customertag l WHERE l.tag_id = t.id) WHERE t.name LIKE 'list-bench-%%'"
        )
        cursor.execute("VACUUM ANALYZE")
    print(f"built {CUSTOMERS:,} customers in {time.perf_counter() - started:.0f} s")


def _share(*users: Any) -> None:
    """Share SHARED customers of other teams with each of ``users`` (once; kept)."""
    from django.db import connection

    from dossier.accounts.selectors import team_id_of
    from dossier.customers.models import CustomerShare

    for user in users:
        if CustomerShare.objects.filter(user=user).exists():
            continue
        with connection.cursor() as cursor:
            # spread over the table (and over time): a hash of the id picks them
            cursor.execute(
                "INSERT INTO customers_customershare (customer_id, user_id, created_at) "
                "SELECT id, %s, now() FROM customers_customer WHERE team_id <> %s "
                "AND deleted_at IS NULL ORDER BY md5(id::text) LIMIT %s",
                [user.pk, team_id_of(user), SHARED],
            )
            cursor.execute("ANALYZE customers_customershare")


def _p95(run: Any) -> float:
    run()  # warm
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.quantiles(times, n=20)[18] * 1000


def _database_p95(run: Any) -> float:
    """The p95 of the time the page's queries took (as the driver saw it): the share of the
    figure the database's plans answer for, apart from Python's (and the machine's load)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            run()
        times.append(sum(float(q["time"]) for q in captured.captured_queries))
    return statistics.quantiles(times, n=20)[18] * 1000


def _customer_scans(queryset: Any) -> str:
    """How the plan reads the customer table (index names, or "Seq Scan")."""
    plan = json.loads(queryset.explain(format="json"))
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") == "customers_customer":
            found.append(f"{node['Node Type']} {node.get('Index Name', '')}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return ", ".join(dict.fromkeys(found)) or "(through another table's index)"


def main() -> int:
    url = _url()
    if not ensure_database(url):
        return 0
    os.environ["DOSSIER_DATABASE_URL"] = url
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command

    from dossier.customers import listing, selectors
    from dossier.customers.list_filters import CustomerFilters
    from dossier.customers.models import Customer, Tag

    call_command("migrate", verbosity=0)
    managers, sellers = _users()
    if Customer.objects.count() != CUSTOMERS:
        with psycopg.connect(url, autocommit=True) as conn:
            build(conn, sellers)
    _share(managers[0], sellers[0])
    from django.contrib.auth.models import User

    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench-admin", password="bench-pass-1"
    )
    tag_a, tag_b = (str(t) for t in Tag.objects.filter(name__startswith="list-bench-")
                    .order_by("name").values_list("pk", flat=True)[:2])  # fmt: skip
    owner = sellers[0].username
    cases: list[tuple[str, dict[str, str], str]] = [
        ("first page", {}, ""),
        ("tag", {"tag": tag_a}, ""),
        ("two tags, any", {"tag": f"{tag_a},{tag_b}"}, ""),
        ("two tags, all", {"tag": f"{tag_a},{tag_b}", "tag_mode": "all"}, ""),
        ("template", {"template": "retail_member"}, ""),
        ("owner", {"owner": owner}, ""),
        ("lifecycle", {"status": "dormant"}, ""),
        ("created in a month", {"created_from": "2025-03-01", "created_to": "2025-03-31"}, ""),
        ("updated since", {"updated_from": "2026-06-01"}, ""),
        ("total spend ≥ 40,000", {"spend_min": "40000"}, ""),
        ("orders ≥ 25", {"orders_min": "25"}, ""),
        ("sort by name", {}, "name"),
        ("sort by last change", {}, "-updated"),
        ("sort by spend", {}, "-spend"),
        ("sort by last purchase", {}, "-last_purchase"),
        ("sort by owner", {}, "owner"),
    ]
    actors = [("admin", admin), ("manager", managers[0]), ("sales", sellers[0])]
    # what the timing loads lazily is loaded first, so the freeze covers it as a served
    # worker's covers its modules (a module loaded after it costs every full collection)
    import django.test.utils

    import dossier.home.search  # noqa: F401

    frozen = settle_as_served()
    print(
        f"PostgreSQL, {Customer.objects.count():,} customers; p95 of {RUNS} warm reads of "
        f"a 50-row page (goal ≤ {GOAL_MS:.0f} ms); load average {load_average()}; "
        f"{frozen:,} objects frozen, as in a served worker"
    )
    timed = GcPauses()
    for label, actor in actors:
        print(f" as {label}:")
        for title, values, sort in cases:
            filters = CustomerFilters(**values)

            def page(filters: Any = filters, sort: str = sort, actor: Any = actor) -> Any:
                return selectors.customer_list(actor=actor, filters=filters, sort=sort)

            with GcPauses() as pauses:
                p95 = _p95(page)
            timed.pauses += pauses.pauses
            database = _database_p95(page)
            ranged = bool(filters.created_from or filters.created_to)
            order, descending = listing.parse_sort(sort, created_range=ranged)
            scans = []
            # the page's ids are read part by part of the access rule (access.restrict_parts)
            for part in selectors.customer_queryset_parts(actor=actor, filters=filters):
                if order.nullable:  # the first read of a part: customers with a value
                    part = part.filter(**{f"{order.lookup}__isnull": False})
                ordered = listing._ordered(part.values_list("pk"), order, descending)[:51]
                scans.append(_customer_scans(ordered))
            print(
                f"   {title}: {p95:.1f} ms (×{p95 / GOAL_MS:.2f} of the goal; queries "
                f"{database:.1f} ms); customers read by {' + '.join(scans)}{_long(pauses)}"
            )
        count_ms = _p95(lambda actor=actor: selectors.customer_list(actor=actor, with_count=True))
        counted = selectors.customer_list(actor=actor, with_count=True).count
        print(
            f"   first page with its count ({counted.value:,}, "
            f"{'exact' if counted.exact else 'estimated'}): {count_ms:.1f} ms "
            f"(×{count_ms / GOAL_MS:.2f} of the goal)"
        )
    _search(admin, sellers[0], timed)
    print(f" while timing: {timed.summary()}; load average {load_average()}")
    return 0


def _long(pauses: GcPauses, over_ms: float = 5.0) -> str:
    """The garbage collections that took over ``over_ms`` while a case was timed, if any."""
    long = [(ms, cpu) for _generation, ms, cpu in pauses.pauses if ms > over_ms]
    if not long:
        return ""
    ms, cpu = max(long)
    return f"; GC pauses over {over_ms:.0f} ms: {len(long)}, longest {ms:.0f} ms ({cpu:.1f} ms CPU)"


def _search(admin: Any, seller: Any, timed: GcPauses) -> None:
    """The header's search (customers by name, pinyin, initials, last four digits; orders
    and tickets by number), as the page and the API run it."""
    from dossier.customers.models import Customer
    from dossier.home.search import search_everything

    name = Customer.objects.filter(owner=seller).values_list("display_name", flat=True).first()
    terms = Customer.objects.filter(display_name=name).values_list("search_text", flat=True)[0]
    _plain, pinyin, initials = terms.split(" ")[:3]
    queries = [
        ("a name", name),
        ("its pinyin", pinyin),
        ("its initials", initials),
        ("a surname", name[0]),
        ("last four digits of a phone", "8000"),
        ("an order number", "TM2026113000123"),
        ("a ticket number", "#123"),
    ]
    print(f" the header's search (goal p95 ≤ {GOAL_MS:.0f} ms):")
    for label, actor in (("admin", admin), ("sales", seller)):
        for title, query in queries:
            with GcPauses() as pauses:
                p95 = _p95(lambda q=query, a=actor: search_everything(actor=a, query=q))
            timed.pauses += pauses.pauses
            print(
                f"   as {label}, {title} ({query}): {p95:.1f} ms (×{p95 / GOAL_MS:.2f})"
                f"{_long(pauses)}"
            )


if __name__ == "__main__":
    sys.exit(main())
