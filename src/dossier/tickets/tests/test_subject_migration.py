"""Subjects stored in plain text before they were encrypted are sealed by the migration, and
going back opens them again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dossier.tickets.models import Ticket

PLAIN = ("tickets", "0001_initial")
SEALED = ("tickets", "0002_encrypt_ticket_subject")
WORDS = ["张三 13800138000 屏幕碎裂", "空调不制冷", ""]
WHEN = "2026-03-04T05:06:07+00:00"


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _stored() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject FROM tickets_ticket ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _subjects() -> list[str]:
    return list(Ticket.objects.order_by("id").values_list("subject", flat=True))


def test_plain_subjects_are_sealed_and_unsealed(
    transactional_db: Any, make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> None:
    customer = make_customer(make_user("wu.gang"))
    _migrate(PLAIN)
    with connection.cursor() as cursor:
        for subject in WORDS:
            cursor.execute(
                "INSERT INTO tickets_ticket (customer_id, subject, description, status, priority,"
                " due_at, product_ref, order_ref, created_at, updated_at)"
                " VALUES (%s, %s, '', 'new', 'normal', %s, '', '', %s, %s)",
                [customer.pk.hex, subject, WHEN, WHEN, WHEN],
            )
    assert _stored() == WORDS
    _migrate(SEALED)
    stored = _stored()
    assert all(word not in raw for word, raw in zip(WORDS[:2], stored[:2], strict=True))
    assert stored[2] == ""
    assert _subjects() == WORDS
    _migrate(PLAIN)
    assert _stored() == WORDS
    _migrate(SEALED)
    assert _subjects() == WORDS
