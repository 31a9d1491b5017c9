"""A mixed load on `dossier serve --workers 4` over PostgreSQL with 50,000 customers.

Issue 19's goal: 64 concurrent clients for 60 s — 70 % reads (a customer, a customer's
timeline), 20 % searches (the customer list filtered by a query, /api/v1/search), 10 % writes
(PATCH with the version read) — with 0 errors and 0 lost updates. Prints req/s and p50/p95/p99
per route, errors, version conflicts (409, an expected answer, counted apart) and lost updates:
at the end every customer written is read back and must hold the value of its last
acknowledged PATCH at that PATCH's version, and no two acknowledged PATCHes of a customer may
share a version. Then the same load runs against one worker process and the req/s ratio is
printed. Figures only: never passes or fails on them.

Runs on DOSSIER_DATABASE_URL when it names PostgreSQL, else on
postgres://postgres@127.0.0.1:5432/dossier_bench_mixed (created when missing). The customers
are written once with COPY (as list_scale.py does) and kept between runs. Without a reachable
PostgreSQL it says so and exits 0. BENCH_MIXED_SECONDS (60), BENCH_MIXED_CLIENTS (64),
BENCH_MIXED_CUSTOMERS (50000) change the run. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_serve import HOST, ensure_database, percentile, serving

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dossier_bench_mixed"
SECONDS = float(os.environ.get("BENCH_MIXED_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_MIXED_CLIENTS", "64"))
CUSTOMERS = int(os.environ.get("BENCH_MIXED_CUSTOMERS", "50000"))
THREADS = 4
HOT = 200  # writes go to a small set of customers, so that some of them collide
FIELD = "points_balance"
QUERIES = [*"王李张刘陈杨赵黄周吴", "伟", "秀英", "张伟", "李娜"]
ROUTES = ["GET customer", "GET timeline", "GET list ?q=", "GET search", "PATCH customer"]


def _url() -> str:
    url = os.environ.get("DOSSIER_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_URL


def _seed(url: str, env: dict[str, str]) -> tuple[list[str], list[str], str]:
    """Migrate, write the customers when their count differs; live ids, ids to write, a token."""
    os.environ["DOSSIER_BENCH_LIST_CUSTOMERS"] = str(CUSTOMERS)
    os.environ.update(env)
    import django

    django.setup()
    import psycopg
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from dossier.customers.models import Customer

    call_command("migrate", verbosity=0)
    import list_scale

    _managers, sellers = list_scale._users()
    if Customer.objects.count() != CUSTOMERS:
        with psycopg.connect(url, autocommit=True) as conn:
            list_scale.build(conn, sellers)
    if not User.objects.filter(username="bench-admin").exists():
        User.objects.create_superuser("bench-admin", password="bench-pass-1")
    live = Customer.objects.filter(deleted_at=None).order_by("pk")
    ids = [str(pk) for pk in live.values_list("pk", flat=True)]
    # list_scale.py seeds "lost", a lifecycle the template does not offer: a PATCH of such a
    # customer answers 422, so writes go to customers the template accepts as they stand
    hot = [str(pk) for pk in live.exclude(lifecycle="lost").values_list("pk", flat=True)[:HOT]]
    command = ["token", "create", "mixed load", "--user", "bench-admin", "--scope", "read_write"]
    created = subprocess.run(
        [sys.executable, "-m", "dossier.cli", *command],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return ids, hot, next(line for line in created.splitlines() if line.startswith("dos_"))


class Tally:
    """What every client saw: latencies per route, errors, conflicts and acknowledged writes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {route: [] for route in ROUTES}
        self.errors: dict[str, int] = {}
        self.samples: dict[str, bytes] = {}  # the first answer of each kind of error
        self.conflicts = 0
        self.acks: list[tuple[str, int, int]] = []  # customer id, value written, version answered

    def merge(self, other: Tally) -> None:
        with self.lock:
            for route, values in other.latencies.items():
                self.latencies[route] += values
            for kind, n in other.errors.items():
                self.errors[kind] = self.errors.get(kind, 0) + n
            self.samples = {**other.samples, **self.samples}
            self.conflicts += other.conflicts
            self.acks += other.acks


class Client:
    """One user on one keep-alive connection, drawing each request from the mix."""

    def __init__(
        self, port: int, token: str, ids: list[str], hot: list[str], values: itertools.count
    ) -> None:
        self.port, self.ids, self.hot, self.values = port, ids, hot, values
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.rng = random.Random()
        self.versions: dict[str, int] = {}
        self.seen = Tally()

    def call(self, route: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=self.headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            kind = f"{route}: {type(exc).__name__}"
            self.seen.errors[kind] = self.seen.errors.get(kind, 0) + 1
            return 0, None
        self.seen.latencies[route].append(time.perf_counter() - started)
        if response.status not in (200, 409):
            kind = f"{route}: HTTP {response.status}"
            self.seen.errors[kind] = self.seen.errors.get(kind, 0) + 1
            self.seen.samples.setdefault(kind, raw[:300])
        return response.status, json.loads(raw) if response.status == 200 else None

    def read(self, customer_id: str) -> None:
        status, body = self.call("GET customer", "GET", f"/api/v1/customers/{customer_id}")
        if status == 200:
            self.versions[customer_id] = body["version"]

    def write(self) -> None:
        index = self.rng.randrange(len(self.hot))
        customer_id = self.hot[index]
        if customer_id not in self.versions:
            self.read(customer_id)  # the version to send: what a user would have on screen
            if customer_id not in self.versions:
                return
        value = next(self.values)
        # the template requires a phone the seeded rows lack; one of its own per customer
        values = {FIELD: value, "phone": f"136{index:08d}"}
        payload = {"version": self.versions.pop(customer_id), "values": values}
        status, body = self.call(
            "PATCH customer", "PATCH", f"/api/v1/customers/{customer_id}", payload
        )
        if status == 200:
            self.seen.acks.append((customer_id, value, body["version"]))
            self.versions[customer_id] = body["version"]
        elif status == 409:
            self.seen.conflicts += 1

    def run(self, deadline: float) -> Tally:
        rng = self.rng
        while time.monotonic() < deadline:
            draw = rng.random()
            customer_id = self.ids[rng.randrange(len(self.ids))]
            if draw < 0.35:
                self.read(customer_id)
            elif draw < 0.70:
                path = f"/api/v1/customers/{customer_id}/timeline"
                self.call("GET timeline", "GET", path)
            elif draw < 0.80:
                query = rng.choice(QUERIES)
                self.call("GET list ?q=", "GET", f"/api/v1/customers?q={_quote(query)}&limit=20")
            elif draw < 0.90:
                self.call("GET search", "GET", f"/api/v1/search?q={_quote(rng.choice(QUERIES))}")
            else:
                self.write()
        self.conn.close()
        return self.seen


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def lost_updates(port: int, token: str, acks: list[tuple[str, int, int]]) -> tuple[int, int]:
    """Customers whose stored value or version differs from their last acknowledged write."""
    last: dict[str, tuple[int, int]] = {}
    versions: dict[str, set[int]] = {}
    shared = 0
    for customer_id, value, version in acks:
        if version in versions.setdefault(customer_id, set()):
            shared += 1  # two writes acknowledged at one version: one of them was lost
        versions[customer_id].add(version)
        if version > last.get(customer_id, (0, 0))[1]:
            last[customer_id] = (value, version)
    checker = Client(port, token, [], [], itertools.count())
    lost = 0
    for customer_id, (value, version) in last.items():
        status, body = checker.call("GET customer", "GET", f"/api/v1/customers/{customer_id}")
        if status != 200 or body["values"].get(FIELD) != value or body["version"] != version:
            lost += 1
    checker.conn.close()
    return lost + shared, len(last)


def run(workers: int, token: str, ids: list[str], hot: list[str], env: dict[str, str]) -> float:
    """Serve with `workers` processes, run the mix, print its figures; the req/s."""
    with serving(env, token, workers=workers, threads=THREADS) as port:
        tally, values = Tally(), itertools.count(1_000_000 * workers)  # unique in a run
        clients = [Client(port, token, ids, hot, values) for _ in range(CLIENTS)]
        deadline = time.monotonic() + SECONDS
        started = time.perf_counter()
        threads = [
            threading.Thread(target=lambda c=c: tally.merge(c.run(deadline))) for c in clients
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        lost, written = lost_updates(port, token, tally.acks)
    total = sum(len(v) for v in tally.latencies.values())
    rate = total / elapsed
    print(
        f"`dossier serve --workers {workers} --threads {THREADS}`,"
        f" {CLIENTS} clients, {elapsed:.0f} s"
    )
    print(f"  requests answered : {total:8d}  ({rate:.0f} req/s)")
    print(f"  {'route':<16} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for route in ROUTES:
        values_ms = tally.latencies[route]
        if len(values_ms) >= 2:
            p50, p95, p99 = (percentile(values_ms, s) * 1000 for s in (0.50, 0.95, 0.99))
            print(f"  {route:<16} {len(values_ms):7d} {p50:8.1f} {p95:8.1f} {p99:8.1f}")
    errors = sum(tally.errors.values())
    detail = ", ".join(f"{kind}: {n}" for kind, n in sorted(tally.errors.items()))
    print(f"  errors            : {errors:8d}" + (f"  ({detail})" if detail else ""))
    for kind, sample in sorted(tally.samples.items()):
        print(f"    first {kind}: {sample.decode(errors='replace')}")
    print(f"  version conflicts : {tally.conflicts:8d}  (409 on a stale version; expected)")
    print(f"  writes acknowledged: {len(tally.acks):7d}  on {written} customers")
    checked = "" if tally.acks else "; nothing was acknowledged, so nothing was checked"
    print(f"  lost updates      : {lost:8d}  (goal 0{checked})")
    return rate


def main() -> int:
    url = _url()
    if not ensure_database(url):
        print("skipped: the mixed load test needs PostgreSQL")
        return 0
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dossier.settings",
        "DOSSIER_DATABASE_URL": url,
        "DOSSIER_DATA_DIR": os.environ.get("DOSSIER_DATA_DIR") or tempfile.mkdtemp(),
        "DOSSIER_SECRET_KEY": os.environ.get("DOSSIER_SECRET_KEY", "bench-" + "k" * 50),
        "DOSSIER_API_RATE": "100000000/m",  # the limiter still runs; it must not refuse
        "DOSSIER_LOG_LEVEL": "ERROR",
    }
    started = time.perf_counter()
    ids, hot, token = _seed(url, env)
    print(f"{len(ids):,} live customers on {url} (ready in {time.perf_counter() - started:.0f} s)")
    from django.db import connections

    connections.close_all()
    many = run(4, token, ids, hot, env)
    one = run(1, token, ids, hot, env)
    print(f"4 workers / 1 worker: {many:.0f} / {one:.0f} req/s = {many / one:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
