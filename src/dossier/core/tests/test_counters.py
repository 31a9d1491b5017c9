"""Counters shared by processes: each event counted once, windows that end, keys kept apart.

Every case runs on the three kinds of shared cache the counters know: the database (the
default; one upsert on ``dossier_counter``), Redis (one pipeline) and per-process memory.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import close_old_connections, connection

from dossier.core import counters
from dossier.core.models import Counter

pytestmark = pytest.mark.django_db

REDIS = "redis://127.0.0.1:6379/0"
BACKENDS = {
    "database": {"BACKEND": "dossier.core.cache.AtomicDatabaseCache", "LOCATION": "dossier_cache"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS},
    "memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


class Clock:
    """``time.time`` for the counters, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=list(BACKENDS))
def kind(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    config = dict(BACKENDS[request.param])
    if request.param == "redis":
        config["KEY_PREFIX"] = f"t{uuid.uuid4().hex[:12]}"  # runs sharing the server apart
    settings.CACHES = {"default": config}
    yield request.param


@pytest.fixture
def database(settings: Any) -> None:
    settings.CACHES = {"default": BACKENDS["database"]}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(counters.time, "time", fake)
    return fake


def test_each_hit_counts_once_and_keys_are_counted_apart(kind: str) -> None:
    assert [counters.hit("a", window=60) for _ in range(4)] == [1, 2, 3, 4]
    assert counters.hit("b", window=60) == 1
    assert counters.current("a") == 4
    assert counters.current("b") == 1
    assert counters.current("never") == 0


@pytest.mark.usefixtures("database")
def test_a_window_ends_and_the_next_hit_starts_again_at_one(clock: Clock) -> None:
    assert counters.hit("w", window=60) == 1
    clock.now += 59
    assert counters.hit("w", window=60) == 2  # the window is the first hit's, not moved
    clock.now += 2
    assert counters.current("w") == 0
    assert counters.hit("w", window=60) == 1
    clock.now += 30
    assert counters.hit("w", window=60) == 2


def test_on_redis_the_first_hit_sets_the_window_and_later_hits_do_not_move_it(
    settings: Any,
) -> None:
    from django.core.cache import caches

    settings.CACHES = {"default": {**BACKENDS["redis"], "KEY_PREFIX": uuid.uuid4().hex[:12]}}
    counters.hit("ttl", window=60)
    cache = caches["default"]
    client = cache._cache.get_client(write=False)
    key = cache.make_and_validate_key("ttl")
    first = client.pttl(key)
    counters.hit("ttl", window=600)  # a later hit with another window: the first one stands
    assert 0 < client.pttl(key) <= first <= 60_000


def test_reset_forgets_a_count(kind: str) -> None:
    counters.hit("r", window=60)
    counters.hit("r", window=60)
    counters.reset("r")
    assert counters.current("r") == 0
    assert counters.hit("r", window=60) == 1


def test_the_database_keeps_counts_in_its_table_only_when_it_is_the_shared_cache(
    kind: str,
) -> None:
    counters.hit("where", window=60)
    assert Counter.objects.filter(key="where").exists() == (kind == "database")


@pytest.mark.usefixtures("database")
def test_expired_counts_are_pruned_when_new_windows_open(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counters, "PRUNE_ONE_IN", 1)
    monkeypatch.setattr(counters.random, "randrange", lambda n: 0)
    counters.hit("old-1", window=10)
    counters.hit("old-2", window=10)
    clock.now += 11
    counters.hit("fresh", window=10)
    assert sorted(Counter.objects.values_list("key", flat=True)) == ["fresh"]


def _count_from_threads(threads: int, times: int) -> None:
    start = threading.Barrier(threads)

    def count() -> None:
        start.wait()
        for _ in range(times):
            counters.hit("race", window=600)
        close_old_connections()

    runners = [threading.Thread(target=count) for _ in range(threads)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()


@pytest.mark.parametrize("kind", ["redis", "memory"], indirect=True)
def test_hits_from_many_threads_at_once_are_all_counted(kind: str) -> None:
    _count_from_threads(4, 50)
    assert counters.current("race") == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database")
def test_hits_from_many_database_connections_at_once_are_all_counted() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the SQLite test database is in memory: threads cannot share it")
    _count_from_threads(4, 50)
    assert counters.current("race") == 200


def test_in_a_process_cache_a_window_that_ends_between_add_and_increment_starts_again() -> None:
    class Racing:
        """A key that exists when added, and has expired when incremented."""

        def __init__(self) -> None:
            self.adds = 0

        def add(self, key: str, value: int, timeout: int) -> bool:
            self.adds += 1
            return self.adds > 1  # the first add finds the key; the second makes it anew

        def incr(self, key: str, delta: int = 1) -> int:
            raise ValueError(key)

    racing = Racing()
    assert counters._hit_in_cache(racing, "k", 60) == 1  # type: ignore[arg-type]
    assert racing.adds == 2


def test_a_hit_may_count_several_events_at_once(kind: str) -> None:
    assert counters.hit("many", window=60, by=5) == 5
    assert counters.hit("many", window=60, by=3) == 8
    assert counters.hit("many", window=60) == 9
    assert counters.current("many") == 9


@pytest.mark.usefixtures("database")
def test_several_events_counted_after_a_window_ends_start_the_next_one(clock: Clock) -> None:
    assert counters.hit("next", window=60, by=4) == 4
    clock.now += 61
    assert counters.hit("next", window=60, by=3) == 3
