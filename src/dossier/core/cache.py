"""Django's database cache with an increment that two processes cannot interleave.

Django's own ``incr`` reads the value, then writes ``value + delta`` with the default
timeout: two workers counting at once both write the same number (a lost failure or API
call), and every increment moved the key's expiry to five minutes from then (a 15-minute
lock-out window, a day's rate window, cut short). Here the row is locked while it is read
and written (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``, see
settings.database, takes the write lock first), and its expiry is left as it was.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now


class AtomicDatabaseCache(DatabaseCache):
    """The database cache whose ``incr`` counts every call of every process once."""

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        made = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table = quote(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        expression = models.Expression(output_field=models.DateTimeField())
        converters = [
            *connection.ops.get_db_converters(expression),
            *expression.get_db_converters(connection),
        ]
        alone = not connection.in_atomic_block
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if alone and connection.vendor == "postgresql":
                # a counter needs no wait for the disk (a crash loses at most a few counts);
                # only when the transaction is its own, never an outer one's writes
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "
                f"WHERE {quote('cache_key')} = %s{lock}",
                [made],
            )
            row = cursor.fetchone()
            if row is not None:
                expires = row[1]
                for converter in converters:
                    expires = converter(expires, expression, connection)
            if row is None or expires < now():
                raise ValueError(f"Key '{key}' not found")
            stored = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(stored.encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",
                [encoded, made],
            )
        return value
