"""Log-in throttling: too many failures for one user name, or from one address, lock it out.

Counts live in Django's cache (per process by default; configure a shared cache such as
the database cache to count across workers).
"""

from __future__ import annotations

from django.core.cache import cache

MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_SECONDS = 15 * 60


def _keys(username: str, ip: str | None) -> list[tuple[str, int]]:
    keys = [(f"dossier:login:name:{username.strip().lower()}", MAX_FAILURES_PER_NAME)]
    if ip:
        keys.append((f"dossier:login:ip:{ip}", MAX_FAILURES_PER_ADDRESS))
    return keys


def is_locked(*, username: str, ip: str | None) -> bool:
    """Whether log-in attempts for this name or from this address are refused for now."""
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(username, ip))


def record_failure(*, username: str, ip: str | None) -> None:
    for key, _limit in _keys(username, ip):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, WINDOW_SECONDS)


def clear(*, username: str) -> None:
    """Forget the failures of a name after a successful log-in."""
    cache.delete(_keys(username, None)[0][0])
