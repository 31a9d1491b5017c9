"""A database made before the audit log moved to its own app migrates and reads back."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dossier.audit.models import AuditEvent

BEFORE_THE_MOVE = [("privacy", "0004_audit_actions_for_lowered_classification"), ("audit", None)]


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_audit_events_written_by_the_old_layout_survive_the_move(transactional_db: Any) -> None:
    _migrate(BEFORE_THE_MOVE)
    # the old layout's table, written as the privacy app wrote it
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO privacy_auditevent (at, actor_name, action, object_type, object_id,"
            " changes, reason, user_agent) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            ["2026-01-02T03:04:05+00:00", "zhou.min", "login", "user", "7", "{}", "", "curl"],
        )
    executor = MigrationExecutor(connection)
    assert ("audit", "0001_initial") not in executor.loader.applied_migrations
    _migrate(executor.loader.graph.leaf_nodes())
    event = AuditEvent.objects.get(actor_name="zhou.min")
    assert (event.action, event.object_id, event.user_agent) == ("login", "7", "curl")
    assert AuditEvent._meta.db_table == "privacy_auditevent"
    assert ("audit", "0001_initial") in MigrationExecutor(connection).loader.applied_migrations
