"""Load on `dossier serve` over PostgreSQL: concurrent API clients, and the connections it holds.

Starts `dossier serve` (gunicorn) on a PostgreSQL database — DOSSIER_DATABASE_URL when it names
one, else postgres://postgres@127.0.0.1:5432/dossier_bench, created, migrated and seeded with
demo customers — then 16 clients (threads, one keep-alive connection each) call GET
/api/v1/customers/{id} and GET /api/v1/customers for 30 s with a token. Prints requests per
second, latency percentiles, errors, and the peak number of the server's connections
(pg_stat_activity) beside the bound, workers × threads. Figures only: never passes or fails
on them. Without a reachable PostgreSQL it says so and exits 0.

BENCH_LOAD_CLIENTS, BENCH_LOAD_SECONDS, BENCH_LOAD_WORKERS, BENCH_LOAD_THREADS change the run.
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "16"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
CUSTOMERS = 300
BENCH_DATABASE = "postgres://postgres@127.0.0.1:5432/dossier_bench"
HOST = "127.0.0.1"


def database_url() -> str:
    """The PostgreSQL database to serve: DOSSIER_DATABASE_URL if it is one, else the bench DB."""
    url = os.environ.get("DOSSIER_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else BENCH_DATABASE


def ensure_database(url: str) -> bool:
    """Create the database when the server lacks it; False when no server answers."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {parts.hostname}:{parts.port}: {exc}".strip())
        return False
    return True


def dossier(*args: str, env: dict[str, str]) -> str:
    """Run a `dossier` command; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "dossier.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def seed(env: dict[str, str]) -> str:
    """Migrate, add demo customers when there are none, and return a read token of admin's."""
    dossier("migrate", "-v", "0", env=env)
    dossier("demo", "--customers", str(CUSTOMERS), "--if-empty", "-v", "0", env=env)
    created = dossier("token", "create", "load test", "--user", "admin", env=env)
    return next(line for line in created.splitlines() if line.startswith("dos_"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def get(conn: http.client.HTTPConnection, path: str, token: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    return response.status, response.read()


def wait_until_up(port: int, token: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"`dossier serve` stopped:\n{log.read_text()[-2000:]}")
        try:
            status, _body = get(http.client.HTTPConnection(HOST, port, timeout=5), "/", token)
            if status:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("`dossier serve` did not answer within 180 s")


@contextmanager
def serving(env: dict[str, str], token: str, *, workers: int, threads: int) -> Iterator[int]:
    """`dossier serve` with these workers and threads on a free port, answering; its port.
    Stopped (TERM, then KILL after 60 s) when the block ends; its output in the data dir."""
    port = free_port()
    log = Path(env["DOSSIER_DATA_DIR"]) / f"serve-{workers}.log"
    options = ["--port", str(port), "--workers", str(workers), "--threads", str(threads)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "dossier.cli", "serve", *options],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(port, token, server, log)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


class Counts:
    """What the clients saw, gathered under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}

    def add(self, latencies: list[float], errors: dict[str, int]) -> None:
        with self.lock:
            self.latencies += latencies
            for kind, n in errors.items():
                self.errors[kind] = self.errors.get(kind, 0) + n


def client(port: int, token: str, ids: list[str], deadline: float, counts: Counts) -> None:
    """One user: detail and list calls in turn, on one keep-alive connection, until deadline."""
    rng = random.Random()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    turn = 0
    while time.monotonic() < deadline:
        turn += 1
        path = f"/api/v1/customers/{rng.choice(ids)}" if turn % 2 else "/api/v1/customers?limit=20"
        started = time.perf_counter()
        try:
            status, _body = get(conn, path, token)
        except (OSError, http.client.HTTPException) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
        if status != 200:
            errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
    conn.close()
    counts.add(latencies, errors)


def sample_connections(url: str, stop: threading.Event, peak: list[int]) -> None:
    """The most client connections to the database seen at once, this sampler's own aside."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                [name],
            ).fetchone()
            peak[0] = max(peak[0], int(row[0]) if row else 0)
            stop.wait(0.2)


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> int:
    url = database_url()
    if not ensure_database(url):
        print("skipped: the load test needs PostgreSQL")
        return 0
    from dossier.site.management.commands.serve import default_workers

    workers = int(os.environ.get("BENCH_LOAD_WORKERS", default_workers()))
    threads = int(os.environ.get("BENCH_LOAD_THREADS", "4"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dossier.settings",
        "DOSSIER_DATABASE_URL": url,
        "DOSSIER_DATA_DIR": os.environ.get("DOSSIER_DATA_DIR") or tempfile.mkdtemp(),
        "DOSSIER_SECRET_KEY": os.environ.get("DOSSIER_SECRET_KEY", "bench-" + "k" * 50),
        "DOSSIER_API_RATE": "100000000/m",  # the limiter still runs; it must not refuse
        "DOSSIER_LOG_LEVEL": "ERROR",
    }
    token = seed(env)
    with serving(env, token, workers=workers, threads=threads) as port:
        status, body = get(
            http.client.HTTPConnection(HOST, port, timeout=30), "/api/v1/customers?limit=200", token
        )
        if status != 200:
            raise SystemExit(f"listing customers answered {status}: {body[:300]!r}")
        ids = [item["id"] for item in json.loads(body)["items"]]
        stop, peak = threading.Event(), [0]
        sampler = threading.Thread(target=sample_connections, args=(url, stop, peak), daemon=True)
        sampler.start()
        counts = Counts()
        deadline = time.monotonic() + SECONDS
        started = time.perf_counter()
        clients = [
            threading.Thread(target=client, args=(port, token, ids, deadline, counts))
            for _ in range(CLIENTS)
        ]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        elapsed = time.perf_counter() - started
        stop.set()
        sampler.join()
    done, latencies = len(counts.latencies), counts.latencies
    errors = sum(counts.errors.values())
    print(f"`dossier serve`: {workers} workers × {threads} threads on PostgreSQL ({url})")
    print(f"{CLIENTS} clients, {elapsed:.0f} s, GET customer and customer list in turn")
    print(f"requests                   : {done:8d}  ({done / elapsed:.0f} req/s)")
    if len(latencies) >= 2:
        p50, p95, p99 = (percentile(latencies, s) * 1000 for s in (0.50, 0.95, 0.99))
        print(f"latency p50 / p95 / p99    : {p50:6.1f} / {p95:6.1f} / {p99:6.1f} ms")
    detail = ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.errors.items()))
    print(f"errors                     : {errors:8d}" + (f"  ({detail})" if detail else ""))
    bound = workers * threads
    verdict = "within" if peak[0] <= bound else "ABOVE"
    print(f"peak server connections    : {peak[0]:8d}  ({verdict} the pool bound {bound})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
