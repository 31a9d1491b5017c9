"""API GET-customer requests per second, against a bare Django JSON view in the same run.

All go through the same WSGI handler in this process (no network, no server threads), so
the ratio shows what Dossier adds: token check, access control, the customer query,
decryption and masking. Goals (issue 12): ratio to the bare Django view ≥ 0.5, or, since
django-ninja has a floor of its own, ratio to a bare django-ninja endpoint returning a
constant ≥ 0.75. All run in the same process, round after round.

Paths under /api/ skip the page-only middleware (sessions, CSRF, log-in redirect, messages;
see ``core.middleware.PagesOnly``), the baselines at /bench/ do not. So a third baseline,
the same bare ninja endpoint under /api/, is printed too: the ratio to it shows what the
customer read itself costs, with the middleware saving taken out.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
# the per-token limit still runs on every call; it is set high so the benchmark is not refused.
# Its count goes to the shared counter (the database) in batches, as in production
# (DOSSIER_API_RATE_BATCH, default 20; set it to 1 to see the cost of a write per call)
os.environ.setdefault("DOSSIER_API_RATE", "100000000/m")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.decorators import login_not_required  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
GOAL = 0.5
NINJA_GOAL = 0.75


@login_not_required
def bare_json(request: Any) -> JsonResponse:
    """The baseline: a Django view returning a small JSON object, nothing else."""
    return JsonResponse({"id": "0192f1d2-0000-7000-8000-000000000000", "display_name": "张三"})


def _urlconf() -> None:
    from ninja import NinjaAPI

    import dossier.urls

    # the framework's floor: a ninja endpoint with no auth, returning a constant object
    bare_api = NinjaAPI(urls_namespace="bench-ninja", docs_url=None, openapi_url=None)

    @bare_api.get("/customer")
    def bare_ninja(request: Any) -> dict[str, str]:
        return {"id": "0192f1d2-0000-7000-8000-000000000000", "display_name": "张三"}

    dossier.urls.urlpatterns.insert(0, path("bench/bare/", bare_json))
    ninja_urls = bare_api.urls
    for pattern in ninja_urls[0]:
        pattern.callback.login_required = False  # as dossier.urls does for /api/v1
    dossier.urls.urlpatterns.insert(0, path("bench/ninja/", ninja_urls))
    # the same endpoint where the API lives: the page-only middleware skips it too
    dossier.urls.urlpatterns.insert(0, path("api/bench-ninja/", ninja_urls))


def _seed() -> tuple[str, str]:
    from dossier.accounts.services import create_token, create_user
    from dossier.core import roles
    from dossier.customers.services import create_customer
    from dossier.templates.selectors import get_template

    call_command("migrate", verbosity=0)
    user = create_user(username="bench", password="bench-password-1", role=roles.SALES, team="east")
    customer = create_customer(
        actor=user,
        template=get_template(key="real_estate_buyer"),
        values={
            "display_name": "欧阳娜娜",
            "phone": "13800138000",
            "email": "nana@example.com",
            "address": "北京市朝阳区建国路 88 号",
            "id_number": "11010519491231002X",
            "budget_min": "3000000",
            "budget_max": "5000000",
        },
    )
    _token, secret = create_token(user=user, name="bench", scope="read")
    return f"/api/v1/customers/{customer.pk}", secret


def _environ(path_info: str, token: str | None) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return environ


def _rate(handler: WSGIHandler, path_info: str, token: str | None) -> float:
    status: list[str] = []

    def start_response(code: str, headers: Any, exc_info: Any = None) -> None:
        status.append(code)

    # requests per second of this process's CPU time: the same as wall time on an idle
    # machine, and still a fair comparison when other work shares the cores
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < SECONDS:
        environ = _environ(path_info, token)
        body = b"".join(handler(environ, start_response))
        if not status[-1].startswith("200"):
            raise SystemExit(f"{path_info} answered {status[-1]}: {body[:200]!r}")
        count += 1
    return count / (time.process_time() - cpu)


def main() -> None:
    _urlconf()
    customer_path, token = _seed()
    handler = WSGIHandler()
    _rate(handler, customer_path, token)  # warm-up: caches, connection, keyring
    bare, ninja, api_ninja, dossier = [], [], [], []
    for _round in range(ROUNDS):
        bare.append(_rate(handler, "/bench/bare/", None))
        ninja.append(_rate(handler, "/bench/ninja/customer", None))
        api_ninja.append(_rate(handler, "/api/bench-ninja/customer", None))
        dossier.append(_rate(handler, customer_path, token))
    best_bare, best_ninja, best_api = max(bare), max(ninja), max(dossier)
    best_api_ninja = max(api_ninja)
    ratio = best_api / best_bare
    ninja_ratio = best_api / best_ninja
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"database: {engine}; {ROUNDS} rounds of {SECONDS:.0f} s each, best round reported "
        "(requests per CPU-second of this process); API rate limit counted in batches of "
        f"{settings.DOSSIER_API_RATE_BATCH}"
    )
    print(f"bare Django JSON view      : {best_bare:8.0f} req/s")
    print(f"bare django-ninja endpoint : {best_ninja:8.0f} req/s")
    print(f"bare ninja under /api/     : {best_api_ninja:8.0f} req/s")
    print(f"API GET /customers/{{id}}    : {best_api:8.0f} req/s")
    verdict = "meets" if ratio >= GOAL else "below"
    print(f"ratio API / bare Django    : {ratio:8.2f}  (goal ≥ {GOAL}: {verdict})")
    verdict = "meets" if ninja_ratio >= NINJA_GOAL else "below"
    print(f"ratio API / bare ninja     : {ninja_ratio:8.2f}  (goal ≥ {NINJA_GOAL}: {verdict})")
    print(f"ratio API / ninja in /api/ : {best_api / best_api_ninja:8.2f}  (no goal: for reading)")


if __name__ == "__main__":
    main()
