"""Slowing down guesses: of passwords on the log-in page, of codes on consent confirmation.

Two kinds of counter live in Django's cache, which every worker process shares (the
database's table, or Redis with DOSSIER_CACHE_URL; settings.cache_config):

* per user name (normalised, so ``ｓｅｒｖｉｃｅ`` counts as ``service``): after
  ``MAX_FAILURES_PER_NAME`` failures that name is locked for ``WINDOW_SECONDS``;
* per client address: after a few free failures each further one makes the address wait
  longer (2, 4, 8 … seconds, at most ``MAX_DELAY_SECONDS``). On the log-in page the wait
  applies only to names that have failed themselves, so a flood of wrong guesses from a shared
  address (everyone behind one proxy) never refuses the right password of an untouched name.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache

from dossier.accounts.usernames import normalise_username
from dossier.core import counters

MAX_FAILURES_PER_NAME = 5
FREE_FAILURES_PER_ADDRESS = 10
WINDOW_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 15 * 60


def _key(kind: str, value: str) -> str:
    # hashed: any text (spaces, very long, non-ASCII) makes a key every cache backend accepts
    return f"dossier:guard:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def failures(kind: str, value: str) -> int:
    """How many failures are counted for ``value`` (a name, an address, a code …)."""
    return counters.current(_key(kind, value))


def wait_seconds(kind: str, value: str) -> int:
    """Seconds until ``value`` may try again (0: now)."""
    until = cache.get(_key(kind, value) + ":until")
    return max(0, math.ceil(until - time.time())) if until else 0


def record_failure_of(
    kind: str,
    value: str,
    *,
    free: int,
    window: int = WINDOW_SECONDS,
    max_delay: int = MAX_DELAY_SECONDS,
    lock: bool = False,
) -> None:
    """Count a failure; from the ``free``-th on, ``value`` waits before its next try (2, 4, 8 …
    seconds, or the whole ``window`` if ``lock``)."""
    if not value:
        return
    key = _key(kind, value)
    count = counters.hit(key, window=window)
    if count >= free:
        delay = window if lock else min(2 ** (count - free + 1), max_delay)
        cache.set(key + ":until", time.time() + delay, max(window, delay) + 1)


def forget(kind: str, value: str) -> None:
    key = _key(kind, value)
    counters.reset(key)
    cache.delete(key + ":until")


# --- log-in ---------------------------------------------------------------------------------


def login_wait(*, username: str, ip: str | None) -> int:
    """Seconds before this name may try to log in from this address (0: go ahead)."""
    name = normalise_username(username)
    wait = wait_seconds("name", name)
    if wait or not failures("name", name):
        return wait  # a name that has not failed is never held back by its address
    return wait_seconds("address", ip) if ip else 0


def record_failure(*, username: str, ip: str | None) -> None:
    """A wrong password (or an unknown name) for ``username`` from ``ip``."""
    name = normalise_username(username)
    record_failure_of("name", name, free=MAX_FAILURES_PER_NAME, lock=True)
    if ip:
        record_failure_of("address", ip, free=FREE_FAILURES_PER_ADDRESS)


def is_locked(*, username: str, ip: str | None) -> bool:
    """Whether log-in attempts for this name from this address are refused for now."""
    return login_wait(username=username, ip=ip) > 0


def clear(*, username: str) -> None:
    """Forget the failures of a name after a successful log-in."""
    forget("name", normalise_username(username))
