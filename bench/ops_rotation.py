"""Key rotation at a million customers (issue 19 item 8): seconds per 100k customers.

PostgreSQL only: the server of DOSSIER_DATABASE_URL, database ``bench_rotation`` (created
when missing; DOSSIER_BENCH_ROTATION_URL names another). Without PostgreSQL it says so and
exits 0. The customers (DOSSIER_BENCH_ROTATION_CUSTOMERS, default 1,000,000) are written
once with COPY, each with a phone, an e-mail, an address and a protected JSON object sealed
with one of two bench keys, and kept: each run rotates every value to the other key, so runs
alternate between them. Prints the time of ``rotate_keys`` (what `dossier keys rotate` runs)
per 100k customers, its ratio to the goal (≤ 10 s) and to the figure before the set-based
rewrite (62 s); then, since this machine's load varies, the write rotation made before (one
UPDATE a row) timed on 20,000 customers just before the run, in the same conditions, and
the ratio of the two; the CPU the run used here and in its PostgreSQL backends; the load.
Prints figures; never passes or fails.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

CUSTOMERS = int(os.environ.get("DOSSIER_BENCH_ROTATION_CUSTOMERS", 1_000_000))
GOAL_S, BEFORE_S = 10.0, 62.0  # seconds per 100k customers
KEY_IDS = ("bench1", "bench2")
NOW = datetime(2026, 11, 30, tzinfo=UTC)
#: customers rotated first the way rotation wrote before (one UPDATE a row), for a ratio
#: taken in the same conditions as the run (this machine's load varies)
REFERENCE_ROWS = int(os.environ.get("DOSSIER_BENCH_ROTATION_REFERENCE", 20_000))
#: connections writing at once (the default of `dossier keys rotate` unless set)
WRITERS = int(os.environ.get("DOSSIER_BENCH_ROTATION_WRITERS", 0))
POOL = 5_000  # distinct sealed values per column (every row is still decrypted and sealed)


def _url() -> str | None:
    url = os.environ.get("DOSSIER_BENCH_ROTATION_URL") or os.environ.get("DOSSIER_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    if os.environ.get("DOSSIER_BENCH_ROTATION_URL"):
        return url
    return urlunsplit(urlsplit(url)._replace(path="/bench_rotation"))


def _keys_text(current: str) -> str:
    """Both bench keys (fixed, so the seeded data stays readable), ``current`` first."""
    order = [current] + [k for k in KEY_IDS if k != current]
    return ",".join(f"{k}:{_bench_key(k)}" for k in order)


def _bench_key(key_id: str) -> str:
    return base64.b64encode(hashlib.sha256(f"bench-rotation:{key_id}".encode()).digest()).decode()


def _use_keys(current: str) -> Any:
    from django.conf import settings

    from dossier.protection.keys import reload_keyring

    settings.DOSSIER_KEYS = _keys_text(current)
    return reload_keyring()


def build(conn: Any) -> None:
    """Write the customers with COPY, their values sealed with the first bench key."""
    from segments_scale import _column_defaults, _copy

    from dossier.customers.models import Customer
    from dossier.protection.crypto import encrypt
    from dossier.templates.models import Template

    ring = _use_keys(KEY_IDS[0])
    rng = random.Random(19)
    template = Template.objects.get(key="retail_member")
    sample = Customer.objects.create(
        display_name="样本", template=template, template_version=template.current_version
    )
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Customer._meta.db_table} WHERE id = %s", [sample.pk])
        raw = dict(zip([d.name for d in cursor.description], cursor.fetchone(), strict=True))
        cursor.execute(f"TRUNCATE {Customer._meta.db_table} CASCADE")
    columns, defaults = _column_defaults(Customer, raw)
    at = {c: i for i, c in enumerate(columns)}
    sealed = {
        "phone": [encrypt(f"+86138{n:08d}", ring, context="customer.phone") for n in range(POOL)],
        "email": [
            encrypt(f"c{n}@example.com", ring, context="customer.email") for n in range(POOL)
        ],
        "address": [
            encrypt(f"北京市朝阳区建国路{n}号院{n % 30}号楼", ring, context="customer.address")
            for n in range(POOL)
        ],
        "protected": [
            encrypt(
                json.dumps({"id_number": f"1101051949123{n:05d}"}, separators=(",", ":")),
                ring,
                context="customer.protected",
            )
            for n in range(POOL)
        ],
    }

    def customers() -> Any:
        step = 4 * 365 * 24 * 60 / CUSTOMERS
        for n in range(CUSTOMERS):
            # rows come in creation order, so their uuid7-like ids rise as real ones do
            created = NOW - timedelta(minutes=(CUSTOMERS - n) * step)
            row = list(defaults)
            millis = int(created.timestamp() * 1000)
            row[at["id"]] = uuid.UUID(int=(millis << 80) | rng.getrandbits(80))
            row[at["display_name"]] = f"客户{n}"
            row[at["created_at"]] = row[at["updated_at"]] = created
            for column, pool in sealed.items():
                row[at[column]] = pool[n % POOL]
            yield row

    started = time.perf_counter()
    _copy(conn, Customer, columns, customers())
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built {CUSTOMERS:,} customers in {time.perf_counter() - started:.0f} s")


def _least_used_key() -> str:
    """The bench key sealing fewer phones (all but a run stopped half-way: none)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT split_part(phone, '.', 2) AS k, count(*) FROM customers_customer "
            "WHERE phone <> '' GROUP BY k"
        )
        counts = dict(cursor.fetchall())
    return min(KEY_IDS, key=lambda k: counts.get(k, 0))


def per_row_reference(rows: int, ring: Any) -> float:
    """Seconds per 100k customers of the write rotation made before: one UPDATE a row.

    Run on ``rows`` stale customers in the same conditions as the run measured (they are
    rotated for good, so the measured run does the rest); the way the 62 s was taken.
    """
    from django.db import connection, transaction

    from dossier.protection.crypto import decrypt, encrypt

    columns = ("phone", "email", "address", "protected")
    prefix = f"v1.{ring.current}."
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {', '.join(columns)} FROM customers_customer "
            "WHERE SUBSTR(phone, 1, %s) <> %s ORDER BY id LIMIT %s",
            [len(prefix), prefix, rows],
        )
        found = cursor.fetchall()
    for start in range(0, len(found), 500):  # the old default batch, one transaction each
        with transaction.atomic(), connection.cursor() as cursor:
            for pk, *values in found[start : start + 500]:
                new = [
                    encrypt(
                        decrypt(v, ring, context=f"customer.{c}"), ring, context=f"customer.{c}"
                    )
                    for c, v in zip(columns, values, strict=True)
                ]
                cursor.execute(
                    f"UPDATE customers_customer SET {', '.join(f'{c} = %s' for c in columns)} "
                    f"WHERE id = %s AND {' AND '.join(f'{c} = %s' for c in columns)}",
                    [*new, pk, *values],
                )
    return (time.perf_counter() - started) / max(len(found), 1) * 100_000


class BackendCpu:
    """CPU seconds used by this database's PostgreSQL backends (-1 when /proc cannot tell).

    The rotation writes through several connections that close when it ends, so their
    backends are sampled every half second while it runs (a backend's last half second
    may be missed).
    """

    def __init__(self, database: str) -> None:
        self.tag = f" {database} ".encode()
        self.start = self._sample()
        self.seen = dict(self.start)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _sample(self) -> dict[int, float]:
        found = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                title = Path(f"/proc/{name}/cmdline").read_bytes()
                if not title.startswith(b"postgres:") or self.tag not in title:
                    continue
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return found

    def _watch(self) -> None:
        while not self.done.wait(0.5):
            self.seen.update(self._sample())

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        self.seen.update(self._sample())
        if not self.seen:
            return -1.0
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.seen.items())


def main() -> int:
    url = _url()
    if url is None:
        print(
            "ops_rotation: skipped, it measures PostgreSQL only (set DOSSIER_DATABASE_URL "
            "to a postgres:// URL)."
        )
        return 0
    from load_serve import ensure_database

    if not ensure_database(url):
        return 0
    os.environ["DOSSIER_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
    os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command

    from dossier.customers.models import Customer
    from dossier.protection import rotation

    call_command("migrate", verbosity=0)
    if Customer.objects.count() != CUSTOMERS:
        with psycopg.connect(url, autocommit=True) as conn:
            build(conn)
    new = _least_used_key()
    old = next(k for k in KEY_IDS if k != new)
    ring = _use_keys(new)
    reference = per_row_reference(REFERENCE_ROWS, ring)
    load_before = os.getloadavg()
    backend = BackendCpu(urlsplit(url).path.lstrip("/"))
    ours = time.process_time()
    started = time.perf_counter()
    writers = WRITERS or rotation.DEFAULT_WRITERS
    result = rotation.rotate_keys(writers=writers)
    seconds = time.perf_counter() - started
    ours = time.process_time() - ours
    backend_cpu = backend.stop()
    per_100k = seconds / max(result.rows, 1) * 100_000
    print(
        f"PostgreSQL, {CUSTOMERS:,} customers, 4 encrypted values each; rotated {old} -> {new}: "
        f"{result.rotated:,} values in {result.rows:,} rows, {result.conflicts} conflicts, "
        f"{sum(result.unreadable.values())} unreadable, {result.passes} pass(es), "
        f"{writers} writing connection(s)"
    )
    print(
        f"rotation: {seconds:.1f} s, {per_100k:.2f} s per 100k customers rotated "
        f"(×{per_100k / GOAL_S:.2f} of the goal ≤ {GOAL_S:.0f} s; "
        f"×{per_100k / BEFORE_S:.2f} of the {BEFORE_S:.0f} s before)"
    )
    print(
        f"the write before (one UPDATE a row, {REFERENCE_ROWS:,} customers just before): "
        f"{reference:.2f} s per 100k; set-based is ×{reference / per_100k:.1f} faster in the "
        f"same conditions (×{per_100k / reference:.2f} of it)"
    )
    rows = max(result.rows, 1) / 100_000
    print(
        f"CPU per 100k customers: {ours / rows:.2f} s in this process (reading, sealing), "
        + (f"{backend_cpu / rows:.2f} s in its PostgreSQL backends" if backend_cpu >= 0 else "")
        + " (wall time above this sum is waiting for other processes, the disk or a core)"
    )
    load = ", ".join(f"{a:.2f}" for a in load_before)
    after = ", ".join(f"{a:.2f}" for a in os.getloadavg())
    print(f"load average before the run: {load}; after: {after}; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
