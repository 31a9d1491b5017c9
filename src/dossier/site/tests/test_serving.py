"""Serving in production: pooled PostgreSQL, SQLite in WAL mode, gunicorn with WhiteNoise."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from dossier.settings import DATABASES, database


def test_postgresql_goes_through_a_bounded_pool_without_persistent_connections() -> None:
    config = database("postgres://dossier@db.example:5432/dossier", pool_size=6)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 6, "timeout": 10}
    assert config["CONN_MAX_AGE"] == 0  # Django refuses a pool beside persistent connections
    assert database("postgres://h/d", pool_size=1)["OPTIONS"]["pool"]["min_size"] == 1
    # options in the URL are kept beside the pool
    kept = database("postgres://h/d?sslmode=require", pool_size=3)["OPTIONS"]
    assert kept["sslmode"] == "require" and kept["pool"]["max_size"] == 3


def test_the_pool_size_comes_from_the_environment() -> None:
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dossier.settings",
        "DOSSIER_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        "DOSSIER_DB_POOL_SIZE": "7",
    }
    shown = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'max_size': 7" in shown


@pytest.mark.django_db
def test_the_test_database_connection_uses_the_configured_engine_options() -> None:
    options = DATABASES["default"]["OPTIONS"]
    if connection.vendor == "postgresql":
        assert connection.pool is not None
        assert connection.pool.max_size == options["pool"]["max_size"]
    else:
        assert "pool" not in options and options["transaction_mode"] == "IMMEDIATE"


def test_sqlite_file_opens_in_wal_mode_with_a_busy_timeout(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    config = database(f"sqlite:///{tmp_path / 'sub' / 'dossier.sqlite3'}")
    handler = ConnectionHandler({"default": config})
    with django_db_blocker.unblock():  # a connection of its own, not the test database's
        with handler["default"].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == 20_000
        handler.close_all()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(p) for p in found]


def _get(url: str, **headers: str) -> Any:
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_serve_runs_gunicorn_and_the_worker_and_stops_them_together(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dossier.settings",
        "DOSSIER_DATA_DIR": str(tmp_path),
        "DOSSIER_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "DOSSIER_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "DOSSIER_SECRET_KEY": "s" * 50,
    }
    dossier = [sys.executable, "-m", "dossier.cli"]
    subprocess.run([*dossier, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    port = _free_port()
    options = ["--port", str(port), "--workers", "2", "--threads", "2", "--with-worker"]
    server = subprocess.Popen(
        [*dossier, "serve", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    children: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                page = _get(f"{base}/login/")
                break
            except OSError:
                assert server.poll() is None, server.communicate()[0]
                assert time.monotonic() < deadline, "the server did not answer in 120 s"
                time.sleep(0.3)
        assert page.status == 200 and page.headers["Server"].startswith("gunicorn")
        # assets collected and gzipped at start, sent compressed to browsers that take it
        asset = _get(f"{base}/static/dossier/htmx.min.js", **{"Accept-Encoding": "gzip"})
        assert asset.headers["Content-Encoding"] == "gzip"
        assert b"htmx" in gzip.decompress(asset.read())
        assert (tmp_path / "static" / "dossier" / "htmx.min.js.gz").exists()
        children = _children(server.pid)
        assert len(children) == 2  # gunicorn's master and `dossier worker`
        assert len(_children(children[0])) + len(_children(children[1])) == 2  # web workers
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0]
    assert server.returncode == 0, output
    assert "2 worker processes × 2 threads and the task worker" in output
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
