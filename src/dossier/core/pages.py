"""What every app's pages share: the logged-in request, where it came from, 404 and 403 pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import NotFound, PermissionDenied

View = Callable[..., HttpResponse]


class AuthenticatedRequest(HttpRequest):
    """A request that LoginRequiredMiddleware let through, so its user is a real one."""

    user: User


def request_origin(request: HttpRequest) -> dict[str, Any]:
    """Where a request came from (IP address, browser), for the audit log and consent evidence."""
    return {
        "ip": request.META.get("REMOTE_ADDR") or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


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
