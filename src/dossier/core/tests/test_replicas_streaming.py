"""Reads through a real streaming replica: a private primary and its hot standby, started here
with initdb, pg_ctl and pg_basebackup -R, and a process of their own reading through both."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

SRC = Path(__file__).resolve().parents[3]
PROBE = Path(__file__).with_name("replica_probe.py")

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="streaming replication is PostgreSQL's; the SQLite run tests the router alone",
    ),
    # the module copies the migrated test database: it must be set up
    pytest.mark.django_db,
]


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    on_path = shutil.which("initdb")
    if not found and on_path is None:
        pytest.fail(
            "initdb not found (no /usr/lib/postgresql/*/bin/initdb, none on PATH): the replica "
            "test needs PostgreSQL's server binaries; .ci/run installs the postgresql package"
        )
    return Path(found[-1] if found else str(on_path)).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_postgres(*command: str) -> list[str]:
    # initdb refuses to run as root
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def _run(*command: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _test_database_url() -> str:
    """The test database pytest-django made and migrated, copied instead of migrating again."""
    db = connections["default"].settings_dict
    user = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgres://{user}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def streaming_pair(django_db_setup: Any) -> Iterator[tuple[str, str]]:
    """URLs of a fresh primary (database ``dossier``: a copy of the migrated test database)
    and of its streaming replica."""
    pg_bin = _pg_bin()
    tmp = Path(tempfile.mkdtemp(prefix="dossier-replica-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    primary, replica = tmp / "primary", tmp / "replica"
    ports = {primary: _free_port(), replica: _free_port()}
    started: list[Path] = []

    def start(data: Path) -> None:
        options = f"-p {ports[data]} -k {tmp} -c listen_addresses=127.0.0.1"
        command = [str(pg_bin / "pg_ctl"), "-D", str(data), "-l", f"{data}.log", "-w"]
        _run(*_as_postgres(*command), "-o", options, "start")
        started.append(data)

    try:
        initdb = [str(pg_bin / "initdb"), "-D", str(primary), "-U", "postgres", "-A", "trust"]
        _run(*_as_postgres(*initdb, "--no-sync"))
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n")
        start(primary)
        host = f"postgres://postgres@127.0.0.1:{ports[primary]}"
        _run(str(pg_bin / "psql"), f"{host}/postgres", "-qc", "create database dossier")
        dump = tmp / "schema.sql"
        _run(str(pg_bin / "pg_dump"), "--no-owner", "-f", str(dump), "-d", _test_database_url())
        _run(
            str(pg_bin / "psql"), f"{host}/dossier", "-qX", "-v", "ON_ERROR_STOP=1", "-f", str(dump)
        )
        backup = [str(pg_bin / "pg_basebackup"), "-d", f"{host}/postgres", "-D", str(replica)]
        _run(*_as_postgres(*backup, "-R", "-X", "stream", "-c", "fast", "--no-sync"))
        start(replica)
        urls = (f"{host}/dossier", f"postgres://postgres@127.0.0.1:{ports[replica]}/dossier")
        yield urls
    finally:
        for data in reversed(started):
            subprocess.run(
                _as_postgres(str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(tmp, ignore_errors=True)


def _env(primary: str, replica: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "dossier.settings",
        "DOSSIER_DATABASE_URL": primary,
        "DOSSIER_REPLICA_URLS": replica,
        "DOSSIER_REPLICA_STICKY_SECONDS": "5",
    }


@pytest.fixture(scope="module")
def probe(streaming_pair: tuple[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        _run(sys.executable, str(PROBE), env=_env(*streaming_pair)).splitlines()[-1]
    )
    return result


def test_the_replica_is_a_hot_standby_of_the_primary(probe: dict[str, Any]) -> None:
    assert probe["default_in_recovery"] is False
    assert probe["replica_0_in_recovery"] is True
    assert probe["default_port"] != probe["replica_0_port"]


def test_a_selector_outside_a_transaction_reads_the_replica(probe: dict[str, Any]) -> None:
    assert probe["replica_saw_row"] is True
    assert probe["read_outside"] == ["replica_0"]


def test_a_read_inside_a_write_transaction_reads_the_primary(probe: dict[str, Any]) -> None:
    assert probe["read_in_atomic"] == ["default"]


def test_a_read_just_after_the_write_reads_the_primary(probe: dict[str, Any]) -> None:
    assert probe["read_just_after_write"] == ["default"]


def test_the_writer_reads_its_own_write_in_its_next_api_request(probe: dict[str, Any]) -> None:
    assert probe["api_create_status"] == 201
    status, used, listed = probe["api_read_by_writer"]
    assert status == 200 and used == ["default"] and listed


def test_another_users_api_read_goes_to_the_replica(probe: dict[str, Any]) -> None:
    assert "replica_0" in probe["api_read_by_other"]
