"""`dossier worker`: run background tasks (profile migrations …) from the database queue."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    # Every option of django-tasks-db's db_worker works (--queue-name, --batch, --max-tasks …);
    # it refuses to start when the task backend is not the database queue.
    help = (
        "Run the background worker: it takes queued tasks (template migrations, imports …) "
        "from the database and runs them. --batch runs what is queued, then exits."
    )
