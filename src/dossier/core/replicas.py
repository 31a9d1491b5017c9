"""Read replicas: reads go to a streaming replica, writes and what follows them to the primary.

``DOSSIER_REPLICA_URLS`` adds the aliases ``replica_0``, ``replica_1``… (settings.py) and turns
on :class:`ReplicaRouter` and :class:`ReplicaStickinessMiddleware`. A read goes to the primary
(``default``) when

- the primary connection is inside ``transaction.atomic`` (a service's write transaction: what
  it reads must be what it is about to change), or
- this request, task or thread wrote less than ``DOSSIER_REPLICA_STICKY_SECONDS`` ago, or
- the same user wrote that recently in an earlier request ("read your own writes": a page is
  told by a short-lived cookie, an API client by a per-user key in the cache).

Everything else, selectors above all, reads from a replica chosen at random.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

PRIMARY = "default"
REPLICA_PREFIX = "replica_"
COOKIE = "dossier_wrote"
CACHE_KEY = "dossier:replicas:wrote:{user_id}"

# monotonic time of the last write in this context (a request, a task, a thread)
_wrote_at: ContextVar[float | None] = ContextVar("dossier_replica_wrote_at", default=None)
# the request being served, to find its user once authentication has set one
_request: ContextVar[HttpRequest | None] = ContextVar("dossier_replica_request", default=None)
# the request's user wrote recently in an earlier request: None until it can be told
_user_sticky: ContextVar[bool | None] = ContextVar("dossier_replica_user_sticky", default=None)


def sticky_seconds() -> float:
    """How long after a write the writer's reads stay on the primary."""
    return float(getattr(settings, "DOSSIER_REPLICA_STICKY_SECONDS", 5))


def replica_aliases() -> tuple[str, ...]:
    """The configured replica aliases, in order."""
    return tuple(alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX))


def mark_write() -> None:
    """Note that this context wrote: its reads stay on the primary for a while."""
    _wrote_at.set(time.monotonic())


def wrote_recently() -> bool:
    """This context (request, task, thread) wrote within the sticky window."""
    wrote = _wrote_at.get()
    return wrote is not None and time.monotonic() - wrote < sticky_seconds()


def _known_user_id(request: HttpRequest) -> Any:
    # Only a user already resolved: resolving a lazy page user here would read the session
    # from inside the router. Pages are covered by the cookie instead.
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject):
        wrapped = user.__dict__.get("_wrapped", empty)
        if wrapped is empty:
            return None
        user = wrapped
    if not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _user_wrote_recently() -> bool:
    known = _user_sticky.get()
    if known is not None:
        return known
    request = _request.get()
    if request is None:
        return False
    user_id = _known_user_id(request)
    if user_id is None:
        return False
    sticky = cache.get(CACHE_KEY.format(user_id=user_id)) is not None
    _user_sticky.set(sticky)
    return sticky


def primary_needed() -> bool:
    """A read now must see the primary: a write transaction, or a recent write by this writer."""
    return connections[PRIMARY].in_atomic_block or wrote_recently() or _user_wrote_recently()


#: tables of state processes share: Django's database cache, the counters
_SHARED_STATE_APPS = frozenset({"django_cache"})
_SHARED_STATE_TABLES = frozenset({"dossier_counter"})


def _shared_state(model: Any) -> bool:
    meta = getattr(model, "_meta", None)
    if meta is None:
        return False
    return (
        getattr(meta, "app_label", "") in _SHARED_STATE_APPS
        or getattr(meta, "db_table", "") in _SHARED_STATE_TABLES
    )


class ReplicaRouter:
    """Routes reads to a replica unless :func:`primary_needed`; writes and migrations to
    the primary."""

    def __init__(self, replicas: Sequence[str] | None = None) -> None:
        self.replicas = tuple(replicas) if replicas is not None else replica_aliases()

    def db_for_read(self, model: Any, **hints: Any) -> str:
        # shared state (the database cache, counters) is read where it is written; asking
        # primary_needed() for it would read the cache through this router again
        if not self.replicas or _shared_state(model) or primary_needed():
            return PRIMARY
        return random.choice(self.replicas)

    def db_for_write(self, model: Any, **hints: Any) -> str:
        mark_write()
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # every alias holds the same rows
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


class ReplicaStickinessMiddleware:
    """Keeps a user's reads on the primary just after they wrote, across requests.

    At the start of a request: the cookie (pages) says this browser wrote recently. At the end,
    if the request wrote: the cookie is set, and a per-user cache key for clients that keep no
    cookie (the API, whose user is known once its token is checked). A forged cookie only sends
    its own reads to the primary.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = sticky_seconds()
        tokens = (
            _request.set(request),
            _wrote_at.set(None),
            _user_sticky.set(True if request.COOKIES.get(COOKIE) else None),
        )
        try:
            response = self.get_response(request)
            if _wrote_at.get() is not None and seconds > 0:
                response.set_cookie(
                    COOKIE, "1", max_age=max(1, int(seconds)), httponly=True, samesite="Lax"
                )
                user_id = _known_user_id(request)
                if user_id is not None:
                    cache.set(CACHE_KEY.format(user_id=user_id), 1, timeout=seconds)
            return response
        finally:
            _user_sticky.reset(tokens[2])
            _wrote_at.reset(tokens[1])
            _request.reset(tokens[0])
