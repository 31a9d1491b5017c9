"""What every app's pages share: the logged-in request, where it came from, 404 and 403 pages."""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dossier.core.errors import NotFound, PermissionDenied

View = Callable[..., HttpResponse]


class AuthenticatedRequest(HttpRequest):
    """A request that LoginRequiredMiddleware let through, so its user is a real one."""

    user: User


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for network in getattr(settings, "DOSSIER_TRUSTED_PROXIES", ()):
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or X-Forwarded-For's as reported by proxies
    listed in ``DOSSIER_TRUSTED_PROXIES`` (by default none, so the header is ignored).

    The header is read from the right: each trusted proxy vouches for the hop before it; the
    first address no trusted proxy stands for is the client.
    """
    address: str | None = request.META.get("REMOTE_ADDR") or None
    if not address or not _trusted(address):
        return address
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a hop that is not an address: stop at the last proxy that spoke
        address = hop
        if not _trusted(hop):
            break
    return address


def request_origin(request: HttpRequest) -> dict[str, Any]:
    """Where a request came from (IP address, browser), for the audit log and consent evidence."""
    return {
        "ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


def query_text(request: HttpRequest, name: str, default: str = "", *, limit: int = 200) -> str:
    """A filter typed into a page's address: trimmed, cut to ``limit``, control characters out.

    Every page filter reads its parameters through here: PostgreSQL refuses a NUL character
    (``?actor=%00`` answered 500), and no filter value needs any control character.
    """
    text = request.GET.get(name, default)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
    return text.strip()[:limit]


def query_date(request: HttpRequest, name: str) -> date | None:
    """A date filter (YYYY-MM-DD) from the query string; None when empty or unreadable."""
    try:
        return date.fromisoformat(query_text(request, name, limit=10))
    except ValueError:
        return None


def query_number(request: HttpRequest, name: str) -> int | None:
    """A whole-number parameter (a cursor, say); None when empty or not plain digits."""
    text = query_text(request, name, limit=18)
    return int(text) if text.isdecimal() and text.isascii() else None


def shows_errors(template: str, *, nav: str) -> Callable[[View], View]:
    """A view decorator: NotFound becomes a 404 page, PermissionDenied a 403 page.

    ``template`` extends ``core/error.html`` (it adds the way back); ``nav`` is the menu entry
    shown as current.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except (NotFound, PermissionDenied) as error:
                context = {"error": error, "nav": nav}
                return render(request, template, context, status=error.status)

        return wrapper

    return decorator
