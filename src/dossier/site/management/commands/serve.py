"""`dossier serve`: run the web server (gunicorn worker processes), optionally the task worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

DATABASE_QUEUE = "django_tasks_db.DatabaseBackend"


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """Worker processes: one per core, at least two. Each runs several threads, which cover
    the waits on the database; more processes than cores only fight over them (bench/load_serve
    on two shared cores: 70–73 req/s with 2 workers, 36–50 with 4)."""
    return max(2, cores())


def gunicorn_command(
    *, host: str, port: int, workers: int, threads: int, reload: bool = False
) -> list[str]:
    """The command line that starts gunicorn on Dossier's WSGI application."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "dossier.wsgi:application",
        f"--bind={address}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        "--timeout=60",  # a worker silent this long (stuck request) is restarted
        "--graceful-timeout=20",
        "--no-control-socket",  # one path per user: a second server would take it over
    ]
    return [*command, "--reload"] if reload else command


def worker_command() -> list[str]:
    """The command line that starts the background task worker."""
    return [sys.executable, "-m", "dossier.cli", "worker"]


def child_environment(*, threads: int) -> dict[str, str]:
    """The environment of gunicorn's processes: pool sized to the threads, assets collected."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "dossier.settings"),
        # a thread holds at most one connection: a bigger pool would only idle
        "DOSSIER_DB_POOL_SIZE": str(threads),
        "DOSSIER_STATIC_COLLECTED": "1",
    }


class Command(BaseCommand):
    help = (
        "Serve Dossier over HTTP (pages, API and static assets) with gunicorn: several worker "
        "processes of several threads each. For the internet, put it behind a reverse proxy "
        "that terminates HTTPS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Worker processes (default: one per CPU core, at least two; here %(default)s).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="Threads per worker process, each with at most one database connection "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run `dossier worker` (background tasks), stopped with the server.",
        )
        parser.add_argument(
            "--reload", action="store_true", help="Restart when the code changes (development)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        workers, threads = options["workers"], options["threads"]
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be 1 or more.")
        with_worker = options["with_worker"]
        if with_worker and settings.TASKS["default"]["BACKEND"] != DATABASE_QUEUE:
            raise CommandError(
                "--with-worker needs the database task queue (DOSSIER_TASK_BACKEND unset or "
                f"{DATABASE_QUEUE})."
            )
        self._warn(host, workers * threads + (2 if with_worker else 0))
        # gzipped copies too; the workers then serve them from STATIC_ROOT alone
        call_command("collectstatic", interactive=False, verbosity=0)
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(
            f"Serving http://{shown}:{port} with {workers} worker processes × {threads} threads"
            + (" and the task worker" if with_worker else "")
            + ". Ctrl-C stops."
        )
        environment = child_environment(threads=threads)
        commands = {
            "web server": (
                gunicorn_command(
                    host=host,
                    port=port,
                    workers=workers,
                    threads=threads,
                    reload=options["reload"],
                ),
                environment,
            )
        }
        if with_worker:
            commands["task worker"] = (
                worker_command(),
                # one connection for the queue, one for the clock's jobs (see site/clock.py)
                {**environment, "DOSSIER_DB_POOL_SIZE": "2"},
            )
        self._supervise(commands)

    def _warn(self, host: str, connections: int) -> None:
        warn = self.stderr.write
        if not os.environ.get("DOSSIER_SECRET_KEY"):
            warn(
                self.style.WARNING(
                    "DOSSIER_SECRET_KEY is not set: sessions and development encryption keys "
                    "use a public default. Set it (and DOSSIER_KEYS) before real data goes in."
                )
            )
        allowed = settings.ALLOWED_HOSTS
        if host not in allowed and "*" not in allowed:
            warn(
                self.style.WARNING(
                    f"Allowed host names are {', '.join(allowed) or 'none'}: browsers reaching "
                    f"this server by another name are refused (set DOSSIER_ALLOWED_HOSTS)."
                )
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW max_connections")
                limit = int(cursor.fetchone()[0])
            if connections > limit:
                warn(
                    self.style.WARNING(
                        f"Workers × threads may open {connections} database connections; the "
                        f"PostgreSQL server allows {limit}. Lower --workers or --threads."
                    )
                )

    def _supervise(self, commands: dict[str, tuple[list[str], dict[str, str]]]) -> None:
        """Start every child; when one ends or a stop signal comes, stop them all."""
        connection.close()  # the children open their own
        if connection.vendor == "postgresql":
            connection.close_pool()  # type: ignore[attr-defined]  # PostgreSQL's wrapper has it
        stopping: list[int] = []

        def stop(number: int, _frame: Any) -> None:
            stopping.append(number)

        previous = {n: signal.signal(n, stop) for n in (signal.SIGINT, signal.SIGTERM)}
        children = {name: subprocess.Popen(cmd, env=env) for name, (cmd, env) in commands.items()}
        ended: list[tuple[str, int]] = []
        try:
            while not stopping and not ended:
                time.sleep(0.2)
                ended = [(n, c.returncode) for n, c in children.items() if c.poll() is not None]
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()  # gunicorn and the worker both stop gracefully on SIGTERM
            for child in children.values():
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            for number, handler in previous.items():
                signal.signal(number, handler)
        if ended and not stopping:
            name, code = ended[0]
            raise CommandError(
                f"The {name} stopped (exit code {code}), so everything was stopped.",
                returncode=code or 1,
            )
