"""Search, filters and counts of the customer list at scale (issue 12 item 7).

Builds N customers (1,000,000 on PostgreSQL, 100,000 on SQLite; DOSSIER_BENCH_CUSTOMERS sets
N), then runs each kind of list query 50 times through the selectors as an admin and prints
p50/p95 and the plan line that names the index used. Goal: p95 ≤ 50 ms for every one. The
tags page is timed for every role (its counts differ by what each may see): an admin reads
the per-tag counts; the others the per-owner counts and their shared customers (a few
hundred each, written after the build), whose plans are printed, followed by the per-view
count those replace, timed for comparison and checked to agree.

The rows are written by a bulk generator (COPY on PostgreSQL), not the batch service, whose
rate on a sample is printed (too slow for a million): the generator writes the same columns
as the services (name, search_text from ``search_terms``, the phone encrypted, its
blind-index row, owner and team, tags) and calls the same index and count upkeep
(``search_index.index_customers`` per chunk, ``counts.rebuild`` once).

On PostgreSQL a database whose name contains "bench" is emptied of customers first when it
does not already hold N; any other database must hold no customers.

The reads are timed in this process settled as a served worker is (``served.settle_as_served``:
the build's garbage collected, ``dossier.wsgi`` imported, which freezes what is loaded), so a
garbage collection walks only what the reads allocate, as in the server; the run ends with
the collections that ran while timing and the longest pause.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import django

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from served import GcPauses, load_average, settle_as_served

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "50"))
GOAL_MS = 50.0
CHUNK = 5000
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红鹏辉建文斌宇浩凯健俊帆帅"
    "旭宁龙林欣佳雪慧婷倩颖琳晶晨阳"
)
# planted rows the queries look for (the generator's names never use these characters)
PLANTED = {"display_name": "欧阳娜娜", "phone": "13800138000"}
RARE_NAME = "诸葛亮"  # 3 characters, a handful of customers


def _size() -> int:
    default = 1_000_000 if connection.vendor == "postgresql" else 100_000
    return int(os.environ.get("DOSSIER_BENCH_CUSTOMERS", default))


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _setup() -> tuple[Any, Any, list[Any], list[Any], dict[str, Any]]:
    from dossier.accounts.services import create_user
    from dossier.core import roles
    from dossier.customers.models import Tag
    from dossier.templates.selectors import get_template

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User

    def user(name: str, role: str) -> Any:
        found = User.objects.filter(username=name).first()
        return found or create_user(
            username=name, password="bench-password-1", role=role, team="east"
        )

    admin = user("bench_admin", roles.ADMIN)
    owners = [user(f"bench_sales_{i}", roles.SALES) for i in range(20)]
    user("bench_nobody", roles.SALES)
    tags = [Tag.objects.get_or_create(name=f"bench_tag_{i}", group="bench")[0] for i in range(20)]
    # the tags page of each role (all owners are in team east: its manager sees them all)
    people = {
        "admin": admin,
        "manager": user("bench_manager", roles.MANAGER),
        "sales": owners[3],
        "service": user("bench_service", roles.SERVICE),
        "marketing": user("bench_marketing", roles.MARKETING),
    }
    return admin, get_template(key="retail_member"), owners, tags, people


#: customers of other owners shared with each bench user (shares are counted per view)
SHARES = {"manager": 200, "sales": 500, "service": 300, "marketing": 300}


def _share(people: dict[str, Any], owners: list[Any]) -> None:
    """Share some customers with each bench user (rows written directly; counts ignore them)."""
    from dossier.customers.models import Customer, CustomerShare

    with transaction.atomic():
        CustomerShare.objects.filter(user__in=people.values()).delete()
        for role, n in SHARES.items():
            ids = Customer.objects.filter(owner=owners[7]).order_by("-id")[:n]
            CustomerShare.objects.bulk_create(
                CustomerShare(customer_id=pk, user=people[role])
                for pk in ids.values_list("id", flat=True)
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customershare, customers_tagownercount")


def _batch_rate(admin: Any, template: Any) -> float:
    """Customers per second through the batch service (``create_customers``), on a sample."""
    from dossier.customers.services import create_customers

    rng = random.Random(7)
    rows = [
        {"display_name": _name(rng), "phone": f"139{rng.randrange(10**8):08d}"} for _ in range(1000)
    ]
    started = time.perf_counter()
    with transaction.atomic():
        result = create_customers(actor=admin, template=template, rows=rows)
        transaction.set_rollback(True)
    if result.errors:
        raise SystemExit(f"batch sample rejected: {result.errors[:3]}")
    return len(rows) / (time.perf_counter() - started)


def _empty_customers() -> None:
    from dossier.customers.models import Customer

    if not Customer.objects.exists():
        return
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql" and "bench" not in str(name):
        raise SystemExit(f"database {name} holds customers; use an empty or a *bench* database")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE customers_customer CASCADE")
        else:
            Customer.objects.all().delete()


def _build(n: int, admin: Any, template: Any, owners: list[Any], tags: list[Any]) -> None:
    from dossier.accounts.selectors import team_id_of
    from dossier.core.fields import FieldSpec, get_type
    from dossier.customers import counts, search_index
    from dossier.customers.ids import uuid7
    from dossier.customers.models import Customer, CustomerLookup, CustomerTag
    from dossier.customers.names import search_terms
    from dossier.protection.disclosure import last4_digest, lookup_digest

    rng = random.Random(42)
    # a pool of names (computing pinyin is the slow part), with repeats as in real data
    pool = sorted({_name(rng) for _ in range(8_000)} | {"王芳"})
    terms = {name: search_terms(name) for name in [*pool, RARE_NAME, PLANTED["display_name"]]}
    teams = {o.pk: team_id_of(o) for o in owners}
    fields = {f.column: f for f in Customer._meta.concrete_fields}
    now = timezone.now()
    constant = {
        column: field.get_db_prep_save(field.get_default(), connection)
        for column, field in fields.items()
    }
    constant.update(
        template_id=template.pk,
        template_version_id=template.current_version_id,
        created_by_id=admin.pk,
        created_at=connection.ops.adapt_datetimefield_value(now),
        updated_at=connection.ops.adapt_datetimefield_value(now),
        protected=fields["protected"].get_db_prep_save({}, connection),
        email=fields["email"].get_db_prep_save("", connection),
        address=fields["address"].get_db_prep_save("", connection),
    )
    columns = list(fields)
    phone_field = fields["phone"]
    planted_phone = get_type("phone").validate(PLANTED["phone"], FieldSpec("phone", "phone"))
    # tag i is carried by about 0.6/(i+1) of the customers: ~1.2 tags each; bench_tag_19 rare
    weights = [0.6 / (i + 1) for i in range(19)] + [0.0]
    link = (
        CustomerTag._meta.db_table,
        ["customer_id", "tag_id", "added_at", "added_by_id", "source"],
    )
    lookup = (
        CustomerLookup._meta.db_table,
        ["customer_id", "template_id", "field", "digest", "unique"],
    )
    started = time.perf_counter()
    for start in range(0, n, CHUNK):
        size = min(CHUNK, n - start)
        rows, lookups, links, indexed = [], [], [], []
        for i in range(start, start + size):
            name = RARE_NAME if i % 200_011 == 7 else rng.choice(pool)
            phone = f"+86139{i:08d}"
            if i == n // 2:
                name, phone = PLANTED["display_name"], planted_phone
            owner = rng.choice(owners)
            pk = uuid7()
            db_pk = fields["id"].get_db_prep_save(pk, connection)
            row = {
                **constant,
                "id": db_pk,
                "display_name": name,
                "phone": phone_field.get_db_prep_save(phone, connection),
                "search_text": terms[name],
                "owner_id": owner.pk,
                "team_id": teams[owner.pk],
            }
            rows.append([row[c] for c in columns])
            # a phone is looked up, never unique; its last four digits too (the service desk)
            lookups.append((db_pk, template.pk, "phone", lookup_digest("phone", phone), False))
            lookups.append((db_pk, template.pk, "phone:last4", last4_digest(phone), False))
            carried = [t.pk for t, w in zip(tags, weights, strict=True) if rng.random() < w]
            if i % 20_000 == 3:
                carried.append(tags[19].pk)
            links += [(db_pk, t, constant["created_at"], admin.pk, "") for t in carried]
            indexed.append(SimpleNamespace(pk=pk, search_text=terms[name]))
        with transaction.atomic():
            _insert(Customer._meta.db_table, columns, rows)
            _insert(lookup[0], lookup[1], lookups)
            _insert(link[0], link[1], links)
            search_index.index_customers(indexed)
        done = start + size
        if done % 100_000 == 0 or done == n:
            rate = done / (time.perf_counter() - started)
            print(f"  built {done:,} customers ({rate:,.0f}/s)", flush=True)
    with transaction.atomic():
        counts.rebuild()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (Customer, CustomerTag, CustomerLookup):
                cursor.execute(f"VACUUM ANALYZE {table._meta.db_table}")
        else:
            cursor.execute("ANALYZE")


def _insert(table: str, columns: list[str], rows: list[Any]) -> None:
    """Rows into a table: COPY on PostgreSQL, one prepared INSERT on SQLite."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _plan(queryset: Any, most: int = 4) -> str:
    """The plan lines that name an index (or say the table is scanned)."""
    text = queryset.explain()
    keys = ("index", "Index", "USING", "SCAN", "Scan")
    lines = [line.strip() for line in text.splitlines() if any(k in line for k in keys)]
    return " | ".join(lines[:most])[: 100 * most]


def _time(run: Callable[[], Any]) -> tuple[float, float]:
    run()  # warm-up
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> int:
    from dossier.customers import selectors
    from dossier.customers.models import Customer
    from dossier.customers.names import normalise_query
    from dossier.templates.selectors import customer_counts

    admin, template, owners, tags, people = _setup()
    n = _size()
    engine = connection.vendor
    print(f"database: {engine}; {n:,} customers; {RUNS} runs per query, as an admin")
    print(f"batch service (create_customers): {_batch_rate(admin, template):,.0f} customers/s")
    have = Customer.objects.count()
    if have != n:
        _empty_customers()
        started = time.perf_counter()
        _build(n, admin, template, owners, tags)
        print(f"bulk generator: {n:,} customers in {time.perf_counter() - started:,.0f} s")
    else:
        print(f"reusing the {n:,} customers already there")
    _share(people, owners)
    frozen = settle_as_served()
    print(f"load average {load_average()}; {frozen:,} objects frozen, as in a served worker")
    timed = GcPauses()

    def listing(**filters: str) -> Callable[[], Any]:
        return lambda: selectors.customer_list(
            actor=admin, filters=selectors.CustomerFilters(**filters)
        )

    queries: list[tuple[str, Callable[[], Any], dict[str, str] | None]] = [
        ("first page", listing(), {}),
        ("name, 2 chars (王芳)", listing(q="王芳"), {"q": "王芳"}),
        ("name, 1 char (欧)", listing(q="欧"), {"q": "欧"}),
        (f"name, 3 chars ({RARE_NAME})", listing(q=RARE_NAME), {"q": RARE_NAME}),
        ("name, 4 chars, planted", listing(q="欧阳娜娜"), {"q": "欧阳娜娜"}),
        ("pinyin (zhugeliang)", listing(q="zhugeliang"), {"q": "zhugeliang"}),
        ("pinyin, 2 letters (ou)", listing(q="ou"), {"q": "ou"}),
        ("pinyin, common (wang)", listing(q="wang"), {"q": "wang"}),
        ("name, 1 char, common (王)", listing(q="王"), {"q": "王"}),
        ("initials (zgl)", listing(q="zgl"), {"q": "zgl"}),
        ("initials, 2 letters (oy)", listing(q="oy"), {"q": "oy"}),
        ("no match (xyzzy)", listing(q="xyzzy"), {"q": "xyzzy"}),
        ("no match, 2 chars (龘龘)", listing(q="龘龘"), {"q": "龘龘"}),
        ("exact phone", listing(q=PLANTED["phone"]), {"q": PLANTED["phone"]}),
        ("owner=nobody", listing(owner="bench_nobody"), {"owner": "bench_nobody"}),
        ("owner=unknown user", listing(owner="no_such_user"), {"owner": "no_such_user"}),
        ("owner=bench_sales_3", listing(owner="bench_sales_3"), {"owner": "bench_sales_3"}),
        ("tag filter, rare", listing(tag=str(tags[19].pk)), {"tag": str(tags[19].pk)}),
        ("tag filter, common", listing(tag=str(tags[0].pk)), {"tag": str(tags[0].pk)}),
        ("templates page counts", customer_counts, None),
    ]
    # the tags page of each role; for those who see only some customers, the plans too
    counted_for: dict[str, Any] = {}
    for role, person in people.items():
        label = f"tags page counts, {role}"
        queries.append((label, lambda p=person: selectors.tag_counts(actor=p), None))
        if role != "admin":
            counted_for[label] = person
    failed = 0
    print(f"{'':28} {'query (ids of a page)':>24}  {'whole page (50 shown)':>24}")
    # "query": the selector's queries for the ids of a page (a prefetch of matching ids or a
    # density count included); "whole page": customer_list, which also masks and presents 50
    for label, run, filters in queries:
        with timed:
            q50, q95, p50, p95 = _case(admin, run, filters)
        verdict = "ok" if q95 <= GOAL_MS else "SLOW"
        failed += verdict != "ok"
        print(
            f"{label:28} p50 {q50:6.1f} p95 {q95:6.1f} ms   p50 {p50:6.1f} p95 {p95:6.1f} ms"
            f"  {verdict}",
            flush=True,
        )
        if label in counted_for:
            _tag_count_plans(counted_for[label])
        if filters is not None:
            queryset = selectors.customer_queryset(
                actor=admin, filters=selectors.CustomerFilters(**filters)
            ).order_by("-id")[:51]
            print(f"    plan: {_plan(queryset)}")
            q = normalise_query(filters.get("q", ""))
            if engine == "postgresql" and len(q) > 2 and not q.isdecimal():
                print(f"    rows by: {_plan(Customer.objects.filter(search_text__contains=q))}")
    print(f"goal p95 ≤ {GOAL_MS:.0f} ms: {'met by all' if not failed else f'{failed} above'}")
    print(f"while timing: {timed.summary()}; load average {load_average()}")
    _counted_per_view(people["sales"])
    return 0


def _case(
    admin: Any, run: Callable[[], Any], filters: dict[str, str] | None
) -> tuple[float, float, float, float]:
    """p50 and p95 of the ids of a page, then of the whole page (the same for counts)."""
    from dossier.customers import selectors

    if filters is None:
        p50, p95 = _time(run)
        return p50, p95, p50, p95

    def ids(f: dict[str, str] = filters) -> list[Any]:
        queryset = selectors.customer_queryset(
            actor=admin, filters=selectors.CustomerFilters(**f)
        ).order_by("-id")[:51]
        return list(queryset.values_list("id", flat=True))

    q50, q95 = _time(ids)
    p50, p95 = _time(run)
    return q50, q95, p50, p95


def _tag_count_plans(person: Any) -> None:
    """The plans of a tags page's two queries: the kept rows, the customers only shared."""
    from dossier.customers import counts
    from dossier.customers.access import reach

    kept, shared = counts.visible_tag_queries(reach(person))
    print(f"    kept rows: {_plan(kept)}")
    print(f"    shared:    {_plan(shared, most=8)}")


def _counted_per_view(person: Any) -> None:
    """The query the kept counts replace (the tags counted over the customers the user
    sees, on every view), timed for comparison and checked to agree with them."""
    from django.db.models import Count

    from dossier.customers import selectors
    from dossier.customers.models import CustomerTag

    def counted() -> dict[int, int]:
        visible = selectors.customer_queryset(actor=person).values("id")
        rows = CustomerTag.objects.filter(customer_id__in=visible).values_list("tag_id")
        return dict(rows.annotate(n=Count("id")).order_by())

    same = counted() == selectors.tag_counts(actor=person)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        counted()
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"for comparison, counted per view (before): sales p50 {statistics.median(samples):.1f}"
        f" ms (5 runs); the kept counts {'agree' if same else 'DIFFER'}"
    )


if __name__ == "__main__":
    sys.exit(main())
