"""Security headers every response carries; page-only middleware that API calls skip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

# The API authenticates each call by its bearer token and never reads a cookie; see urls.py.
API_PREFIX = "/api/"

# Scripts only from this site (htmx and dossier.js); inline style attributes are allowed for
# tag colours. The API docs page (Swagger UI, served locally) needs nothing more.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy (Django sets the other headers)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class PagesOnly:
    """Runs the wrapped middleware for pages; a call under ``/api/`` goes straight past it.

    Sessions, CSRF, the log-in redirect and messages serve cookie-authenticated pages. The
    API reads no cookie (``TokenAuth`` sets the user from the bearer token, its views are
    exempt from CSRF and from the log-in redirect), so for it they are work thrown away:
    a fifth of a single-customer read.
    """

    wrapped: str = ""
    api_user: bool = False  # give API calls an anonymous user until their token is checked

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.page = import_string(self.wrapped)(get_response)
        self._page_view = getattr(self.page, "process_view", None)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            if self.api_user:
                request.user = AnonymousUser()
            return self.get_response(request)
        response: HttpResponse = self.page(request)
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if self._page_view is None or request.path_info.startswith(API_PREFIX):
            return None
        result: HttpResponse | None = self._page_view(request, view, args, kwargs)
        return result


def _pages_only(dotted: str, *, api_user: bool = False) -> type[PagesOnly]:
    wrapped = import_string(dotted)
    # only process_view is passed on: a hook of another kind would silently stop running
    for hook in ("process_exception", "process_template_response"):
        if hasattr(wrapped, hook):
            raise TypeError(f"{dotted} has {hook}, which PagesOnly does not pass on")
    name = f"Pages{wrapped.__name__}"
    return type(name, (PagesOnly,), {"wrapped": dotted, "api_user": api_user})


PagesSessionMiddleware = _pages_only("django.contrib.sessions.middleware.SessionMiddleware")
PagesCsrfViewMiddleware = _pages_only("django.middleware.csrf.CsrfViewMiddleware")
PagesAuthenticationMiddleware = _pages_only(
    "django.contrib.auth.middleware.AuthenticationMiddleware", api_user=True
)
PagesLoginRequiredMiddleware = _pages_only("django.contrib.auth.middleware.LoginRequiredMiddleware")
PagesMessageMiddleware = _pages_only("django.contrib.messages.middleware.MessageMiddleware")
