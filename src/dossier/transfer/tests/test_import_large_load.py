"""A large first load into PostgreSQL builds the search indexes once after it, and never
leaves them missing: not after an error, not after a process killed mid-load."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import override_settings

from dossier.customers import search_index
from dossier.customers.models import Customer
from dossier.templates.models import Template
from dossier.transfer import services
from dossier.transfer.importing.engine import Progress
from dossier.transfer.importing.plan import ImportOptions
from dossier.transfer.models import ImportRun
from dossier.transfer.tests.import_helpers import import_file, member_row, write_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the search indexes are PostgreSQL's GIN"
    ),
]
NAMES = [name for name, _statement in search_index.POSTGRES_INDEXES]


def _valid_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = ANY(%s) AND i.indisvalid",
            [NAMES],
        )
        return {row[0] for row in cursor.fetchall()}


class Stop(Exception):
    pass


def _import(
    actor: User, template: Template, path: Path, progress: Progress, **options: Any
) -> ImportRun:
    run = services.start_import(
        actor=actor,
        template=template,
        path=path,
        file_name=path.name,
        options=ImportOptions(**options),
        language="en",
    )
    return services.execute_import(run=run, path=path, progress=progress)


@override_settings(DOSSIER_LOAD_REBUILD_ROWS=10, DOSSIER_IMPORT_PROCESSES=1)
def test_a_large_load_drops_the_search_indexes_and_builds_them_after(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "members.csv", [member_row(n) for n in range(1, 31)])
    during: list[set[str]] = []
    run = _import(
        sales_user, member_template, path, lambda done, total: during.append(_valid_indexes()),
        mode="create", batch_rows=10,
    )  # fmt: skip
    assert run.created == 30
    assert during and all(found == set() for found in during)
    assert _valid_indexes() == set(NAMES)
    found = search_index.matching(Customer.objects.all(), "客户1")
    assert found.count() == 11  # 客户1, 客户10 … 客户19


@override_settings(DOSSIER_LOAD_REBUILD_ROWS=10, DOSSIER_IMPORT_PROCESSES=1)
def test_the_indexes_come_back_when_the_load_fails(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "members.csv", [member_row(n) for n in range(1, 31)])

    def stop(done: int, total: int | None) -> None:
        raise Stop

    with pytest.raises(Stop):
        _import(sales_user, member_template, path, stop, mode="create", batch_rows=10)
    assert _valid_indexes() == set(NAMES)


@override_settings(DOSSIER_LOAD_REBUILD_ROWS=10, DOSSIER_IMPORT_PROCESSES=1)
def test_a_small_load_into_a_larger_table_keeps_the_indexes(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "first.csv", [member_row(n) for n in range(1, 41)])
    import_file(sales_user, member_template, first, mode="create")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")  # the table's size, as autovacuum keeps it
    second = write_csv(tmp_path / "second.csv", [member_row(n) for n in range(41, 61)])
    during: list[set[str]] = []
    run = _import(
        sales_user, member_template, second, lambda done, total: during.append(_valid_indexes()),
        mode="create", batch_rows=10,
    )  # fmt: skip
    assert run.created == 20
    assert during and all(found == set(NAMES) for found in during)


def test_an_import_rebuilds_indexes_a_killed_load_left_missing(
    sales_user: User, member_template: Template, tmp_path: Path
) -> None:
    with connection.cursor() as cursor:  # what a process killed mid-load leaves behind
        cursor.execute(f"DROP INDEX {NAMES[0]}")
    path = write_csv(tmp_path / "members.csv", [member_row(1)])
    import_file(sales_user, member_template, path, mode="create")
    assert _valid_indexes() == set(NAMES)


@override_settings(DOSSIER_LOAD_REBUILD_ROWS=10)
def test_a_load_keeps_the_indexes_when_a_reader_holds_the_table() -> None:
    holding, release = threading.Event(), threading.Event()

    def reader() -> None:  # another session in a long transaction that read customers
        with transaction.atomic():
            list(Customer.objects.values_list("pk")[:1])
            holding.set()
            release.wait(30)
        connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert holding.wait(30)
        with search_index.deferred_for_load(1000) as deferred:
            assert deferred is False
            assert _valid_indexes() == set(NAMES)
    finally:
        release.set()
        thread.join()
