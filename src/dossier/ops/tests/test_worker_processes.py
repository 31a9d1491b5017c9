"""Real ``dossier worker`` processes: several share the queue, none takes a task twice, and a
task whose worker is killed (SIGKILL, no chance to clean up) is run again by the next.

Each test uses a database of its own (an SQLite file, or a fresh PostgreSQL database when the
suite runs on PostgreSQL), as the import-resume test does.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

import dossier
from dossier.ops.tests.worker_tasks import runs
from dossier.transfer.tests.test_import_resume import _dossier, _python, own_database

__all__ = ["own_database"]  # the fixture, imported for its name

TASKS = 60
ENQUEUE = """
import django, sys
django.setup()
from dossier.ops.tests.worker_tasks import note_run
for number in range(int(sys.argv[2])):
    note_run.enqueue(number, sys.argv[1], float(sys.argv[3]))
print("queued")
"""
STATUSES = """
import django, json
django.setup()
from django_tasks_db.models import DBTaskResult
print(json.dumps([
    [task.status, task.worker_ids, task.exception_class_path]
    for task in DBTaskResult.objects.order_by("enqueued_at")
]))
"""


@pytest.fixture(autouse=True)
def _this_checkout(monkeypatch: pytest.MonkeyPatch, transactional_db: None) -> None:
    """The processes run this checkout's code (autouse: set before the database is migrated).

    ``transactional_db``: on PostgreSQL the own database is created through the test database's
    connection, which exists only once the test database does (a test run alone needs it).
    """
    monkeypatch.setenv("PYTHONPATH", str(Path(dossier.__file__).resolve().parents[1]))


def _scalar(env: dict[str, str], sql: str) -> int:
    """One number read straight from the worker's database (no Django start-up)."""
    url = env["DOSSIER_DATABASE_URL"]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as db:
            return int(db.execute(sql).fetchone()[0])
    with psycopg.connect(url) as db:
        row = db.execute(sql).fetchone()
        return int(row[0]) if row else 0


def _statuses(env: dict[str, str]) -> list[list[object]]:
    import json

    return list(json.loads(_python(env, STATUSES)))


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dossier.cli", "worker", "--no-clock", "--no-startup-delay", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait(what: str, done: Callable[[], bool], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_three_workers_share_the_queue_and_run_each_task_exactly_once(
    own_database: dict[str, str], tmp_path: Path
) -> None:
    env = own_database
    notes = tmp_path / "runs.txt"
    workers = [_worker(env, "--interval", "0.1", "--worker-id", f"w{n}") for n in range(3)]
    try:
        # all three are up (each has beaten) before the tasks arrive, so all can compete
        _wait("three heartbeats", lambda: _scalar(env, "SELECT count(*) FROM ops_workerbeat") == 3)
        _python(env, ENQUEUE, str(notes), str(TASKS), "0.05")
        _wait("every task", lambda: sum(kind == "done" for kind, _, _ in runs(notes)) >= TASKS)
        time.sleep(1)  # a task taken twice would show its second run now
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)  # a clean stop
        for worker in workers:
            assert worker.wait(timeout=30) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)

    noted = runs(notes)
    starts = Counter(number for kind, number, _ in noted if kind == "start")
    assert starts == Counter(range(TASKS))  # each task started exactly once
    assert Counter(number for kind, number, _ in noted if kind == "done") == starts
    pids = {pid for _, _, pid in noted}
    assert len(pids) > 1, "only one worker took tasks"
    assert pids <= {worker.pid for worker in workers}
    statuses = _statuses(env)
    assert [status for status, _, _ in statuses] == ["SUCCESSFUL"] * TASKS
    assert all(len(worker_ids) == 1 for _, worker_ids, _ in statuses)  # one claim each
    # a worker that stops cleanly removes its heartbeat
    assert _scalar(env, "SELECT count(*) FROM ops_workerbeat") == 0


def test_a_killed_worker_s_task_is_run_again_by_the_next_and_completes_once(
    own_database: dict[str, str], tmp_path: Path
) -> None:
    env = {**own_database, "DOSSIER_WORKER_LEASE_SECONDS": "2"}
    notes = tmp_path / "runs.txt"
    _python(env, ENQUEUE, str(notes), "1", "3")
    first = _worker(env, "--worker-id", "first")
    try:
        _wait("the task to start", lambda: bool(runs(notes)))
        os.killpg(first.pid, signal.SIGKILL)  # no chance to clean up: as a power cut
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    [(status, worker_ids, _)] = _statuses(env)
    assert (status, worker_ids) == ("RUNNING", ["first"])  # stuck, as django-tasks-db leaves it

    time.sleep(2.5)  # the killed worker's lease runs out
    _dossier(env, "worker", "--batch", "--no-clock", "--worker-id", "second", timeout=120)
    [(status, worker_ids, _)] = _statuses(env)
    assert (status, worker_ids) == ("SUCCESSFUL", ["first", "second"])
    noted = runs(notes)
    assert [kind for kind, _, _ in noted] == ["start", "start", "done"]  # done exactly once
    assert noted[0][2] == first.pid and noted[2][2] != first.pid


def test_a_task_lost_too_often_fails_with_the_reason(
    own_database: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **own_database,
        "DOSSIER_WORKER_LEASE_SECONDS": "2",
        "DOSSIER_WORKER_MAX_ATTEMPTS": "1",
    }
    notes = tmp_path / "runs.txt"
    _python(env, ENQUEUE, str(notes), "1", "30")
    first = _worker(env, "--worker-id", "first")
    try:
        _wait("the task to start", lambda: bool(runs(notes)))
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    time.sleep(2.5)
    _dossier(env, "worker", "--batch", "--no-clock", "--worker-id", "second", timeout=120)
    [(status, worker_ids, reason)] = _statuses(env)
    assert (status, worker_ids, reason) == ("FAILED", ["first"], "dossier.ops.workers.WorkerLost")
    assert [kind for kind, _, _ in runs(notes)] == ["start"]  # not run again


PAGE = """
import django, json, re, sys, time
django.setup()
from django.test import Client
from django.contrib.auth import get_user_model
from dossier.transfer.models import ImportRun
client = Client()
client.force_login(get_user_model().objects.get(username="li"))
run = ImportRun.objects.get()
seen, deadline = [], time.monotonic() + 90
while len(set(seen)) < 2 and time.monotonic() < deadline:
    page = client.get(f"/transfer/imports/{run.pk}/", HTTP_HOST="localhost")
    if page.status_code != 200:
        sys.exit(f"status {page.status_code}")
    # the progress bar (the same in every language)
    found = re.search(r'max="(\\d+)" value="(\\d+)"', page.content.decode())
    if found and 0 < int(found[2]) < int(found[1]):
        seen.append(int(found[2]))
    time.sleep(0.2)
print(json.dumps(seen))
"""


def test_an_import_s_progress_shows_on_a_page_served_by_another_process(
    own_database: dict[str, str], tmp_path: Path
) -> None:
    import json

    from dossier.transfer.tests.test_import_resume import ROWS, SETUP

    env = own_database
    _python(env, SETUP, str(tmp_path / "members.csv"), str(ROWS))
    worker = _worker(env)
    try:
        # the page's process never runs the import: what it shows comes from the database
        seen = json.loads(_python(env, PAGE))
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    assert len(set(seen)) >= 2, seen  # two different counts while the import ran
    assert seen == sorted(seen)  # and only ever growing
