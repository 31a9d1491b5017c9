"""insert_rows: the rows land as the ORM would have written them, and clashes are errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from dossier.activity.models import TimelineEntry
from dossier.core import roles
from dossier.core.bulk_insert import insert_rows

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 1, 8, 30, 15, 250000, tzinfo=UTC)
COLUMNS = ("customer_id", "kind", "object_id", "occurred_at", "summary", "created_at")


@pytest.fixture
def customer(make_user: Any, make_customer: Any) -> Any:
    return make_customer(make_user("owner", roles.SALES))


def test_rows_come_back_as_written_in_one_statement(customer: Any) -> None:
    rows = [
        (customer.pk, "order", f"o-{n}", WHEN, {"total": "12.50", "名": "订单\t\\n"}, WHEN)
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(TimelineEntry, COLUMNS, rows)
    assert len(queries) == 1
    stored = list(TimelineEntry.objects.order_by("object_id"))
    assert [e.object_id for e in stored] == ["o-0", "o-1", "o-2"]
    assert all(e.customer_id == customer.pk for e in stored)
    assert all(e.occurred_at == WHEN and e.created_at == WHEN for e in stored)
    assert stored[0].summary == {"total": "12.50", "名": "订单\t\\n"}


def test_a_unique_value_taken_is_an_integrity_error_and_nothing_of_the_batch_stays(
    customer: Any,
) -> None:
    insert_rows(TimelineEntry, COLUMNS, [(customer.pk, "order", "o-1", WHEN, {}, WHEN)])
    clash = [(customer.pk, "order", f"o-{n}", WHEN, {}, WHEN) for n in (2, 1)]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(TimelineEntry, COLUMNS, clash)
    assert list(TimelineEntry.objects.values_list("object_id", flat=True)) == ["o-1"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY text is PostgreSQL's")
def test_copy_text_lines_come_back_as_written(customer: Any) -> None:
    from dossier.core.bulk_insert import copy_line, copy_text, text_preparers

    hostile = "tab\there, new\nline, return\r, back\\slash, \\N, 订单"
    values = (customer.pk, "order", hostile, WHEN, {"名": hostile, "n": None}, WHEN)
    prepared = [p(v) for p, v in zip(text_preparers(TimelineEntry, COLUMNS), values, strict=True)]
    second = list(prepared)
    second[2] = None  # object_id NULL is refused: the line's \N must reach the server as NULL
    copy_text(TimelineEntry, COLUMNS, copy_line(prepared) + "\n")
    stored = TimelineEntry.objects.get()
    assert stored.object_id == hostile
    assert stored.summary == {"名": hostile, "n": None}
    assert stored.occurred_at == WHEN and stored.customer_id == customer.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_text(TimelineEntry, COLUMNS, copy_line(second) + "\n")
