"""/healthz and /readyz: public, JSON reasons, 503 when a dependency is not ready."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dossier.ops import readiness

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_migration_answer() -> Iterator[None]:
    readiness.forget_migrations_answer()
    yield
    readiness.forget_migrations_answer()


def _checks(response: Any) -> dict[str, dict[str, str]]:
    return {check["name"]: check for check in response.json()["checks"]}


def _queue(count: int, *, age: timedelta = timedelta(0)) -> None:
    DBTaskResult.objects.bulk_create(
        DBTaskResult(
            status=TaskResultStatus.READY,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="dossier.transfer.tasks.run_uploaded_import",
            backend_name="default",
            run_after=timezone.now() - timedelta(seconds=1),
        )
        for _ in range(count)
    )
    DBTaskResult.objects.update(enqueued_at=timezone.now() - age)


def test_healthz_answers_ok_without_login_or_database() -> None:
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_is_public_and_lists_every_check_ok() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    checks = _checks(response)
    assert set(checks) == {"database", "cache", "migrations", "task_backlog"}
    assert {c["status"] for c in checks.values()} == {"ok"}
    assert all(c["reason"] for c in checks.values())


def test_readyz_answers_503_when_the_database_does_not(settings: Any) -> None:
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("host db.internal user secret")
    ):
        response = Client().get("/readyz")
    assert response.status_code == 503
    checks = _checks(response)
    assert checks["database"]["status"] == "failed"
    assert checks["database"]["reason"] == "unreachable (OperationalError)"
    assert checks["migrations"]["status"] == checks["task_backlog"]["status"] == "failed"
    assert checks["cache"]["status"] == "ok"
    # the driver's message (host, user) never reaches this public answer
    assert b"db.internal" not in response.content and b"secret" not in response.content


def test_readyz_answers_503_when_the_cache_is_unreachable() -> None:
    with mock.patch("django.core.cache.backends.locmem.LocMemCache.set", side_effect=OSError):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert _checks(response)["cache"] == {
        "name": "cache",
        "status": "failed",
        "reason": "unreachable (OSError)",
    }


def test_readyz_answers_503_while_a_migration_is_not_applied() -> None:
    recorder = MigrationRecorder(connection)
    last = recorder.migration_qs.filter(app="transfer").order_by("-id").first()
    assert last is not None
    recorder.record_unapplied("transfer", last.name)  # rolled back with the test
    response = Client().get("/readyz")
    assert response.status_code == 503
    reason = _checks(response)["migrations"]["reason"]
    assert reason.startswith("1 not applied") and f"transfer.{last.name}" in reason


def test_migration_answer_is_kept_a_few_seconds() -> None:
    with mock.patch.object(readiness, "unapplied_migrations", return_value=[]) as plan:
        for _ in range(3):
            assert readiness.check_migrations().ok
    assert plan.call_count == 1


def test_readyz_answers_503_when_the_backlog_passes_its_bound(settings: Any) -> None:
    settings.DOSSIER_READY_MAX_BACKLOG = 3
    _queue(3, age=timedelta(minutes=5))
    assert Client().get("/readyz").status_code == 200  # at the bound: still ready
    _queue(1)
    response = Client().get("/readyz")
    assert response.status_code == 503
    backlog = _checks(response)["task_backlog"]
    assert backlog["status"] == "failed"
    assert backlog["reason"].startswith("4 queued (bound 3)")


def test_tasks_scheduled_for_later_are_not_backlog(settings: Any) -> None:
    settings.DOSSIER_READY_MAX_BACKLOG = 0
    _queue(2)
    DBTaskResult.objects.update(run_after=timezone.now() + timedelta(hours=1))
    assert Client().get("/readyz").status_code == 200


def test_probes_answer_only_get() -> None:
    assert Client().post("/readyz").status_code == 405
    assert Client().post("/healthz").status_code == 405


def test_readyz_reads_and_writes_the_database_cache_table(settings: Any) -> None:
    # the test database has the table: Django's test set-up runs createcachetable, as
    # `dossier migrate` does
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dossier_cache",
        }
    }
    response = Client().get("/readyz")
    assert _checks(response)["cache"]["status"] == "ok"


def test_readyz_fails_on_a_missing_cache_table(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such"}
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert _checks(response)["cache"]["status"] == "failed"
    assert _checks(response)["cache"]["reason"].startswith("unreachable (")


def test_readyz_fails_when_redis_does_not_answer(settings: Any) -> None:
    # port 9: nothing listens (discard); connecting is refused at once
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert _checks(response)["cache"] == {
        "name": "cache",
        "status": "failed",
        "reason": "unreachable (ConnectionError)",
    }
