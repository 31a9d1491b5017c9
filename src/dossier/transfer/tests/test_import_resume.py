"""A worker killed in the middle of an import: the next one goes on, no row lost or doubled.

Real processes on a database of their own (an SQLite file, or a fresh PostgreSQL database
when the suite runs on PostgreSQL): ``dossier worker`` takes the queued import, is killed
with SIGKILL after a few batches, and ``dossier worker --batch`` (whose clock finds the run
gone quiet) finishes it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

ROWS = 6000
SETUP = """
import django, sys
django.setup()
from dossier.accounts.services import create_user
from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.templates.services import create_template
from dossier.transfer import services
from dossier.transfer.importing.plan import ImportOptions
from dossier.transfer.models import ImportRun
from dossier.transfer.tasks import run_uploaded_import
from dossier.transfer.tests.import_helpers import member_row, write_csv
from pathlib import Path

user = create_user(username="li", password="correct-horse-42", role=roles.SALES, team="east")
template = create_template(
    actor=system_actor("test"), key="member", name_zh="会员", name_en="Member",
    scenario="retail_member",
    fields=[
        {"key": "phone", "type": "phone", "required": True},
        {"key": "member_no", "type": "text", "unique": True},
        {"key": "id_number", "type": "cn_id_card", "unique": True, "classification": "sensitive"},
        {"key": "points", "type": "integer"},
    ],
)
path = write_csv(Path(sys.argv[1]), [member_row(n) for n in range(1, int(sys.argv[2]) + 1)])
run = services.start_import(
    actor=user, template=template, path=path, file_name=path.name,
    options=ImportOptions(mode="create", batch_rows=20), stored_file=str(path),
)
run_uploaded_import.enqueue(run.pk)
print(run.pk)
"""
REPORT = """
import django, json
django.setup()
from dossier.customers.models import Customer
from dossier.transfer.models import ImportBatch, ImportRun
run = ImportRun.objects.get()
numbers = list(ImportBatch.objects.order_by("number").values_list("number", flat=True))
print(json.dumps({
    "status": run.status, "rows": run.rows, "created": run.created, "failed": run.failed,
    "customers": Customer.objects.count(),
    "distinct": Customer.objects.values("attributes__member_no").distinct().count(),
    "batches": numbers, "batch_rows": sum(ImportBatch.objects.values_list("rows", flat=True)),
    "stored_file": run.stored_file,
}))
"""


@pytest.fixture
def own_database(tmp_path: Path, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """Environment for processes on a database of their own, migrated."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dossier.settings",
        "DOSSIER_DATA_DIR": str(tmp_path),
        "DOSSIER_LOG_LEVEL": "ERROR",
        "DOSSIER_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "DOSSIER_IMPORT_PROCESSES": "2",  # the kill takes the preparing processes too
    }
    created = None
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        created = f"dossier_resume_{uuid.uuid4().hex[:10]}"
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{created}"')
        user, host, port = settings["USER"], settings["HOST"], settings["PORT"] or 5432
        env["DOSSIER_DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{created}"
    else:
        env["DOSSIER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'resume.sqlite3'}"
    _dossier(env, "migrate", "-v", "0")
    try:
        yield env
    finally:
        if created:
            with django_db_blocker.unblock(), connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def _dossier(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dossier.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _python(env: dict[str, str], code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def _batches(env: dict[str, str]) -> int:
    """Batches committed so far, read straight from the database (no Django start-up)."""
    url = env["DOSSIER_DATABASE_URL"]
    sql = "SELECT count(*) FROM transfer_importbatch"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as db:
            return int(db.execute(sql).fetchone()[0])
    with psycopg.connect(url) as db:
        row = db.execute(sql).fetchone()
        return int(row[0]) if row else 0


def _report(env: dict[str, str]) -> dict[str, Any]:
    import json

    return dict(json.loads(_python(env, REPORT)))


def test_a_killed_worker_s_import_is_finished_by_the_next_with_no_row_lost_or_doubled(
    own_database: dict[str, str], tmp_path: Path
) -> None:
    env = own_database
    _python(env, SETUP, str(tmp_path / "members.csv"), str(ROWS))
    worker = subprocess.Popen(
        [sys.executable, "-m", "dossier.cli", "worker", "--no-clock"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if _batches(env) >= 5:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the worker committed too few batches: {_report(env)}")
        os.killpg(worker.pid, signal.SIGKILL)  # no chance to clean up: as a power cut
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    killed = _report(env)
    assert killed["status"] == "running"
    assert 0 < killed["rows"] < ROWS and killed["customers"] == killed["created"]

    # a new worker's clock sees the run gone quiet, queues it again and runs it to the end
    _dossier({**env, "DOSSIER_IMPORT_STALE_SECONDS": "0"}, "worker", "--batch", timeout=300)
    final = _report(env)
    assert final["status"] == "completed", final
    assert (final["rows"], final["created"], final["failed"]) == (ROWS, ROWS, 0)
    assert final["customers"] == final["distinct"] == ROWS
    assert final["batches"] == list(range(1, len(final["batches"]) + 1))
    assert final["batch_rows"] == ROWS
    assert final["stored_file"] == ""  # the upload is gone once imported
    assert not (tmp_path / "members.csv").exists()
