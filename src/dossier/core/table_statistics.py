"""Keeping PostgreSQL's table statistics in step with bulk writes.

PostgreSQL plans each query from its tables' statistics and keeps some plans for the life
of a connection — among them the foreign-key check every inserted row runs. A pooled
connection that first checked a key while the table was nearly empty keeps a sequential
scan, and goes on reading the whole table for every new row while the table grows to
millions (a bulk order sync spent 3 s of server CPU a call on it). ``ANALYZE`` refreshes
the statistics and, with them, every session's cached plans. Autovacuum runs it as tables
grow; where autovacuum is off or behind a burst of bulk writes it never comes, so the
bulk-write seam (:mod:`dossier.core.bulk_insert`) counts the rows it adds to each table and
analyzes a table after the commit once it has doubled since it was last measured —
PostgreSQL's own advice after a bulk load ("run ANALYZE afterwards").

Per process and approximate on purpose: a plan only goes wrong when the statistics are off
by orders of magnitude, so a doubling is measured soon enough, and a table of a million
rows is analyzed a handful of times while it is filled, not on every batch.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

#: a table is analyzed once the rows added since it was measured reach this share of its size
GROWTH = 1.0
#: … and at least this many rows (small tables are planned well enough by their page count)
FLOOR = 1000

_added: dict[str, int] = {}  # table → rows this process added since it was last measured
_size: dict[str, float] = {}  # table → its rows when last measured (the planner's reltuples)


def note_rows_added(table: str, count: int) -> None:
    """Count rows just inserted into ``table``; analyze it after the commit if it grew enough.

    No query here (a batch's statements stay what they were): a table this process has not
    measured yet counts as empty until its first threshold, then it is measured after the
    commit, and analyzed only if it really doubled.
    """
    if count <= 0 or connection.vendor != "postgresql":
        return
    if not getattr(settings, "DOSSIER_ANALYZE_AFTER_GROWTH", True):
        return
    added = _added.get(table, 0) + count
    if added < _threshold(_size.get(table, 0.0)):
        _added[table] = added
        return
    # counted as done now: rows of a transaction that rolls back never grew the table
    _added[table] = 0
    # robust: the rows are committed; statistics that could not be refreshed fail nothing
    transaction.on_commit(lambda: _after_growth(table, added), robust=True)


def forget_counts() -> None:
    """Start counting afresh (tests; a new database)."""
    _added.clear()
    _size.clear()


def _threshold(size: float) -> float:
    return max(FLOOR, size * GROWTH)


def _after_growth(table: str, added: int) -> None:
    if table not in _size:
        _size[table] = _measured(table)
        if added < _threshold(_size[table]):  # a large table met for the first time
            _added[table] = _added.get(table, 0) + added
            return
    # SKIP_LOCKED: another process analyzing it (or a vacuum) already does the work. The
    # columns queries select by (those of its b-tree indexes): the size is measured all the
    # same, and wide text, JSON and expression indexes are skipped (a full ANALYZE of a
    # million customers evaluates the search index's function 30,000 times: 8 s against 1 s)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in _indexed_columns(table))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE (SKIP_LOCKED) {quote(table)} ({columns})")
    _size[table] = _measured(table)


def _indexed_columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT a.attname FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indrelid = to_regclass(%s) AND am.amname = 'btree' ORDER BY 1",
            [table],
        )
        return [str(row[0]) for row in cursor.fetchall()] or ["id"]


def _measured(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    # -1: never analyzed; None: no such table (both count as empty)
    return max(float(row[0]), 0.0) if row and row[0] is not None else 0.0
