"""`dossier worker`: run background tasks (profile migrations …) from the database queue, and
the clock's jobs (announcing due follow-up tasks) every minute."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from dossier.ops.workers import Heart
from dossier.site.clock import JOBS, Clock, run_job


class Command(DatabaseWorker):
    # Every option of django-tasks-db's db_worker works (--queue-name, --batch, --max-tasks …);
    # it refuses to start when the task backend is not the database queue.
    help = (
        "Run the background worker: it takes queued tasks (template migrations, imports …) "
        "from the database and runs them, and every minute announces follow-up tasks that "
        "fell due (task.due). A task whose worker went silent for DOSSIER_WORKER_LEASE_SECONDS "
        "is queued again. --batch runs what is queued and the clock's jobs once, then exits."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-clock",
            action="store_true",
            help="Do not run the clock's jobs (another worker, or cron, runs them).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # the heartbeat runs even without the clock: it is what lets another worker tell this
        # one's tasks from a killed worker's (dossier.ops.workers)
        heart = Heart(worker_id=options["worker_id"])
        heart.once()  # a killed worker's tasks are queued again before this one looks
        heart.start()
        clock = None
        if not options.pop("no_clock"):
            if options["batch"]:
                for job in JOBS:
                    run_job(job)
            else:
                clock = Clock()
                clock.start()
        try:
            super().handle(*args, **options)
        finally:
            if clock is not None:
                clock.stop.set()
            heart.stop.set()
            heart.join(timeout=10)
