"""Titles stored in plain text before they were encrypted are sealed by the migration, and
going back opens them again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dossier.followups.models import Task

PLAIN = ("followups", "0002_task_times_and_due_index")
SEALED = ("followups", "0003_encrypt_task_title")
WORDS = ["给张三回电 13800138000", "回访：李四的维修", ""]


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _stored() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM followups_task ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_plain_titles_are_sealed_and_unsealed(
    transactional_db: Any, make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> None:
    customer = make_customer(make_user("wu.gang"))
    _migrate(PLAIN)
    with connection.cursor() as cursor:
        for title in WORDS:
            cursor.execute(
                "INSERT INTO followups_task (customer_id, title, due_at, status, cause_kind,"
                " cause_id, created_at) VALUES (%s, %s, %s, 'open', '', '', %s)",
                [customer.pk.hex, title, "2026-03-04T05:06:07+00:00", "2026-03-01T00:00:00+00:00"],
            )
    assert _stored() == WORDS
    _migrate(SEALED)
    stored = _stored()
    assert all(word not in raw for word, raw in zip(WORDS[:2], stored[:2], strict=True))
    assert stored[2] == ""
    assert list(Task.objects.order_by("id").values_list("title", flat=True)) == WORDS
    _migrate(PLAIN)
    assert _stored() == WORDS
    _migrate(SEALED)
    assert list(Task.objects.order_by("id").values_list("title", flat=True)) == WORDS
