"""What the operations endpoints read from the database: the task queue, imports, webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dossier.transfer.models import ImportRun
from dossier.webhooks.models import Delivery


@dataclass(frozen=True)
class QueueBacklog:
    """Tasks waiting for a worker, per queue, and how long the oldest has waited."""

    depth_by_queue: dict[str, int]
    oldest_age_seconds: float

    @property
    def depth(self) -> int:
        return sum(self.depth_by_queue.values())


def queue_backlog(*, now: datetime | None = None) -> QueueBacklog:
    """The database backend's queued tasks that are due (scheduled ones not yet)."""
    now = now or timezone.now()
    due = DBTaskResult.objects.ready()
    rows = due.values("queue_name").annotate(n=Count("id"), oldest=Min("enqueued_at"))
    depth = {row["queue_name"]: row["n"] for row in rows}
    oldest = min((row["oldest"] for row in rows if row["oldest"]), default=None)
    age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    return QueueBacklog(depth_by_queue=depth, oldest_age_seconds=age)


@dataclass(frozen=True)
class ImportSpeed:
    """Running imports: how many, their rows done, and their rows per second together."""

    running: int
    rows_done: int
    rows_per_second: float


def import_speed(*, now: datetime | None = None) -> ImportSpeed:
    """Rows per second of the imports running now: each run's rows over its time so far."""
    now = now or timezone.now()
    runs = ImportRun.objects.filter(status=ImportRun.RUNNING, started_at__isnull=False)
    speed, done, count = 0.0, 0, 0
    for rows, started_at in runs.values_list("rows", "started_at"):
        count += 1
        done += rows
        elapsed = (now - started_at).total_seconds() if started_at else 0.0
        if elapsed > 0:
            speed += rows / elapsed
    return ImportSpeed(running=count, rows_done=done, rows_per_second=speed)


def webhook_deliveries_by_status() -> dict[str, int]:
    """Webhook deliveries per status (``failed``: given up after the last attempt)."""
    counts = {status: 0 for status in Delivery.Status.values}
    for row in Delivery.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
