"""Counting events across every process: log-in failures, API calls, public form posts.

``hit(key, window=…)`` counts one event and returns how many the key has counted since its
window began (the first hit starts it; after ``window`` seconds the count starts again at 1).
Each shared cache gets the cheapest exact way to do that, as one round trip:

* the database cache (the default): one upsert statement on the ``dossier_counter`` table,
  which PostgreSQL and SQLite both apply atomically — no count is lost between processes;
* Redis: ``INCR`` and ``EXPIRE … NX`` in one pipeline;
* a per-process cache (``locmem://``, the tests): the cache's own add and increment.

``BatchedCounter`` counts in the process and adds to the shared count in batches, for a
limit that may be approximate (the API rate limit): a shared write per batch, not per call.

Django's cache API needs two or three calls for the same (add, then incr, which on Redis is
itself EXISTS + INCR), and every API request pays for it in its rate limit.
"""

from __future__ import annotations

import random
import threading
import time
import weakref
from dataclasses import dataclass
from typing import ClassVar

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


def hit(key: str, *, window: int, by: int = 1) -> int:
    """Count ``by`` events (one unless told) for ``key``; return the count of its window."""
    cache = _shared()
    if isinstance(cache, AtomicDatabaseCache):
        return _hit_in_database(key, window, by)
    if isinstance(cache, RedisCache):
        return _hit_in_redis(cache, key, window, by)
    return _hit_in_cache(cache, key, window, by)


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


def _hit_in_database(key: str, window: int, by: int) -> int:
    alias = router.db_for_write(Counter)
    connection = connections[alias]
    quote = connection.ops.quote_name
    table, now = quote(Counter._meta.db_table), time.time()
    count, expires = quote("count"), quote("expires")
    # the SET expressions read the row as it was: an expired window starts again at ``by``
    sql = (
        f"INSERT INTO {table} ({quote('key')}, {count}, {expires}) VALUES (%s, %s, %s) "
        f"ON CONFLICT ({quote('key')}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{expires} <= %s THEN excluded.{count} "
        f"ELSE {table}.{count} + excluded.{count} END, "
        f"{expires} = CASE WHEN {table}.{expires} <= %s THEN excluded.{expires} "
        f"ELSE {table}.{expires} END "
        f"RETURNING {count}"
    )
    params: list[str | float] = [key, by, now + window, now, now]
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
    if value == by and random.randrange(PRUNE_ONE_IN) == 0:
        Counter.objects.using(alias).filter(expires__lte=now).delete()
    return value


def _hit_in_redis(cache: RedisCache, key: str, window: int, by: int) -> int:
    made = cache.make_and_validate_key(key)
    client = cache._cache.get_client(made, write=True)  # the cache's own connection pool
    pipe = client.pipeline(transaction=False)
    pipe.incr(made, by)
    pipe.expire(made, window, nx=True)  # only the window's first hit sets its end
    value, _expiry_set = pipe.execute()
    return int(value)


def _hit_in_cache(cache: BaseCache, key: str, window: int, by: int = 1) -> int:
    if cache.add(key, by, window):
        return by
    try:
        return int(cache.incr(key, by))
    except ValueError:  # expired between add and incr
        cache.add(key, by, window)
        return by


@dataclass
class _Tally:
    """One key's count as this process knows it."""

    expires: float
    flushed_at: float
    seen: int = 0  # the shared count the last batch returned (others' calls included)
    sending: int = 0  # calls in a batch on its way to the shared counter
    pending: int = 0  # calls counted here only
    flushing: bool = False


class BatchedCounter:
    """Counts in this process and adds the counts to the shared counter in batches.

    For limits on frequent events (API calls), where a shared write per event would cost
    more than the event itself. A key's calls go to the shared counter (``hit(by=…)``, one
    round trip) once ``batch`` of them wait, once ``interval`` seconds have passed since the
    last batch, and on every call once the count is within ``batch`` of the limit, so one
    process alone counts exactly and small limits are always exact. A call's count is the
    shared count the last batch returned plus this process's calls since.

    How approximate: a process knows the others' calls only up to its last batch, and each
    process holds back fewer than ``batch`` calls (plus the calls of threads that run while
    its batch is on its way). So with P processes, a window lets through at most about
    P × ``batch`` calls beyond its limit, and never refuses one below it. A process that
    ends loses the calls it held back (fewer than ``batch``), which lets a few more through.
    Once a key is over its limit, the calls refused are not sent at all.
    """

    _all: ClassVar[weakref.WeakSet[BatchedCounter]] = weakref.WeakSet()

    def __init__(self, *, batch: int, interval: float = 1.0) -> None:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        self.batch = batch
        self.interval = interval
        self._tallies: dict[str, _Tally] = {}
        self._lock = threading.Lock()
        BatchedCounter._all.add(self)

    def hit(self, key: str, *, window: int, limit: int) -> int:
        """Count one event for ``key``; return the count of its window as this process knows it."""
        now = time.time()
        with self._lock:
            tally = self._tallies.get(key)
            if tally is None or tally.expires <= now:
                tally = self._start(key, now, window)
            tally.pending += 1
            known = tally.seen + tally.sending + tally.pending
            if tally.flushing or tally.seen > limit:
                return known  # a batch is on its way; or refused anyway: nothing to send
            due = (
                tally.pending >= self.batch
                or known + self.batch > limit
                or now - tally.flushed_at >= min(self.interval, window / 10)
            )
            if not due:
                return known
            sending, tally.sending, tally.pending = tally.pending, tally.pending, 0
            tally.flushing = True
        try:
            shared = hit(key, window=window, by=sending)
        except BaseException:
            with self._lock:  # the calls are still to be counted
                tally.pending += sending
                tally.sending, tally.flushing = 0, False
            raise
        with self._lock:
            tally.seen, tally.sending, tally.flushing = shared, 0, False
            tally.flushed_at = now
            return shared + tally.pending

    def forget(self) -> None:
        """Drop every count held here (tests: ids come round again after a rollback)."""
        with self._lock:
            self._tallies.clear()

    def _start(self, key: str, now: float, window: int) -> _Tally:
        if len(self._tallies) >= MAX_TALLIES:
            for old in [k for k, t in self._tallies.items() if t.expires <= now]:
                del self._tallies[old]
        tally = self._tallies[key] = _Tally(expires=now + window, flushed_at=now)
        return tally


#: keys a batched counter holds before it drops those whose window has ended
MAX_TALLIES = 1024


def forget_batched() -> None:
    """Every batched counter drops the counts it holds (tests)."""
    for counter in list(BatchedCounter._all):
        counter.forget()
