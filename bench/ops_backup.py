"""Backup and restore at a million customers (issue 19 item 8), on PostgreSQL only.

Runs on the server DOSSIER_DATABASE_URL names, in its own database ``bench_backup`` (created
when missing, seeded once and kept between runs; DOSSIER_BENCH_BACKUP_CUSTOMERS changes the
size, default 1,000,000). The seed: 500 customers made by the real batch service (encrypted
phone, e-mail and ID number, blind-index lookups, audit events), then copied in SQL with new
ids to the wanted count. Times ``dossier backup`` (write_backup) to a temporary file and
``dossier restore --force`` of that file over the same database, and prints seconds per
100k customers, the ratio to the goals (backup 10 s, restore 20 s per 100k) and to the
figures before this work (24 s, 62 s). Prints figures; never passes or fails on them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_serve import ensure_database

CUSTOMERS = int(os.environ.get("DOSSIER_BENCH_BACKUP_CUSTOMERS", 1_000_000))
MADE = 500  # customers made through the services, then copied
GOALS = {"backup": 10.0, "restore": 20.0}
BEFORE = {"backup": 24.0, "restore": 62.0}


def _url() -> str | None:
    url = os.environ.get("DOSSIER_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    return urlunsplit(urlsplit(url)._replace(path="/bench_backup"))


def _made_customers() -> None:
    """MADE customers through the batch service, as an import would make them."""
    from dossier.accounts.services import create_user
    from dossier.core import roles
    from dossier.core.actors import system_actor
    from dossier.customers.services import create_customers
    from dossier.templates.services import create_template

    user = create_user(username="bench", password="bench-password-1", role=roles.SALES, team="b")
    template = create_template(
        actor=system_actor("bench"),
        key="bench_member",
        name_zh="会员",
        name_en="Member",
        scenario="retail_member",
        fields=[
            {"key": "phone", "type": "phone", "required": True},
            {"key": "email", "type": "email"},
            {"key": "id_number", "type": "cn_id_card", "classification": "sensitive"},
            {"key": "city", "type": "text"},
            {"key": "member_no", "type": "text", "unique": True},
            {"key": "points", "type": "integer"},
        ],
    )
    rows = [
        {
            "display_name": f"客户{n}",
            "phone": f"139{n:08d}",
            "email": f"m{n}@example.com",
            "id_number": "11010519491231002X",
            "city": "上海",
            "member_no": f"M{n:08d}",
            "points": n % 500,
        }
        for n in range(MADE)
    ]
    result = create_customers(actor=user, template=template, rows=rows)
    if result.errors:
        raise SystemExit(f"seed rows refused: {result.errors[:3]}")


def _copy_customers(cursor: object, copies: int) -> None:
    """Every made customer ``copies`` times more, with new ids, with its lookups and audit rows."""
    execute = cursor.execute  # type: ignore[attr-defined]
    execute(
        "CREATE TEMP TABLE bench_ids AS SELECT c.id AS old, gen_random_uuid() AS new, "
        "g AS n FROM customers_customer c, generate_series(1, %s) g",
        [copies],
    )

    def columns(table: str) -> list[str]:
        execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]  # type: ignore[attr-defined]

    customer = columns("customers_customer")
    chosen = ", ".join("i.new" if c == "id" else f"c.{c}" for c in customer)
    execute(
        f"INSERT INTO customers_customer ({', '.join(customer)}) SELECT {chosen} "
        "FROM customers_customer c JOIN bench_ids i ON i.old = c.id"
    )
    for table, overrides in (
        # copies are not unique members: the partial unique index holds the originals only
        ("customers_customerlookup", {"customer_id": "i.new", "unique": "false"}),
        ("privacy_auditevent", {"customer_id": "i.new", "object_id": "i.new::text"}),
    ):
        names = [c for c in columns(table) if c != "id"]
        chosen = ", ".join(overrides.get(c, f"t.{c}") for c in names)
        quoted = ", ".join(f'"{c}"' for c in names)
        execute(
            f"INSERT INTO {table} ({quoted}) SELECT {chosen} FROM {table} t "
            "JOIN bench_ids i ON i.old = t.customer_id"
        )


def seed(url: str) -> None:
    """Migrate and fill the database once; kept for the next run."""
    import psycopg
    from django.core.management import call_command

    from dossier.customers.models import Customer

    call_command("migrate", verbosity=0)
    if Customer.objects.count() == CUSTOMERS:
        return
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(
            "TRUNCATE customers_customer, customers_customerlookup, privacy_auditevent, "
            "auth_user CASCADE"
        )
        cursor.execute("DELETE FROM templates_template WHERE key = 'bench_member'")
    _made_customers()
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        _copy_customers(cursor, CUSTOMERS // MADE - 1)
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"seeded {Customer.objects.count():,} customers in {time.perf_counter() - started:.0f} s")


def main() -> int:
    url = _url()
    if url is None:
        print("ops_backup: needs PostgreSQL; set DOSSIER_DATABASE_URL to a postgres:// URL.")
        return 0
    if not ensure_database(url):
        return 0
    os.environ["DOSSIER_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
    os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.db import connection

    from dossier.backup.archive import restore_backup, write_backup

    seed(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    print(f"{customers:,} customers, database {size / 2**20:,.0f} MiB, load {os.getloadavg()}")
    hundreds = customers / 100_000
    with tempfile.TemporaryDirectory(prefix="dossier-bench-backup-") as folder:
        path = Path(folder) / "bench.backup"
        started = time.perf_counter()
        write_backup(path=path)
        took = {"backup": time.perf_counter() - started}
        print(f"backup file {path.stat().st_size / 2**20:,.0f} MiB")
        started = time.perf_counter()
        restore_backup(path=path, force=True)
        took["restore"] = time.perf_counter() - started
    for name, seconds in took.items():
        per = seconds / hundreds
        print(
            f"{name}: {seconds:.1f} s for {customers:,} customers = {per:.1f} s per 100k "
            f"(goal {GOALS[name]:.0f} s: {per / GOALS[name]:.2f}× the goal; before "
            f"{BEFORE[name]:.0f} s: {BEFORE[name] / per:.1f}× faster)"
        )
    print(f"load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
