"""Account pages: audited log-in and log-out, API tokens (secret shown once), revoking."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.accounts.models import ApiToken
from dossier.accounts.services import authenticate_token, create_token
from dossier.audit.models import AuditEvent
from dossier.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone) DossierTest"


def secret_on(response: Any) -> str:
    match = re.search(r'id="new-secret"[^>]*value="(dos_[^"]+)"', response.content.decode())
    assert match, "no secret on the page"
    return match.group(1)


@pytest.fixture
def sales_client(sales_user: User) -> Client:
    client = Client()
    client.force_login(sales_user)
    return client


# --- log in and out -----------------------------------------------------------------------


def test_login_page_is_public() -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_successful_login_is_audited_with_ip_and_browser(sales_user: User) -> None:
    response = Client().post(
        "/login/",
        {"username": "li.na", "password": PASSWORD},
        headers={"User-Agent": BROWSER},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="login")
    assert event.actor == sales_user
    assert event.actor_name == "li.na"
    assert event.ip == "10.1.2.3"
    assert event.user_agent == BROWSER
    assert not AuditEvent.objects.filter(action="login_failed").exists()


def test_failed_login_is_audited_with_the_name_tried_and_never_the_password(
    sales_user: User,
) -> None:
    wrong = "not-the-password-9"
    response = Client().post(
        "/login/",
        {"username": "li.na", "password": wrong},
        headers={"User-Agent": BROWSER},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "password didn't match" in response.content.decode()
    assert "_auth_user_id" not in response.client.session
    event = AuditEvent.objects.get(action="login_failed")
    assert event.actor is None
    assert "li.na" in event.reason
    assert event.ip == "10.9.9.9"
    assert event.user_agent == BROWSER
    stored = " ".join(
        str(v) for v in AuditEvent.objects.filter(pk=event.pk).values().get().values()
    )
    assert wrong not in stored
    assert not AuditEvent.objects.filter(action="login").exists()


def test_logout_is_audited(sales_client: Client, sales_user: User) -> None:
    response = sales_client.post("/logout/")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="logout")
    assert event.actor == sales_user
    assert sales_client.get("/account/tokens/").status_code == 302  # logged out now


# --- tokens -------------------------------------------------------------------------------


def test_tokens_page_needs_login() -> None:
    response = Client().get("/account/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_creating_a_token_shows_the_secret_once_and_stores_only_its_digest(
    sales_client: Client, sales_user: User
) -> None:
    response = sales_client.post(
        "/account/tokens/", {"name": "CRM sync", "scope": "read_write", "expires_in_days": "30"}
    )
    assert response.status_code == 200
    assert response.context["nav"] == "tokens"
    assert "no-store" in response["Cache-Control"]
    secret = secret_on(response)
    token = ApiToken.objects.get(user=sales_user)
    assert (token.name, token.scope) == ("CRM sync", "read_write")
    assert token.expires_at is not None
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values())
    assert secret not in stored
    assert secret.startswith(token.prefix)
    assert authenticate_token(secret) == token

    again = sales_client.get("/account/tokens/")
    html = again.content.decode()
    assert secret not in html
    assert "CRM sync" in html
    assert token.prefix in html


def test_token_form_rejects_bad_input_and_creates_nothing(sales_client: Client) -> None:
    empty = sales_client.post("/account/tokens/", {"name": "", "scope": "read"})
    assert "name" in empty.context["form"].errors
    bad_scope = sales_client.post("/account/tokens/", {"name": "x", "scope": "admin"})
    assert "scope" in bad_scope.context["form"].errors
    too_long = sales_client.post(
        "/account/tokens/", {"name": "x", "scope": "read", "expires_in_days": "0"}
    )
    assert "expires_in_days" in too_long.context["form"].errors
    assert 'id="new-secret"' not in too_long.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_working(sales_client: Client, sales_user: User) -> None:
    token, secret = create_token(user=sales_user, name="old script")
    response = sales_client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authenticate_token(secret) is None
    page = sales_client.get("/account/tokens/").content.decode()
    assert "revoked" in page
    assert f"/account/tokens/{token.pk}/revoke/" not in page  # no button for a revoked token


def test_a_user_cannot_revoke_someone_elses_token(
    sales_client: Client, make_user: Any, sales_user: User
) -> None:
    other = make_user("zhao", "service")
    token, secret = create_token(user=other, name="theirs")
    response = sales_client.post(f"/account/tokens/{token.pk}/revoke/", follow=True)
    assert "No such token." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert authenticate_token(secret) == token
    assert "theirs" not in sales_client.get("/account/tokens/").content.decode()


def test_revoke_needs_post(sales_client: Client, sales_user: User) -> None:
    token, _secret = create_token(user=sales_user, name="kept")
    assert sales_client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


# --- language -------------------------------------------------------------------------------


def test_account_pages_speak_chinese(sales_client: Client) -> None:
    login = Client().get("/login/", headers={"Accept-Language": "zh-hans"})
    assert "登录 Dossier" in login.content.decode()
    tokens = sales_client.get("/account/tokens/", headers={"Accept-Language": "zh-hans"})
    html = tokens.content.decode()
    assert "新建令牌" in html
    assert "模板" in html  # the navigation, from the core catalogue
