"""Bulk writes keep PostgreSQL's statistics (and with them its cached plans) in step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from dossier.activity.models import TimelineEntry
from dossier.core import roles, table_statistics
from dossier.core.bulk_insert import insert_rows

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics"),
]

WHEN = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
COLUMNS = ("customer_id", "kind", "object_id", "occurred_at", "summary", "created_at")
TABLE = TimelineEntry._meta.db_table


@pytest.fixture(autouse=True)
def fresh_counts() -> Iterator[None]:
    table_statistics.forget_counts()
    yield
    table_statistics.forget_counts()


@pytest.fixture
def customer(make_user: Any, make_customer: Any) -> Any:
    return make_customer(make_user("owner", roles.SALES))


def _rows(customer: Any, start: int, count: int) -> list[tuple[Any, ...]]:
    return [(customer.pk, "note", f"n-{n}", WHEN, {}, WHEN) for n in range(start, start + count)]


def _planned_rows() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [TABLE])
        return float(cursor.fetchone()[0])


def _analyzes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]


def test_a_table_grown_past_the_floor_is_analyzed_after_the_commit(
    customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    table_statistics._size[TABLE] = 0.0  # measured empty (another test's ANALYZE outlives it)
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 0, table_statistics.FLOOR + 10))
        assert _analyzes(queries) == []  # not inside the writing transaction
    assert len(callbacks) == 1
    [analyze] = _analyzes(queries)
    # the columns queries select by, not the JSON summary
    assert analyze.startswith(f'ANALYZE (SKIP_LOCKED) "{TABLE}" (') and '"summary"' not in analyze
    assert '"id"' in analyze and '"customer_id"' in analyze
    # the planner now knows the rows (the test's own transaction counts them as live)
    assert _planned_rows() == pytest.approx(table_statistics.FLOOR + 10, rel=0.05)


def test_small_batches_are_counted_until_the_table_has_doubled(
    customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    step = table_statistics.FLOOR // 4
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for n in range(3):
            insert_rows(TimelineEntry, COLUMNS, _rows(customer, n * step, step))
    assert callbacks == []  # 750 rows: below the floor
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 3 * step, step))
    assert len(callbacks) == 1  # the fourth batch reached it
    # after that the threshold is the size it measured (ANALYZE's counts outlive a test's
    # rollback, so another test may have left one), less what it still counts
    size = table_statistics._size[TABLE]
    pending = table_statistics._added.get(TABLE, 0)
    grown = int(max(table_statistics.FLOOR, size * table_statistics.GROWTH)) - pending
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 10_000, grown - 1))
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 20_000, 1))
    assert len(callbacks) == 1


def test_the_setting_turns_it_off(
    customer: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.DOSSIER_ANALYZE_AFTER_GROWTH = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 0, table_statistics.FLOOR + 10))
    assert callbacks == []


def test_a_large_table_met_for_the_first_time_is_measured_not_analyzed(
    customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    table_statistics._size.pop(TABLE, None)
    with connection.cursor() as cursor:  # the planner believes the table holds 100,000 rows
        cursor.execute("UPDATE pg_class SET reltuples = 100000 WHERE relname = %s", [TABLE])
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 0, table_statistics.FLOOR))
    assert _analyzes(queries) == []  # 1,000 rows do not double 100,000
    assert table_statistics._size[TABLE] == 100_000
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 10_000, 98_000))
    assert _analyzes(queries) == []  # 99,000 in all: not yet
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 200_000, 1_000))
    assert len(_analyzes(queries)) == 1  # 100,000 added: analyzed


def test_statistics_that_cannot_be_refreshed_fail_nothing(
    customer: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    def refused(table: str) -> str:
        raise DatabaseError("permission denied")

    monkeypatch.setattr(table_statistics, "_indexed_columns", refused)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        insert_rows(TimelineEntry, COLUMNS, _rows(customer, 0, table_statistics.FLOOR + 10))
    assert len(callbacks) == 1  # it ran, raised, and the write stands
    assert TimelineEntry.objects.count() == table_statistics.FLOOR + 10
