"""Counting events across every process: log-in failures, API calls, public form posts.

``hit(key, window=…)`` counts one event and returns how many the key has counted since its
window began (the first hit starts it; after ``window`` seconds the count starts again at 1).
Each shared cache gets the cheapest exact way to do that, as one round trip:

* the database cache (the default): one upsert statement on the ``dossier_counter`` table,
  which PostgreSQL and SQLite both apply atomically — no count is lost between processes;
* Redis: ``INCR`` and ``EXPIRE … NX`` in one pipeline;
* a per-process cache (``locmem://``, the tests): the cache's own add and increment.

Django's cache API needs two or three calls for the same (add, then incr, which on Redis is
itself EXISTS + INCR), and every API request pays for it in its rate limit.
"""

from __future__ import annotations

import random
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction

from dossier.core.cache import AtomicDatabaseCache
from dossier.core.models import Counter

#: one new window in this many also deletes the expired counters (old windows' keys)
PRUNE_ONE_IN = 64


def _shared() -> BaseCache:
    # the cache itself, not django.core.cache.cache (a proxy that isinstance cannot see through)
    return caches[DEFAULT_CACHE_ALIAS]


def hit(key: str, *, window: int) -> int:
    """Count one event for ``key`` and return the count of its current window."""
    cache = _shared()
    if isinstance(cache, AtomicDatabaseCache):
        return _hit_in_database(key, window)
    if isinstance(cache, RedisCache):
        return _hit_in_redis(cache, key, window)
    return _hit_in_cache(cache, key, window)


def current(key: str) -> int:
    """How many events ``key`` has counted in its current window (0 when none or expired)."""
    cache = _shared()
    if isinstance(cache, AtomicDatabaseCache):
        alias = router.db_for_read(Counter)
        row = (
            Counter.objects.using(alias)
            .filter(key=key, expires__gt=time.time())
            .values_list("count", flat=True)
            .first()
        )
        return int(row or 0)
    return int(cache.get(key) or 0)  # Redis keeps a count as a plain integer the cache reads


def reset(key: str) -> None:
    """Forget ``key``'s count (a successful log-in clears its failures)."""
    cache = _shared()
    if isinstance(cache, AtomicDatabaseCache):
        Counter.objects.using(router.db_for_write(Counter)).filter(key=key).delete()
    else:
        cache.delete(key)


def _hit_in_database(key: str, window: int) -> int:
    alias = router.db_for_write(Counter)
    connection = connections[alias]
    quote = connection.ops.quote_name
    table, now = quote(Counter._meta.db_table), time.time()
    count, expires = quote("count"), quote("expires")
    # the SET expressions read the row as it was: an expired window starts again at 1
    sql = (
        f"INSERT INTO {table} ({quote('key')}, {count}, {expires}) VALUES (%s, 1, %s) "
        f"ON CONFLICT ({quote('key')}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{expires} <= %s THEN 1 ELSE {table}.{count} + 1 END, "
        f"{expires} = CASE WHEN {table}.{expires} <= %s THEN excluded.{expires} "
        f"ELSE {table}.{expires} END "
        f"RETURNING {count}"
    )
    params: list[str | float] = [key, now + window, now, now]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # a count needs no wait for the disk (a crash loses at most a few counts); only
        # when the transaction is the counter's own, never an outer one's writes
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(sql, params)
            value = int(cursor.fetchone()[0])
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            value = int(cursor.fetchone()[0])
    if value == 1 and random.randrange(PRUNE_ONE_IN) == 0:
        Counter.objects.using(alias).filter(expires__lte=now).delete()
    return value


def _hit_in_redis(cache: RedisCache, key: str, window: int) -> int:
    made = cache.make_and_validate_key(key)
    client = cache._cache.get_client(made, write=True)  # the cache's own connection pool
    pipe = client.pipeline(transaction=False)
    pipe.incr(made)
    pipe.expire(made, window, nx=True)  # only the window's first hit sets its end
    value, _expiry_set = pipe.execute()
    return int(value)


def _hit_in_cache(cache: BaseCache, key: str, window: int) -> int:
    if cache.add(key, 1, window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        return 1
