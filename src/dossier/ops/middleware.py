"""Request ids and request metrics, around everything else (first in MIDDLEWARE)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from dossier.core.request_ids import bound_request_id
from dossier.ops.metrics import observe_request

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Keep a sane X-Request-ID or make one; bind it for the logs and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with bound_request_id(request.headers.get(HEADER, "")) as request_id:
            request.request_id = request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response[HEADER] = request_id
        return response


def route_of(request: HttpRequest) -> str:
    """The URL pattern the request matched (``customers/<int:pk>/``), never its raw path."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return str(match.route)
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"  # answered by WhiteNoise before any URL was resolved
    return "unmatched"


class RequestMetricsMiddleware:
    """Count each request and time it, by route pattern, method and status class."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        observe_request(
            route=route_of(request),
            method=request.method or "",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response
