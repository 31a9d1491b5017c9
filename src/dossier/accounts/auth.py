"""API authentication: a per-user bearer token, scoped read or read-write."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from dossier.core.errors import PermissionDenied

from .models import ApiToken
from .services import authenticate_token

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    """``Authorization: Bearer dos_…``. A read token may only read."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        if request.method not in SAFE_METHODS and not api_token.can_write:
            raise PermissionDenied(_("This token may only read."), code="token_read_only")
        request.user = api_token.user
        return api_token

    def __call__(self, request: HttpRequest) -> Any:
        return super().__call__(request)


class TokenRateThrottle(AuthRateThrottle):
    """At most ``rate`` calls per API token (per address for calls without a valid token)."""

    def get_cache_key(self, request: HttpRequest) -> str:
        token = getattr(request, "auth", None)
        ident = f"token-{token.pk}" if token is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
