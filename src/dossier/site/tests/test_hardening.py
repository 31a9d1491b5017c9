"""Security headers, log-in throttling and API rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from dossier.audit.models import AuditEvent
from dossier.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def test_pages_carry_a_strict_content_security_policy() -> None:
    response = Client().get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_pages_have_no_inline_scripts(sales_user: User) -> None:
    client = Client()
    client.force_login(sales_user)
    for path in (
        "/login/",
        "/customers/",
        "/customers/new/",
        "/templates/",
        "/tags/",
        "/account/tokens/",
    ):
        html = client.get(path).content.decode()
        assert " onclick=" not in html and " onsubmit=" not in html and " onchange=" not in html, (
            path
        )
        assert "<script>" not in html, path


def test_static_assets_and_api_docs_need_no_login_and_no_cdn() -> None:
    client = Client()
    assert client.get("/static/dossier/htmx.min.js").status_code == 200
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


def test_login_is_locked_after_five_failures(sales_user: User) -> None:
    client = Client()
    for _attempt in range(5):
        assert client.post("/login/", {"username": "li.na", "password": "wrong"}).status_code == 200
    locked = client.post("/login/", {"username": "li.na", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed", reason__contains="locked out").exists()
    # another user name is not locked by li.na's failures
    assert Client().post("/login/", {"username": "someone", "password": "x"}).status_code == 200


def test_successful_login_clears_earlier_failures(sales_user: User) -> None:
    client = Client()
    for _attempt in range(4):
        client.post("/login/", {"username": "li.na", "password": "wrong"})
    assert client.post("/login/", {"username": "li.na", "password": PASSWORD}).status_code == 302
    client.logout()
    for _attempt in range(4):
        client.post("/login/", {"username": "li.na", "password": "wrong"})
    assert client.post("/login/", {"username": "li.na", "password": PASSWORD}).status_code == 302


def test_api_rate_limit_answers_429_with_retry_after(
    sales_user: User, api_as: Callable[..., Any], monkeypatch: Any
) -> None:
    from django.urls import resolve

    from dossier.accounts.auth import TokenRateThrottle

    path_view = resolve("/api/v1/me").func.__closure__[0].cell_contents
    for operation in path_view.operations:
        limits = [t for t in operation.throttle_objects if isinstance(t, TokenRateThrottle)]
        assert limits, "every operation carries the per-token limit"
        monkeypatch.setattr(operation, "throttle_objects", [TokenRateThrottle("3/m")])
    client = api_as(sales_user)
    statuses = [client.get("/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/me")
    assert limited.json()["code"] == "rate_limited" and int(limited["Retry-After"]) >= 1
    # another token has its own allowance
    assert api_as(sales_user).get("/me").status_code == 200


def test_analysts_home_leads_to_the_reports_and_sales_home_to_customers(make_user: Any) -> None:
    from dossier.core import roles

    for role, landing in ((roles.ANALYST, "/insights/reports/"), (roles.SALES, "/customers/")):
        client = Client()
        client.force_login(make_user(f"who-{role}", role))
        response = client.get("/home/")
        assert response.status_code == 200 and f'href="{landing}' in response.content.decode()
        assert client.get(landing).status_code == 200
