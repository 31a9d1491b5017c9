"""Health, readiness and metrics: public to probes (no log-in), metrics behind a token."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from dossier.ops.access import may_scrape
from dossier.ops.metrics import exposition
from dossier.ops.readiness import readiness


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers (no database, no cache: a restart would not help those)."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """200 when every check passes, else 503; each check with its status and reason."""
    checks = readiness()
    ready = all(check.ok for check in checks)
    body = {"status": "ready" if ready else "not ready", "checks": [c.as_json() for c in checks]}
    return JsonResponse(body, status=200 if ready else 503)


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format, for a scraper holding the token (or on a private address)."""
    if not may_scrape(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
