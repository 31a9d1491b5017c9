"""API authentication: a per-user bearer token, scoped read or read-write."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from dossier.accounts.models import ApiToken
from dossier.accounts.services import authenticate_token
from dossier.accounts.usernames import normalise_username
from dossier.core import counters
from dossier.core.errors import PermissionDenied
from dossier.core.pages import client_ip

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ApiRequest(HttpRequest):
    """A request that passed :class:`TokenAuth`: ``user`` is the token's owner, ``auth`` the token.

    Annotate API operations with it: every router runs behind ``TokenAuth``, so the user is
    never anonymous there.
    """

    user: User
    auth: ApiToken


StateQuery = Callable[[HttpRequest, int], tuple[bool, int]]


class TokenAuth(HttpBearer):
    """``Authorization: Bearer dos_…``. A read token may only read.

    ``state_with``, for one operation, runs the per-call check of a remembered token (see
    ``services.authenticate_token``) as part of the statement that reads what the operation
    needs: it gets the request and the token's id, and answers (live, access generation).
    The check is still complete before the operation runs.
    """

    def __init__(self, *, state_with: StateQuery | None = None) -> None:
        super().__init__()
        self.state_with = state_with

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        state_with = self.state_with
        state = None if state_with is None else (lambda token_id: state_with(request, token_id))
        api_token = authenticate_token(token, state=state)
        if api_token is None:
            return None
        if request.method not in SAFE_METHODS and not api_token.can_write:
            raise PermissionDenied(_("This token may only read."), code="token_read_only")
        request.user = api_token.user
        return api_token

    def __call__(self, request: HttpRequest) -> Any:
        # HttpBearer's parsing, reading the one header from META: ``request.headers`` would
        # first build a map of every header of the request
        value = request.META.get("HTTP_AUTHORIZATION")
        if not value:
            return None
        scheme, _space, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token)


class UsernameBackend(ModelBackend):
    """Django's password log-in, with the user name in its normalised form.

    Names are stored normalised (NFKC, casefold) since sign-up does it; a name stored before
    that is still found as typed.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None:
            normal = normalise_username(username)
            if normal and User.objects.filter(username=normal).exists():
                username = normal
        return super().authenticate(request, username=username, password=password, **kwargs)


class TokenRateThrottle(BaseThrottle):
    """At most ``rate`` calls ("600/m", "20/s") per API token, per address without one.

    A fixed-window count shared by every process (``core.counters``), which each process
    adds to in batches of ``batch`` calls (``DOSSIER_API_RATE_BATCH``; 1 sends every call):
    a shared write per batch, not per call. With P worker processes a window lets through at
    most about P × ``batch`` calls beyond the limit, never refuses one below it, and is exact
    within one process (see ``counters.BatchedCounter``). ninja's own throttles keep and
    re-store a list of every call's time.
    """

    PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def __init__(self, rate: str, *, batch: int | None = None) -> None:
        count, _slash, period = rate.partition("/")
        self.rate = rate
        self.limit = int(count)
        self.seconds = self.PERIODS[period.strip()[:1].lower()]
        self.calls = counters.BatchedCounter(
            batch=settings.DOSSIER_API_RATE_BATCH if batch is None else batch
        )
        self._wait = 0.0

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        ident = f"token-{token.pk}" if token is not None else self.get_ident(request)
        now = time.time()
        window = int(now // self.seconds)
        key = f"dossier:rate:{ident}:{self.seconds}:{window}"
        count = self.calls.hit(key, window=self.seconds + 1, limit=self.limit)
        self._wait = (window + 1) * self.seconds - now
        return count <= self.limit

    def get_ident(self, request: HttpRequest) -> str | None:
        # ninja's own believes any X-Forwarded-For; only trusted proxies' counts here
        return client_ip(request)

    def wait(self) -> float | None:
        return self._wait
