"""Leases for ``dossier worker``: each worker beats; a task whose worker went quiet is retried.

django-tasks-db claims a task with ``SELECT … FOR UPDATE SKIP LOCKED`` (no two workers take
the same one) but a task whose worker was killed stays RUNNING for ever. Each worker records
a heartbeat (:class:`~dossier.ops.models.WorkerBeat`) every few seconds; any worker puts back
a RUNNING task whose worker has been silent longer than ``DOSSIER_WORKER_LEASE_SECONDS``, and
marks it FAILED, with the reason, once it has been lost ``DOSSIER_WORKER_MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from dossier.ops.models import WorkerBeat

logger = logging.getLogger(__name__)

#: how a task given up after its workers were lost is marked (its exception class path)
LOST = "dossier.ops.workers.WorkerLost"


def lease() -> timedelta:
    """How long a worker may stay silent before the task it holds counts as lost."""
    return timedelta(seconds=max(1, int(getattr(settings, "DOSSIER_WORKER_LEASE_SECONDS", 300))))


def max_attempts() -> int:
    """How many times a task may be taken before a lost worker makes it fail."""
    return max(1, int(getattr(settings, "DOSSIER_WORKER_MAX_ATTEMPTS", 3)))


def beat(*, worker_id: str, started_at: datetime) -> None:
    """Record that the worker ``worker_id`` (this process) is alive now."""
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


def forget(*, worker_id: str) -> None:
    """The worker stopped cleanly: its beat goes (a task it still held is then lost at once)."""
    WorkerBeat.objects.filter(worker_id=worker_id).delete()


def recover_lost_tasks() -> tuple[int, int]:
    """Queue again, or fail, each RUNNING task whose worker went quiet; (requeued, failed).

    A task counts as lost when it started over a lease ago and its last worker has not beaten
    within the lease (a worker of an older release, which never beats, counts as quiet too).
    """
    now = timezone.now()
    cutoff = now - lease()
    alive = set(WorkerBeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    requeued = failed = 0
    with transaction.atomic():
        # SKIP LOCKED: two workers recovering at once each take different tasks
        candidates = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
        for task in candidates.select_for_update(skip_locked=True):
            holder = task.worker_ids[-1] if task.worker_ids else ""
            if holder in alive:
                continue
            attempts = len(task.worker_ids)
            if attempts >= max_attempts():
                task.status = TaskResultStatus.FAILED
                task.finished_at = now
                task.exception_class_path = LOST
                task.traceback = (
                    f"Task {task.id} ({task.task_path}): worker {holder or '?'} went silent "
                    f"for over {int(lease().total_seconds())} s while running it, attempt "
                    f"{attempts} of {max_attempts()}; given up."
                )
                task.return_value = None
                task.save(
                    update_fields=[
                        "status",
                        "finished_at",
                        "exception_class_path",
                        "traceback",
                        "return_value",
                    ]
                )
                failed += 1
                logger.error("task %s lost by worker %s: given up", task.id, holder)
            else:
                task.status = TaskResultStatus.READY
                task.run_after = get_date_max()
                task.save(update_fields=["status", "run_after"])
                requeued += 1
                logger.warning("task %s lost by worker %s: queued again", task.id, holder)
    # a killed worker's beat is only history once its tasks are dealt with (no beat counts
    # as quiet too): kept a while for whoever looks into the crash, then dropped
    WorkerBeat.objects.filter(seen_at__lt=now - 10 * lease()).delete()
    return requeued, failed


class Heart(threading.Thread):
    """A daemon thread beating for ``worker_id`` and recovering lost tasks until ``stop``."""

    def __init__(self, *, worker_id: str) -> None:
        super().__init__(name="dossier-heart", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stop = threading.Event()
        # a third of the lease: two missed beats in a row still leave the lease unbroken
        self.every = min(30.0, lease().total_seconds() / 3)

    def once(self) -> None:
        """One beat and one look for lost tasks; failures are logged, the next turn retries."""
        try:
            beat(worker_id=self.worker_id, started_at=self.started_at)
            recover_lost_tasks()
        except Exception:
            logger.exception("worker %s: heartbeat failed", self.worker_id)

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.once()
                close_old_connections()  # this thread's own: a broken one is replaced
                self.stop.wait(self.every)
            forget(worker_id=self.worker_id)
        except Exception:
            logger.exception("worker %s: could not remove its heartbeat", self.worker_id)
        finally:
            connection.close()
