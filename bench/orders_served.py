"""Bulk order sync through `dossier serve`'s processes, beside a raw insert in as many processes.

Used by orders_sync.py: the in-process figure runs Python and PostgreSQL one after the other
on one core; a server runs several worker processes, so one call's Python overlaps another's
database work. Here gunicorn (as `dossier serve` starts it: gthread workers) serves the same
database, clients in this process post ready-made bodies on keep-alive connections, and the
orders a second of the whole run are set beside ``_raw_insert`` of the same rows in as many
forked processes at once.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import queue
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _post(conn: http.client.HTTPConnection, token: str, body: bytes) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request("POST", "/api/v1/orders/bulk", body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 120 s")


def served_rate(
    *, token: str, bodies: list[bytes], warm: list[bytes], orders: int, workers: int, threads: int
) -> float:
    """Orders a second when ``workers`` × ``threads`` clients post ``bodies`` to gunicorn."""
    from dossier.site.management.commands.serve import gunicorn_command

    port = _free_port()
    env = {**os.environ, "DOSSIER_DB_POOL_SIZE": str(threads)}
    command = gunicorn_command(host=HOST, port=port, workers=workers, threads=threads)
    log = Path(tempfile.mkdtemp(prefix="dossier-bench-serve-")) / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(port, server, log)
        work: queue.Queue[bytes] = queue.Queue()
        for body in warm:  # every worker process answers a call before the clock starts
            work.put(body)
        _run_clients(port, token, work, workers * threads)
        for body in bodies:
            work.put(body)
        started = time.perf_counter()
        _run_clients(port, token, work, workers * threads)
        return orders / (time.perf_counter() - started)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


def _run_clients(port: int, token: str, work: queue.Queue[bytes], count: int) -> None:
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=300)
        while True:
            try:
                body = work.get_nowait()
            except queue.Empty:
                return
            status, answer = _post(conn, token, body)
            if status != 200 or json.loads(answer)["failed"]:
                failures.append(f"{status}: {answer[:300]!r}")

    clients = [threading.Thread(target=client) for _ in range(count)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    if failures:
        raise SystemExit(f"bulk sync through gunicorn failed: {failures[0]}")


def parallel_raw_rate(
    *,
    insert: Callable[[list[dict[str, Any]]], None],
    batches: list[list[dict[str, Any]]],
    orders: int,
    processes: int,
) -> float:
    """Orders a second when ``processes`` forked processes ``insert`` the batches between them."""
    from django.db import connections

    for conn in connections.all():
        conn.close()
        if conn.vendor == "postgresql":
            conn.close_pool()  # type: ignore[attr-defined]  # each child opens its own
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(processes + 1)

    def child(share: list[list[dict[str, Any]]]) -> None:
        ready.wait()
        for batch in share:
            insert(batch)
        connections.close_all()

    children = [
        context.Process(target=child, args=(batches[n::processes],)) for n in range(processes)
    ]
    for process in children:
        process.start()
    ready.wait()
    started = time.perf_counter()
    for process in children:
        process.join()
    elapsed = time.perf_counter() - started
    if any(process.exitcode for process in children):
        raise SystemExit("a raw insert process failed")
    return orders / elapsed
