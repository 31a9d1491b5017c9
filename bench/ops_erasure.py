"""Bulk erasure by retention on 1,000,000 customers (PostgreSQL): customers erased per second.

Issue 19, item 8: erasure ran at 49 customers/s on PostgreSQL at 1M (34 min per 100k); the
goal is ≥ 1,000 customers/s for bulk erasure and retention. Needs PostgreSQL: on the server
of DOSSIER_DATABASE_URL (else the message says so and the bench exits 0) it keeps the
database ``bench_erasure``. The customers (retail members with encrypted phone, e-mail,
address and protected values, and their blind-index lookups), a third with an interaction
and a timeline entry, a fifth with a tag, are written once with COPY; every tenth was last
changed five years ago. The bench then runs the scheduled retention run
(``apply_retention``: 36 months, anonymise) over those 100,000 and prints customers/s, with
the ratio to the goal and to the old figure. Before the next run only the erased customers
and their rows are written back. DOSSIER_BENCH_ERASURE_CUSTOMERS and
DOSSIER_BENCH_ERASURE_COUNT change the sizes (the data is rebuilt when they differ),
DOSSIER_BENCH_ERASURE_BATCH the customers per transaction. Every
customer shares the sample's ciphertexts: the erasure decrypts and clears them all the same.
Prints figures; never passes or fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_serve import ensure_database

CUSTOMERS = int(os.environ.get("DOSSIER_BENCH_ERASURE_CUSTOMERS", 1_000_000))
ERASE = int(os.environ.get("DOSSIER_BENCH_ERASURE_COUNT", 100_000))
EVERY = max(1, CUSTOMERS // ERASE)  # one customer in EVERY is inactive
NOW = datetime.now(UTC).replace(microsecond=0)
BASE_MS = int(datetime(2021, 1, 1, tzinfo=UTC).timestamp() * 1000)
GOAL, OLD = 1000.0, 49.0
SELLERS, TAGS = 10, 5
BATCH = int(os.environ.get("DOSSIER_BENCH_ERASURE_BATCH", 0))  # 0: the run's own default


def _url() -> str | None:
    url = os.environ.get("DOSSIER_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    return urlunsplit(urlsplit(url)._replace(path="/bench_erasure"))


def customer_id(i: int) -> uuid.UUID:
    """The i-th customer's id: time-ordered as uuid7 ones are, the index in the low bits."""
    return uuid.UUID(int=((BASE_MS + i * 60_000) << 80) | (0x7 << 76) | i)


def _raw(cursor: Any, model: Any, pk: Any) -> dict[str, Any]:
    cursor.execute(f"SELECT * FROM {model._meta.db_table} WHERE id = %s", [pk])
    return dict(zip([d.name for d in cursor.description], cursor.fetchone(), strict=True))


def _template_row(model: Any, raw: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Columns (the key left to the table when it counts itself) and the sample's values."""
    columns = [f.column for f in model._meta.concrete_fields]
    if model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
        columns.remove(model._meta.pk.column)
    values = [raw[c] for c in columns]
    return columns, [json.dumps(v) if isinstance(v, dict | list) else v for v in values]


class Seed:
    """The sample rows every bench row is copied from, and how the i-th customer differs."""

    def __init__(self, conn: Any, sellers: list[Any]) -> None:
        from dossier.accounts.selectors import team_id_of
        from dossier.activity.models import TimelineEntry
        from dossier.customers.models import Customer, CustomerLookup, Tag
        from dossier.customers.services import create_customer
        from dossier.interactions.models import Interaction
        from dossier.templates.selectors import get_template

        self.sellers = [(s.pk, team_id_of(s)) for s in sellers]
        self.tags = [
            Tag.objects.get_or_create(name=f"erasure-bench-{n}")[0].pk for n in range(TAGS)
        ]
        sample = create_customer(
            actor=sellers[0],
            template=get_template(key="retail_member"),
            owner=sellers[0],
            values={
                "display_name": "张三",
                "phone": "13800138000",
                "email": "zhang@example.com",
                "address": "北京市朝阳区建国路1号",
                "birthday": "1990-06-15",
                "gender": "male",
                "city": "北京",
                "member_no": "M100000",
                "member_level": "gold",
                "points_balance": 120,
                "total_spent": "1000.50",
                "wechat_id": "wx_zhang",
                "clothing_size": "l",
            },
        )
        interaction = Interaction.objects.create(
            customer_id=sample.pk,
            channel="phone",
            direction="outbound",
            occurred_at=NOW,
            subject="回访",
            notes="客户说下月再来",
        )
        entry = TimelineEntry.objects.create(
            customer_id=sample.pk, kind="bench", object_id="sample", occurred_at=NOW
        )
        with conn.cursor() as cursor:
            self.customer = _template_row(Customer, _raw(cursor, Customer, sample.pk))
            self.interaction = _template_row(Interaction, _raw(cursor, Interaction, interaction.pk))
            self.entry = _template_row(TimelineEntry, _raw(cursor, TimelineEntry, entry.pk))
            self.lookups = [
                _template_row(CustomerLookup, _raw(cursor, CustomerLookup, pk))
                for pk in CustomerLookup.objects.filter(customer_id=sample.pk).values_list(
                    "pk", flat=True
                )
            ]
        Customer.objects.filter(pk=sample.pk).delete()  # with its rows; only its shape stays

    def customers(self, indices: Any) -> Iterator[list[Any]]:
        columns, defaults = self.customer
        at = {c: n for n, c in enumerate(columns)}
        for i in indices:
            row = list(defaults)
            owner, team = self.sellers[i % len(self.sellers)]
            created = NOW - timedelta(days=2000) + timedelta(minutes=i % 1_000_000)
            inactive = i % EVERY == 0
            row[at["id"]] = customer_id(i)
            row[at["display_name"]] = f"张三{i}"
            row[at["search_text"]] = f"张三{i} zhangsan{i} zs"
            row[at["sort_name"]] = f"zhang san {i:07d}"
            row[at["owner_id"]], row[at["team_id"]] = owner, team
            row[at["created_at"]] = created
            row[at["updated_at"]] = (
                NOW - timedelta(days=5 * 365) if inactive else NOW - timedelta(days=i % 700)
            )
            yield row

    def children(self, indices: Any) -> dict[str, Iterator[list[Any]]]:
        """Rows of each child table for these customers, by table."""
        return {
            "customers_customerlookup": self._lookups(indices),
            "interactions_interaction": self._copies(self.interaction, indices, 3),
            "activity_timelineentry": self._copies(self.entry, indices, 3, object_id=True),
            "customers_customertag": self._tags(indices),
        }

    def _lookups(self, indices: Any) -> Iterator[list[Any]]:
        for i in indices:
            for columns, values in self.lookups:
                row = dict(zip(columns, values, strict=True))
                row["customer_id"] = customer_id(i)
                if row["unique"]:  # one value per customer, as the unique index wants
                    row["digest"] = hashlib.sha256(f"{row['field']}:{i}".encode()).hexdigest()
                yield [row[c] for c in columns]

    def _copies(
        self, sample: tuple[list[str], list[Any]], indices: Any, every: int, object_id: bool = False
    ) -> Iterator[list[Any]]:
        columns, defaults = sample
        at = {c: n for n, c in enumerate(columns)}
        for i in indices:
            if i % every == 0:
                row = list(defaults)
                row[at["customer_id"]] = customer_id(i)
                if object_id:
                    row[at["object_id"]] = str(i)
                yield row

    def _tags(self, indices: Any) -> Iterator[list[Any]]:
        for i in indices:
            if i % 5 == 0:
                yield [customer_id(i), self.tags[(i // 5) % TAGS], NOW, None, ""]


_CHILD_COLUMNS = {
    "customers_customertag": ["customer_id", "tag_id", "added_at", "added_by_id", "source"]
}


def _copy(conn: Any, table: str, columns: list[str], rows: Any) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_children(conn: Any, seed: Seed, indices: Any) -> None:
    samples = {
        "customers_customerlookup": seed.lookups[0][0] if seed.lookups else [],
        "interactions_interaction": seed.interaction[0],
        "activity_timelineentry": seed.entry[0],
        **_CHILD_COLUMNS,
    }
    for table, rows in seed.children(indices).items():
        _copy(conn, table, samples[table], rows)


def _recount_tags(cursor: Any) -> None:
    """The tag counts the erasure keeps up to date, counted from the rows."""
    cursor.execute("DELETE FROM customers_tagownercount")
    cursor.execute(
        "INSERT INTO customers_tagownercount (tag_id, owner_id, team_id, template_id, "
        "customer_count) SELECT l.tag_id, coalesce(c.owner_id, 0), coalesce(c.team_id, 0), "
        "c.template_id, count(*) FROM customers_customertag l JOIN customers_customer c "
        "ON c.id = l.customer_id WHERE c.deleted_at IS NULL AND c.erased_at IS NULL "
        "GROUP BY 1, 2, 3, 4"
    )


def build(conn: Any, seed: Seed) -> None:
    """All customers and their rows with COPY, secondary indexes made afterwards."""
    started = time.perf_counter()
    tables = ["customers_customer", "customers_customerlookup"]
    with conn.cursor() as cursor:
        cursor.execute(
            "TRUNCATE customers_customer, privacy_customertombstone, privacy_retentionrun CASCADE"
        )
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    _copy(conn, "customers_customer", seed.customer[0], seed.customers(range(CUSTOMERS)))
    _copy_children(conn, seed, range(CUSTOMERS))
    conn.commit()  # the foreign keys are checked here, before the indexes come back
    with conn.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        _recount_tags(cursor)
    conn.commit()
    print(f"built {CUSTOMERS:,} customers in {time.perf_counter() - started:.0f} s", flush=True)


def restore(conn: Any, seed: Seed) -> int:
    """Write the customers a previous run erased back as they were; how many."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT customer_id FROM privacy_customertombstone")
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return 0
        indices = sorted(pk.int & ((1 << 76) - 1) for pk in ids)
        columns = seed.customer[0]
        cursor.execute("CREATE TEMP TABLE fresh (LIKE customers_customer) ON COMMIT DROP")
        _copy(conn, "fresh", columns, seed.customers(indices))
        assignments = ", ".join(f'"{c}" = f."{c}"' for c in columns if c != "id")
        cursor.execute(
            f"UPDATE customers_customer c SET {assignments} FROM fresh f WHERE c.id = f.id"
        )
        for table in ("customers_customerlookup", "interactions_interaction",
                      "activity_timelineentry", "customers_customertag"):  # fmt: skip
            cursor.execute(f"DELETE FROM {table} WHERE customer_id IN (SELECT id FROM fresh)")
        _copy_children(conn, seed, indices)
        cursor.execute("TRUNCATE privacy_customertombstone, privacy_retentionrun")
        _recount_tags(cursor)
    conn.commit()
    return len(ids)


def _server_marks() -> tuple[str, float | None]:
    """The WAL position now, and the CPU seconds of this connection's backend (None when
    the server is not on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn(), pg_backend_pid()")
        lsn, pid = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return lsn, None
    return lsn, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _since(lsn: str, backend: float | None) -> tuple[int, float | None]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - %s::pg_lsn", [lsn])
        wal = int(cursor.fetchone()[0])
    now = _server_marks()[1]
    return wal, (now - backend) if now is not None and backend is not None else None


def main() -> int:
    url = _url()
    if url is None:
        print("ops_erasure needs PostgreSQL: set DOSSIER_DATABASE_URL=postgres://… (skipped)")
        return 0
    if not ensure_database(url):
        return 0
    os.environ["DOSSIER_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
    import django

    django.setup()
    import psycopg
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from dossier.accounts.services import create_user
    from dossier.audit.models import AuditEvent
    from dossier.core import roles
    from dossier.core.actors import system_actor
    from dossier.customers.models import Customer
    from dossier.privacy.models import CustomerTombstone
    from dossier.privacy.retention import apply_retention
    from dossier.privacy.retention_batches import BATCH as DEFAULT_BATCH

    call_command("migrate", verbosity=0)
    sellers = [
        User.objects.filter(username=f"erasure-sales-{n}").first()
        or create_user(
            username=f"erasure-sales-{n}",
            password="bench-pass-1",
            role=roles.SALES,
            team=f"erasure-{n % 2}",
        )
        for n in range(SELLERS)
    ]
    with psycopg.connect(url) as conn:
        seed = Seed(conn, sellers)
        conn.commit()
        if Customer.objects.count() != CUSTOMERS:
            build(conn, seed)
        else:
            started = time.perf_counter()
            restored = restore(conn, seed)
            if restored:
                print(f"wrote back {restored:,} erased customers in "
                      f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    load = os.getloadavg()
    audit_before = AuditEvent.objects.filter(action="delete").count()
    wal, backend = _server_marks()
    started, cpu = time.perf_counter(), time.process_time()
    batch = BATCH or DEFAULT_BATCH
    report = apply_retention(actor=system_actor("retention"), batch=batch)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    wal_bytes, backend_cpu = _since(wal, backend)
    erased = len(report.anonymised)
    per_second = erased / seconds
    audited = AuditEvent.objects.filter(action="delete").count() - audit_before
    print(
        f"PostgreSQL, {CUSTOMERS:,} customers; retention erased {erased:,} inactive ones "
        f"({batch:,} per transaction) in {seconds:.1f} s: {per_second:,.0f} customers/s "
        f"(×{per_second / GOAL:.2f} of the goal {GOAL:,.0f}/s, ×{per_second / OLD:.1f} the old "
        f"{OLD:.0f}/s); {CustomerTombstone.objects.count():,} tombstones, {audited:,} audit "
        f"events; load average before the run {load[0]:.1f} / {load[1]:.1f} on "
        f"{os.cpu_count()} cores"
    )
    if erased:
        # what the run cost, apart from waiting for a busy machine: CPU of this process and
        # of its PostgreSQL backend (when the server runs here), and the WAL it wrote
        used = cpu + (backend_cpu or 0.0)
        print(
            f" CPU: Python {cpu:.1f} s"
            + (f" + PostgreSQL backend {backend_cpu:.1f} s" if backend_cpu is not None else "")
            + f" = {used / erased * 1000:.2f} ms per customer (at most {erased / used:,.0f}/s "
            f"on CPUs of its own, one after the other); WAL {wal_bytes / erased / 1024:.1f} KiB "
            "per customer"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
