"""Page middleware (sessions, CSRF, log-in redirect, messages) runs for pages, not the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.test import Client


def test_pages_still_redirect_anonymous_visitors_to_log_in(db: Any) -> None:
    response = Client().get("/customers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_pages_still_know_the_logged_in_user_from_the_session(sales_user: User) -> None:
    client = Client()
    client.force_login(sales_user)
    assert client.get("/customers/").status_code == 200


def test_pages_still_refuse_a_post_without_the_csrf_token(sales_user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_user)
    response = client.post("/customers/new/member/", {"display_name": "王芳"})
    assert response.status_code == 403


def test_a_session_cookie_does_not_authenticate_an_api_call(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    client = Client()
    client.force_login(sales_user)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    # and a call with a token neither reads nor sets a session or CSRF cookie
    api = api_as(sales_user)
    answered = api.get("/me")
    assert answered.status_code == 200
    assert not answered.cookies
    assert "Cookie" not in answered.get("Vary", "")
