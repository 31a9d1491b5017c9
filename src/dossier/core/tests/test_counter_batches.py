"""Counts added to the shared counter in batches: when a batch goes, what a process knows.

The shared counter is this process's memory (the suite's cache); another process's calls
are played by adding to the shared count directly, as its batches would.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from dossier.core import counters


class Clock:
    """``time.time`` for the counters, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(counters.time, "time", fake)
    return fake


def _hits(counter: counters.BatchedCounter, times: int, *, limit: int = 1000) -> list[int]:
    return [counter.hit("k", window=3600, limit=limit) for _ in range(times)]


@pytest.mark.usefixtures("clock")
def test_calls_reach_the_shared_count_a_batch_at_a_time() -> None:
    counter = counters.BatchedCounter(batch=5)
    assert _hits(counter, 4) == [1, 2, 3, 4]
    assert counters.current("k") == 0, "four calls wait in the process"
    assert _hits(counter, 1) == [5]
    assert counters.current("k") == 5
    assert _hits(counter, 4) == [6, 7, 8, 9]
    assert counters.current("k") == 5


@pytest.mark.usefixtures("clock")
def test_another_process_calls_are_known_from_the_next_batch_on() -> None:
    counter = counters.BatchedCounter(batch=5)
    _hits(counter, 5)
    counters.hit("k", window=3600, by=50)  # another process's batch
    assert _hits(counter, 4) == [6, 7, 8, 9], "not known before this process's next batch"
    assert _hits(counter, 1) == [60]
    assert counters.current("k") == 60


@pytest.mark.usefixtures("clock")
def test_near_the_limit_every_call_goes_to_the_shared_count_and_the_limit_is_exact() -> None:
    counter = counters.BatchedCounter(batch=5)
    counts = _hits(counter, 12, limit=8)
    assert counts == list(range(1, 13))
    assert [count <= 8 for count in counts].count(True) == 8
    # from the fourth call on (4 + a batch passes 8), each call was sent as it came, until
    # one over the limit: the calls refused after it are not sent at all
    assert counters.current("k") == 9


@pytest.mark.usefixtures("clock")
def test_near_the_limit_another_process_calls_are_known_at_once() -> None:
    counter = counters.BatchedCounter(batch=5)
    _hits(counter, 4, limit=10)  # 4 + 5 < 10: held back
    counters.hit("k", window=3600, by=3)  # another process
    assert _hits(counter, 1, limit=10) == [8], "within a batch of the limit: sent, and told"
    assert _hits(counter, 3, limit=10) == [9, 10, 11]


def test_calls_held_back_go_once_the_interval_has_passed(clock: Clock) -> None:
    counter = counters.BatchedCounter(batch=100, interval=1.0)
    _hits(counter, 3)
    clock.now += 0.5
    _hits(counter, 1)
    assert counters.current("k") == 0
    clock.now += 0.5
    _hits(counter, 1)
    assert counters.current("k") == 5


def test_a_short_window_sends_at_a_tenth_of_it(clock: Clock) -> None:
    counter = counters.BatchedCounter(batch=100, interval=1.0)
    counter.hit("s", window=2, limit=1000)
    clock.now += 0.2
    counter.hit("s", window=2, limit=1000)
    assert counters.current("s") == 2


def test_a_new_window_starts_from_nothing(clock: Clock) -> None:
    counter = counters.BatchedCounter(batch=3)
    assert [counter.hit("w", window=60, limit=5) for _ in range(7)] == [1, 2, 3, 4, 5, 6, 7]
    clock.now += 61
    assert counter.hit("w", window=60, limit=5) == 1


@pytest.mark.usefixtures("clock")
def test_calls_of_a_batch_that_failed_to_go_are_sent_with_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counter = counters.BatchedCounter(batch=3)
    shared_hit = counters.hit
    failures = [RuntimeError("cache down")]

    def flaky(key: str, *, window: int, by: int = 1) -> int:
        if failures:
            raise failures.pop()
        return shared_hit(key, window=window, by=by)

    monkeypatch.setattr(counters, "hit", flaky)
    _hits(counter, 2)
    with pytest.raises(RuntimeError):
        _hits(counter, 1)
    assert _hits(counter, 1) == [4]
    assert counters.current("k") == 4


@pytest.mark.usefixtures("clock")
def test_forget_drops_what_the_process_holds() -> None:
    counter = counters.BatchedCounter(batch=10)
    _hits(counter, 4)
    counters.forget_batched()
    assert _hits(counter, 1) == [1]


def test_a_batch_must_hold_at_least_one_call() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        counters.BatchedCounter(batch=0)


def test_calls_from_many_threads_are_each_counted_once() -> None:
    counter = counters.BatchedCounter(batch=7)
    start = threading.Barrier(4)
    answers: list[int] = []

    def call() -> None:
        start.wait()
        mine = [counter.hit("t", window=600, limit=10_000) for _ in range(50)]
        answers.extend(mine)

    runners = [threading.Thread(target=call) for _ in range(4)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert max(answers) == 200
    # held back at the end: less than a batch, plus the calls of threads that came while
    # the last batch was on its way
    assert 200 - 7 - 4 < counters.current("t") <= 200


def test_the_api_rate_limit_batches_as_configured(settings: Any) -> None:
    from dossier.accounts.auth import TokenRateThrottle

    settings.DOSSIER_API_RATE_BATCH = 9
    assert TokenRateThrottle("600/m").calls.batch == 9
    assert TokenRateThrottle("600/m", batch=1).calls.batch == 1
