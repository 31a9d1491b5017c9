"""The name search index: one seam, one implementation per database.

A search matches customers whose ``search_text`` contains the query (as ``LIKE '%q%'`` did),
but through an index, so that a search finds few or no rows among a million just as fast
as one that finds many:

PostgreSQL
    A pg_trgm GIN index on ``search_text`` answers queries of 3+ characters; a GIN index on
    ``dossier_short_tokens(search_text)`` (every 1- and 2-character piece of each word, an
    immutable SQL function) answers 1–2 character ones, such as most Chinese given names.
    Both are expression indexes kept by the database: nothing to maintain here.
SQLite
    An FTS5 table with the trigram tokenizer answers 3+ characters; a token table
    (token, customer_id) with the same 1–2 character pieces answers the rest. Both are kept
    in step by :func:`index_customers`, which every service that writes ``search_text``
    calls (and :func:`forget` when rows are deleted for good).

Migration ``0002_search_index`` creates both and fills them from the existing rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

SHORT = 2  # queries up to this many characters use the token index
_TABLE = "customers_customer"
FTS_TABLE = "customers_search_fts"
DOC_TABLE = "customers_search_doc"
TOKEN_TABLE = "customers_search_token"

# -- schema (used by the migration) -------------------------------------------------------

#: the GIN indexes (name, statement); a large first load drops them and builds them after
POSTGRES_INDEXES = [
    (
        "customer_search_trgm",
        f"CREATE INDEX IF NOT EXISTS customer_search_trgm ON {_TABLE} "
        "USING gin (search_text gin_trgm_ops)",
    ),
    (
        "customer_search_short",
        f"CREATE INDEX IF NOT EXISTS customer_search_short ON {_TABLE} "
        "USING gin (dossier_short_tokens(search_text))",
    ),
]
#: every 1- and 2-character piece of each space-separated word (repeats included: the GIN
#: index and ANALYZE count each piece once a row). PL/pgSQL, not SQL: the index evaluates it
#: for every row written, and an SQL function with a query runs an executor per call (a
#: third of the index's cost; 75 → 50 µs a row in a COPY of customers)
SHORT_TOKENS_FUNCTION = """
    CREATE OR REPLACE FUNCTION dossier_short_tokens(t text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT COST 200 AS $$
    DECLARE
      tokens text[] := array_remove(string_to_array(t, NULL), ' ');
      piece text;
    BEGIN
      FOR i IN 1 .. length(t) - 1 LOOP
        piece := substr(t, i, 2);
        IF strpos(piece, ' ') = 0 THEN
          tokens := tokens || piece;
        END IF;
      END LOOP;
      RETURN tokens;
    END
    $$
"""
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    SHORT_TOKENS_FUNCTION,
    # finer statistics of the column: the planner then tells a piece found in 2 % of the rows
    # (walk the newest rows) from one found in a few (read the index)
    f"ALTER TABLE {_TABLE} ALTER COLUMN search_text SET STATISTICS 1000",
    *(statement for _name, statement in POSTGRES_INDEXES),
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS customer_search_short",
    "DROP INDEX IF EXISTS customer_search_trgm",
    "DROP FUNCTION IF EXISTS dossier_short_tokens(text)",
    f"ALTER TABLE {_TABLE} ALTER COLUMN search_text SET STATISTICS -1",
]
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, tokenize='trigram')",
    # the FTS row of each customer (an FTS5 rowid is an integer, a customer id a UUID)
    f"""CREATE TABLE IF NOT EXISTS {DOC_TABLE} (
        rowid INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id char(32) NOT NULL UNIQUE REFERENCES {_TABLE}(id) ON DELETE CASCADE
    )""",
    f"""CREATE TABLE IF NOT EXISTS {TOKEN_TABLE} (
        token TEXT NOT NULL,
        customer_id char(32) NOT NULL REFERENCES {_TABLE}(id) ON DELETE CASCADE,
        PRIMARY KEY (token, customer_id)
    ) WITHOUT ROWID""",
    f"CREATE INDEX IF NOT EXISTS {TOKEN_TABLE}_customer ON {TOKEN_TABLE}(customer_id)",
]
SQLITE_DROP = [
    f"DROP TABLE IF EXISTS {TOKEN_TABLE}",
    f"DROP TABLE IF EXISTS {DOC_TABLE}",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def short_tokens(text: str) -> set[str]:
    """Every 1- and 2-character piece of each word of ``text`` (as ``dossier_short_tokens``)."""
    tokens: set[str] = set()
    for word in text.split(" "):
        for size in (1, 2):
            tokens.update(word[i : i + size] for i in range(len(word) - size + 1))
    return tokens


# -- queries --------------------------------------------------------------------------------


def _needs_scan(text: str) -> bool:
    # LIKE wildcards in the query itself: too rare to index, matched the plain way
    return any(c in text for c in "%_\\")


def matching(queryset: QuerySet[Any], text: str) -> QuerySet[Any]:
    """The customers of ``queryset`` whose search text contains ``text`` (or, when it holds
    spaces, ``text`` without them), through the database's index."""
    return queryset.filter(match(text)[0])


def match(text: str) -> tuple[Q, bool]:
    """The condition of :func:`matching`, and whether the index found the matching customers
    few (a list of ids or an index's rows; False when found in many, tested row by row)."""
    variants = list(dict.fromkeys([text, text.replace(" ", "")]))
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite") or any(_needs_scan(v) for v in variants):
        return _contains_any(variants), False
    condition, few = Q(), True
    for variant in variants:
        found, found_few = _postgres(variant) if vendor == "postgresql" else _sqlite(variant)
        condition |= found
        few = few and found_few
    return condition, few


def _contains_any(variants: list[str]) -> Q:
    condition = Q()
    for variant in variants:
        condition |= Q(search_text__contains=variant)
    return condition


def _postgres(text: str) -> tuple[Q, bool]:
    if len(text) > SHORT:
        # The trigram index finds the rows (up to PREFETCH of them), then the page is read by id.
        # Left to itself, the planner guesses how many rows match from statistics and may walk
        # the whole table newest first for a query it thinks common but that is rare.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {_TABLE} WHERE search_text LIKE %s LIMIT {PREFETCH + 1}",
                [f"%{text}%"],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if len(ids) <= PREFETCH:
            return Q(id__in=ids), True
    if len(text) > SHORT or _postgres_dense(text):
        # found in many rows: walk the newest rows testing LIKE '%…%' (a page fills at once)
        return Q(search_text__contains=text), False
    # a 1–2 character query holds no space, so it is in the text iff it is a piece of a word
    tokens = RawSQL(
        f'dossier_short_tokens("{_TABLE}"."search_text") @> ARRAY[%s]::text[]',
        [text],
        output_field=BooleanField(),
    )
    return Q(tokens), True


# PostgreSQL: a 3+ character query found in at most this many rows is read by id.
PREFETCH = 2000
# A short piece carried by at least this share of the customers is "dense".
DENSE_SHARE = 0.002


def _postgres_dense(text: str) -> bool:
    """Whether ANALYZE found the piece among the most common of the short-token index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.f FROM pg_stats s, "
            "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS m(e, f) "
            "WHERE s.schemaname = current_schema() AND s.tablename = 'customer_search_short' "
            "AND m.e = %s",
            [text],
        )
        row = cursor.fetchone()
    return bool(row and row[0] is not None and row[0] >= DENSE_SHARE)


# On SQLite a query found in many rows is answered by walking the newest customers and testing
# each (the first page fills at once); one found in few, from the index (then sorted).
DENSE = 1000


def _dense(sql: str, params: list[Any]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT {DENSE})", params)
        return bool(cursor.fetchone()[0] >= DENSE)


def _sqlite(text: str) -> tuple[Q, bool]:
    if len(text) > SHORT:
        if _dense(f"SELECT rowid FROM {FTS_TABLE} WHERE search_text LIKE %s", [f"%{text}%"]):
            return Q(search_text__contains=text), False
        # the FTS table drives: its trigram index finds the rows, the doc table names them
        found = RawSQL(
            f"SELECT customer_id FROM {DOC_TABLE} WHERE rowid IN "
            f"(SELECT rowid FROM {FTS_TABLE} WHERE search_text LIKE %s)",
            [f"%{text}%"],
        )
    else:
        sql = f"SELECT customer_id FROM {TOKEN_TABLE} WHERE token = %s"
        if _dense(sql, [text]):
            return Q(search_text__contains=text), False
        found = RawSQL(sql, [text])
    return Q(id__in=found), True


def tagged(queryset: QuerySet[Any], tag_ids: list[int]) -> QuerySet[Any]:
    """The customers of ``queryset`` carrying any of these tags."""
    from dossier.customers.models import CustomerTag, Tag

    links = CustomerTag.objects.filter(tag_id__in=tag_ids)
    if connection.vendor == "sqlite":
        carried = Tag.objects.filter(pk__in=tag_ids).values_list("customer_count", flat=True)
        if sum(carried) >= DENSE:  # many: test the newest customers one by one
            return queryset.filter(Exists(links.filter(customer_id=OuterRef("pk"))))
    return queryset.filter(id__in=links.values("customer_id"))


# -- upkeep (SQLite) -----------------------------------------------------------------------


#: ids per statement (SQLite allows 32,766 parameters; Dossier's backend uses the real limit)
_CHUNK = 5000


def index_customers(customers: Iterable[Any], *, fresh: bool = False) -> None:
    """Bring the index in step with these customers' ``search_text`` (after they were saved).

    Every service that writes ``search_text`` calls this in its transaction. PostgreSQL's
    indexes follow the column by themselves. ``fresh``: the customers were just created, so
    there is nothing of theirs to drop first.
    """
    if connection.vendor != "sqlite":
        return
    rows = [(c.pk.hex, c.search_text or "") for c in customers]
    if not rows:
        return
    texts = {pk: text for pk, text in rows if text}
    with connection.cursor() as cursor:
        if not fresh:
            _forget(cursor, [pk for pk, _text in rows])
        # a constant number of statements for a batch: the FTS rows take the document rowids
        cursor.executemany(
            f"INSERT INTO {DOC_TABLE} (customer_id) VALUES (%s)", [(pk,) for pk in texts]
        )
        documents: list[tuple[int, str]] = []
        ids = list(texts)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT rowid, customer_id FROM {DOC_TABLE} WHERE customer_id IN ({marks})",
                chunk,
            )
            documents += cursor.fetchall()
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (%s, %s)",
            [(rowid, texts[pk]) for rowid, pk in documents],
        )
        cursor.executemany(
            f"INSERT INTO {TOKEN_TABLE} (token, customer_id) VALUES (%s, %s)",
            [(token, pk) for pk, text in rows for token in short_tokens(text)],
        )


def forget(customer_ids: Iterable[Any]) -> None:
    """Drop these customers from the index (before they are deleted for good)."""
    if connection.vendor != "sqlite":
        return
    ids = [getattr(pk, "hex", str(pk).replace("-", "")) for pk in customer_ids]
    with connection.cursor() as cursor:
        _forget(cursor, ids)


def _forget(cursor: Any, ids: list[str]) -> None:
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(
            f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
            f"(SELECT rowid FROM {DOC_TABLE} WHERE customer_id IN ({marks}))",
            chunk,
        )
        cursor.execute(f"DELETE FROM {DOC_TABLE} WHERE customer_id IN ({marks})", chunk)
        cursor.execute(f"DELETE FROM {TOKEN_TABLE} WHERE customer_id IN ({marks})", chunk)


def rebuild() -> int:
    """Refill the SQLite index from every customer's ``search_text``; the rows indexed."""
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TOKEN_TABLE}")
        cursor.execute(f"DELETE FROM {DOC_TABLE}")
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        cursor.execute(
            f"INSERT INTO {DOC_TABLE} (customer_id) SELECT id FROM {_TABLE} "
            "WHERE search_text != '' ORDER BY id"
        )
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, search_text) SELECT d.rowid, c.search_text "
            f"FROM {DOC_TABLE} d JOIN {_TABLE} c ON c.id = d.customer_id"
        )
        cursor.execute(f"SELECT id, search_text FROM {_TABLE} WHERE search_text != ''")
        rows = cursor.fetchall()
        cursor.executemany(
            f"INSERT INTO {TOKEN_TABLE} (token, customer_id) VALUES (%s, %s)",
            [(token, pk) for pk, text in rows for token in short_tokens(text)],
        )
    return len(rows)


# -- large loads ----------------------------------------------------------------------------

#: a load of at least this many rows (and at least the table's size) builds the PostgreSQL
#: search indexes once after it instead of keeping them row by row
LOAD_REBUILD_ROWS = 100_000


@contextmanager
def deferred_for_load(rows: int | None) -> Iterator[bool]:
    """Around a load of about ``rows`` new customers committed batch by batch: on PostgreSQL,
    when the load is large and the table not much larger, drop the search indexes and build
    them once after. Yields whether it did.

    Searches meanwhile give the same results, only by reading the table. The indexes are
    built again however the load ends (an error, a stop); a process killed outright leaves
    that to :func:`ensure_indexes`, which every import calls before it starts. The build
    takes a lock that makes other writers of customers wait for it (not fail).
    """
    threshold = getattr(settings, "DOSSIER_LOAD_REBUILD_ROWS", LOAD_REBUILD_ROWS)
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block  # DDL would hold its lock until the caller commits
        or rows is None
        or rows < threshold
        or rows < _estimated_customers()
    ):
        yield False
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # the drop waits for readers of the table: give up rather than stall everyone
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            for name, _statement in POSTGRES_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    except OperationalError:
        yield False
        return
    try:
        yield True
    finally:
        ensure_indexes()


def ensure_indexes() -> None:
    """Build the PostgreSQL search indexes that are missing (or left invalid)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = ANY(%s) AND i.indisvalid",
            [[name for name, _statement in POSTGRES_INDEXES]],
        )
        valid = {row[0] for row in cursor.fetchall()}
        for name, statement in POSTGRES_INDEXES:
            if name not in valid:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
                # the build sorts in memory up to this; the session's own setting
                cursor.execute("SET maintenance_work_mem = '256MB'")
                cursor.execute(statement)
                cursor.execute("RESET maintenance_work_mem")


def _estimated_customers() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [_TABLE])
        row = cursor.fetchone()
    return max(int(row[0]), 0) if row else 0
