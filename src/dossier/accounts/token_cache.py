"""A short-lived, in-process memory of authenticated API tokens.

An API call otherwise costs four queries before it starts (token, user permissions, group
permissions, role). Entries live ``TTL`` seconds; revoking a token or changing a user's role
or team in this process forgets them at once, other processes within ``TTL``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TTL = 15.0
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Remembered:
    token: Any  # the ApiToken, with .user whose permission, role and team caches are filled
    user_id: int
    expires_at: datetime | None
    stored: float


_entries: dict[str, Remembered] = {}
_lock = threading.Lock()


def recall(digest: str) -> Any | None:
    """The remembered token for a digest (a copy per call, so requests share no state)."""
    entry = _entries.get(digest)
    if entry is None or time.monotonic() - entry.stored > TTL:
        return None
    token = _shallow_copy(entry.token)
    token.user = _shallow_copy(entry.token.user)
    return token


def _shallow_copy(instance: Any) -> Any:
    # copy.copy goes through Model.__reduce__, which costs more than the rest of a cache hit
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__.update(instance.__dict__)
    return clone


def remember(digest: str, token: Any) -> None:
    with _lock:
        if len(_entries) >= _MAX_ENTRIES:
            _entries.clear()
        _entries[digest] = Remembered(token, token.user_id, token.expires_at, time.monotonic())


def forget_token(digest: str) -> None:
    with _lock:
        _entries.pop(digest, None)


def forget_user(user_id: int) -> None:
    """Forget every token of a user (after a role, team or activity change)."""
    with _lock:
        for digest in [d for d, e in _entries.items() if e.user_id == user_id]:
            del _entries[digest]


def forget_all() -> None:
    with _lock:
        _entries.clear()
