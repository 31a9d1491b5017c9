"""The database a backup reads and a restore replaces: its tables, state and a snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from dossier.backup.archive.format import BackupError


def backup_models() -> list[type[models.Model]]:
    """Every model with its own table, many-to-many tables included, by table name."""
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy and model._meta.managed:
            found.setdefault(model._meta.db_table, model)
    return [found[name] for name in sorted(found)]


def table_columns(model: type[models.Model]) -> list[str]:
    """The model's own columns, in the order a backup stores them."""
    return [str(f.column) for f in model._meta.local_concrete_fields]


def primary_key(model: type[models.Model]) -> str:
    """The column of the model's primary key (rows are read in its order)."""
    return str(model._meta.pk.column)  # type: ignore[union-attr]


def migration_state(connection: Any) -> dict[str, list[str]]:
    """The migrations applied to the database, by app."""
    state: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def require_migrated(connection: Any) -> None:
    """Refuse a database the code's migrations are not all applied to: its tables differ."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        first = plan[0][0]
        raise BackupError(
            f"The database lacks {len(plan)} migrations of this Dossier version (the first: "
            f"{first.app_label}.{first.name}). Run `dossier migrate` first."
        )


def quote_name(connection: Any, name: str) -> str:
    """A table or column name quoted for the database's SQL."""
    return str(connection.ops.quote_name(name))


def count_rows(connection: Any, table: str) -> int:
    """How many rows a table holds."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {quote_name(connection, table)}")
        return int(cursor.fetchone()[0])


@contextmanager
def snapshot(connection: Any) -> Iterator[None]:
    """One consistent read of every table, without blocking writers."""
    if connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            if not connection.savepoint_ids:  # the transaction's first statement
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.get_autocommit():
        # atomic() would BEGIN IMMEDIATE and lock writers out for the whole backup; a deferred
        # read transaction sees one snapshot (WAL) and lets them write
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                cursor.execute("COMMIT")
    else:
        yield


def database_in_use(*, using: str = "default") -> dict[str, int]:
    """Users and customers the database holds (a migrated, unused database holds none)."""
    connection = connections[using]
    counted: dict[str, type[models.Model]] = {"users": get_user_model()}
    if apps.is_installed("dossier.customers"):
        counted["customers"] = apps.get_model("customers", "Customer")
    found = {label: count_rows(connection, m._meta.db_table) for label, m in counted.items()}
    return {label: n for label, n in found.items() if n}
