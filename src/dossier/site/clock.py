"""Jobs the background worker runs on a clock, beside the queued tasks.

django-tasks runs what is queued; nothing in it repeats. ``dossier worker`` starts a
:class:`Clock` thread that runs each job of :data:`JOBS` every ``every`` seconds (and
``dossier worker --batch`` runs each once, so cron can drive it where no worker runs).
Jobs must be safe to run in several workers at once: each takes its own row locks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connection

from dossier.capture.services import expire_pending
from dossier.followups.services import announce_due_tasks
from dossier.insights.birthdays import plan_birthday_greetings
from dossier.insights.nightly import run_nightly
from dossier.loyalty.tasks import nightly_loyalty
from dossier.outreach.sending import run_clock as outreach_clock
from dossier.pipeline.stale import flag_stale_opportunities
from dossier.quality.tasks import run_nightly as refresh_quality_nightly
from dossier.transfer.tasks import resume_stalled_imports
from dossier.transfer.uploads import forget_old_import_data, sweep_old_drafts
from dossier.webhooks.services.delivery import deliver_due

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """Something to do every ``every`` seconds."""

    name: str
    every: float
    run: Callable[[], Any]


def _announce_all_due() -> int:
    total = 0
    while announced := announce_due_tasks():
        total += announced
    return total


#: what the worker's clock runs
JOBS: tuple[Job, ...] = (
    Job("task.due", 60.0, _announce_all_due),
    # retries whose queued task was lost (a worker stopped): the queue is the usual path
    Job("webhooks.due", 60.0, deliver_due),
    # a quiet opportunity gets its follow-up within the hour it goes stale
    Job("pipeline.stale", 3600.0, flag_stale_opportunities),
    # an import whose worker was killed goes on from its last committed batch
    Job("imports.resume", 30.0, resume_stalled_imports),
    Job("imports.drafts", 3600.0, sweep_old_drafts),
    # failed rows' values and undo data are personal data: kept 30 days after a run ends
    Job("imports.forget", 3600.0, forget_old_import_data),
    # RFM, churn risk, lifetime value and grades, segment sizes, rule-kept tags: looked at
    # hourly, refreshed once a day
    Job("insights.nightly", 3600.0, run_nightly),
    # points earned on last week's orders, taken back for refunds, lapsed; tiers (each step is
    # idempotent, so an hourly run only catches up)
    Job("loyalty.points", 3600.0, nightly_loyalty.call),
    # birthday greeting tasks (once a year per customer: an hourly look is harmless)
    Job("insights.birthdays", 3600.0, plan_birthday_greetings),
    # what a capture-form visitor typed is forgotten once their code ran out unconfirmed
    Job("capture.expire", 600.0, expire_pending),
    # self-service update campaigns: the one reminder when due, closing when the window ends
    Job("outreach.reminders", 3600.0, outreach_clock),
    # completeness and freshness of every record (time alone ages them): once a day
    Job("quality.nightly", 3600.0, refresh_quality_nightly),
)


def run_job(job: Job) -> bool:
    """Run one job; a failure is logged (the next turn tries again), never raised."""
    try:
        job.run()
        return True
    except Exception:
        logger.exception("clock job %s failed", job.name)
        return False


class Clock(threading.Thread):
    """A daemon thread running each job on its period until ``stop`` is set."""

    def __init__(self, jobs: Sequence[Job] = JOBS) -> None:
        super().__init__(name="dossier-clock", daemon=True)
        self.jobs = list(jobs)
        self.stop = threading.Event()

    def run(self) -> None:
        due = dict.fromkeys((job.name for job in self.jobs), 0.0)
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                for job in self.jobs:
                    if now >= due[job.name]:
                        run_job(job)
                        close_old_connections()  # as after a request: stale ones go
                        due[job.name] = time.monotonic() + job.every
                wait = min(due.values(), default=now + 60) - time.monotonic()
                self.stop.wait(max(0.0, wait))
        finally:
            connection.close()  # this thread's own connection, back to the pool
