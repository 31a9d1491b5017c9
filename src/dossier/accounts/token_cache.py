"""An in-process memory of authenticated API tokens.

An API call otherwise costs four queries before it starts (token, user permissions, group
permissions, role). Each entry carries the access generation it was loaded under; every call
still asks the database whether the token is live and what the generation is now (one small
query, see ``services.authenticate_token``), so a revocation, role, team or account change
made by any process counts at once. Changes in this process also forget entries directly.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models.base import ModelState

TTL = 300.0  # a bound on memory, not on staleness: every call re-checks
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Remembered:
    token: Any  # the ApiToken
    user: Any  # its user, with permission, role and team caches filled
    user_id: int
    expires_at: datetime | None
    generation: int
    stored: float


_entries: dict[str, Remembered] = {}
_lock = threading.Lock()


def recall(digest: str) -> tuple[Any, int] | None:
    """The remembered token for a digest (a copy per call, so requests share no state) and
    the access generation it was loaded under."""
    entry = _entries.get(digest)
    if entry is None or time.monotonic() - entry.stored > TTL:
        return None
    token = _shallow_copy(entry.token)
    # the remembered token keeps its own user: a call that sets something on its copy of
    # the user (a per-call cache, say) leaves the next call's copy untouched
    token._state.fields_cache["user"] = _shallow_copy(entry.user)
    return token, entry.generation


def _shallow_copy(instance: Any) -> Any:
    # copy.copy goes through Model.__reduce__, which costs more than the rest of a cache hit
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__.update(instance.__dict__)
    # its own model state too: the related objects Django caches there (a token's user)
    # would otherwise be shared with, and set through, every other copy
    state = ModelState()
    state.db, state.adding = instance._state.db, instance._state.adding
    state.fields_cache = dict(instance._state.fields_cache)
    clone._state = state
    return clone


def remember(digest: str, token: Any, generation: int) -> None:
    with _lock:
        if len(_entries) >= _MAX_ENTRIES:
            _entries.clear()
        # copies: the call that loaded the token goes on with (and may change) the originals;
        # the kept token holds no user of its own (recall gives each call a copy of ``user``)
        kept = _shallow_copy(token)
        kept._state.fields_cache.pop("user", None)
        _entries[digest] = Remembered(
            kept,
            _shallow_copy(token.user),
            token.user_id,
            token.expires_at,
            generation,
            time.monotonic(),
        )


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
