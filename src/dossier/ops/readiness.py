"""Readiness: the database, the cache, the migrations and the task backlog, each with a reason.

Reasons name an error's class, never its text: /readyz is public, and a driver's message can
carry a host name or a user.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from dossier.ops.selectors import queue_backlog

#: seconds the migration answer is kept: building the plan reads every migration file
MIGRATIONS_CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    """One readiness check's outcome."""

    name: str
    ok: bool
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "status": "ok" if self.ok else "failed", "reason": self.reason}


def check_database() -> Check:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means not ready; its class is the reason
        return Check("database", False, f"unreachable ({type(error).__name__})")
    return Check("database", True, "answered SELECT 1")


def check_cache() -> Check:
    key, token = "dossier:ops:readyz", uuid.uuid4().hex
    try:
        cache = caches["default"]
        cache.set(key, token, 10)
        if cache.get(key) != token:
            return Check("cache", False, "a value written was not read back")
    except Exception as error:
        return Check("cache", False, f"unreachable ({type(error).__name__})")
    return Check("cache", True, "wrote and read a value")


_migrations_lock = threading.Lock()
_migrations_answer: tuple[float, list[str]] | None = None


def unapplied_migrations() -> list[str]:
    """Migrations on disk not yet applied to the database ("app.name")."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def forget_migrations_answer() -> None:
    """Drop the kept answer (after migrating, and in tests)."""
    global _migrations_answer
    with _migrations_lock:
        _migrations_answer = None


def check_migrations() -> Check:
    global _migrations_answer
    with _migrations_lock:
        now = time.monotonic()
        if _migrations_answer is None or now - _migrations_answer[0] > MIGRATIONS_CHECK_SECONDS:
            try:
                _migrations_answer = (now, unapplied_migrations())
            except Exception as error:
                return Check("migrations", False, f"unreadable ({type(error).__name__})")
        pending = _migrations_answer[1]
    if pending:
        shown = ", ".join(pending[:5]) + (" …" if len(pending) > 5 else "")
        return Check("migrations", False, f"{len(pending)} not applied: {shown}")
    return Check("migrations", True, "all applied")


def check_backlog() -> Check:
    bound = settings.DOSSIER_READY_MAX_BACKLOG
    try:
        backlog = queue_backlog()
    except Exception as error:
        return Check("task_backlog", False, f"unreadable ({type(error).__name__})")
    figures = f"{backlog.depth} queued (bound {bound}), oldest {backlog.oldest_age_seconds:.0f}s"
    return Check("task_backlog", backlog.depth <= bound, figures)


def readiness() -> list[Check]:
    """Every check; those that read the database are skipped when it does not answer."""
    database = check_database()
    checks = [database, check_cache()]
    if database.ok:
        return [*checks, check_migrations(), check_backlog()]
    skipped = "skipped: the database does not answer"
    return [*checks, Check("migrations", False, skipped), Check("task_backlog", False, skipped)]
