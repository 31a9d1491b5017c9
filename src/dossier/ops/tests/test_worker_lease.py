"""Leases: a RUNNING task whose worker went quiet is queued again, or failed with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from dossier.ops.models import WorkerBeat
from dossier.ops.workers import LOST, beat, forget, recover_lost_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_lease(settings: Any) -> None:
    settings.DOSSIER_WORKER_LEASE_SECONDS = 60
    settings.DOSSIER_WORKER_MAX_ATTEMPTS = 3


def _running(*workers: str, minutes_ago: float = 5) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        args_kwargs={"args": [1, "/tmp/x"], "kwargs": {}},
        task_path="dossier.ops.tests.worker_tasks.note_run",
        worker_ids=list(workers),
        backend_name="default",
        run_after=get_date_max(),
    )


def _seen(worker_id: str, seconds_ago: float) -> None:
    beat(worker_id=worker_id, started_at=timezone.now())
    WorkerBeat.objects.filter(worker_id=worker_id).update(
        seen_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_a_task_whose_worker_went_quiet_is_queued_again() -> None:
    _seen("quiet", seconds_ago=61)
    task = _running("quiet")
    assert recover_lost_tasks() == (1, 0)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()  # a worker can take it
    assert task.worker_ids == ["quiet"]  # the attempts so far stay counted


def test_a_task_whose_worker_never_beat_is_queued_again() -> None:
    # a worker of an older release, or one whose beat was removed when it stopped
    task = _running("gone")
    assert recover_lost_tasks() == (1, 0)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY


def test_a_live_worker_s_long_task_is_left_alone() -> None:
    _seen("busy", seconds_ago=10)
    task = _running("busy", minutes_ago=600)
    assert recover_lost_tasks() == (0, 0)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_task_started_within_the_lease_is_left_alone_even_without_a_beat() -> None:
    # its worker may not have beaten yet (or is of an older release): give it the lease
    task = _running("new", minutes_ago=0.5)
    assert recover_lost_tasks() == (0, 0)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_only_the_last_worker_counts() -> None:
    # an earlier worker alive elsewhere does not keep a task its last worker lost
    _seen("first", seconds_ago=1)
    task = _running("first", "second")
    assert recover_lost_tasks() == (1, 0)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY


def test_a_task_lost_as_often_as_allowed_fails_with_the_reason() -> None:
    task = _running("a", "b", "c")
    assert recover_lost_tasks() == (0, 1)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.finished_at is not None
    assert task.exception_class_path == LOST
    assert str(task.id) in task.traceback and "worker c" in task.traceback
    assert "attempt 3 of 3" in task.traceback
    assert recover_lost_tasks() == (0, 0)  # a failed task stays failed


def test_finished_and_queued_tasks_are_never_touched() -> None:
    done = _running("x")
    done.status = TaskResultStatus.SUCCESSFUL
    done.save()
    assert recover_lost_tasks() == (0, 0)
    done.refresh_from_db()
    assert done.status == TaskResultStatus.SUCCESSFUL


def test_a_worker_that_stops_forgets_its_beat() -> None:
    _seen("leaving", seconds_ago=0)
    forget(worker_id="leaving")
    assert not WorkerBeat.objects.filter(worker_id="leaving").exists()


def test_a_long_dead_worker_s_beat_is_dropped_a_recent_one_kept() -> None:
    _seen("long-dead", seconds_ago=601)
    _seen("recently-dead", seconds_ago=120)
    recover_lost_tasks()
    assert set(WorkerBeat.objects.values_list("worker_id", flat=True)) == {"recently-dead"}
