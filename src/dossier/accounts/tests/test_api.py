"""The account API: who am I, and API tokens (create, list, revoke, expiry, scope)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from dossier.accounts import token_cache
from dossier.accounts.models import ApiToken
from dossier.accounts.services import create_token, deactivate_user, digest_token
from dossier.core import roles


def with_secret(api_as: Callable[..., Any], secret: str) -> Any:
    client = api_as(None)
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def test_every_endpoint_needs_a_token(sales_user: User, api_as: Callable[..., Any]) -> None:
    token, _secret = create_token(user=sales_user, name="cli")
    anonymous = api_as(None)
    calls = [
        anonymous.get("/me"),
        anonymous.get("/tokens"),
        anonymous.post("/tokens", {"name": "x"}),
        anonymous.delete(f"/tokens/{token.pk}"),
    ]
    assert [r.status_code for r in calls] == [401] * 4
    for header in ("Bearer", "Bearer dos_nope", "Token abc", "Basic eDp5"):
        response = anonymous.get("/me", headers={"Authorization": header})
        assert response.status_code == 401, header
    token.refresh_from_db()
    assert token.revoked_at is None


def test_bearer_header_is_read_as_before(sales_user: User, api_as: Callable[..., Any]) -> None:
    """The header is read from META directly now; the scheme stays case-insensitive."""
    _token, secret = create_token(user=sales_user, name="cli", scope="read")
    anonymous = api_as(None)
    for header, status in (
        (f"Bearer {secret}", 200),
        (f"bearer {secret}", 200),
        (f"BEARER {secret}", 200),
        (f"Bearer  {secret}", 401),  # the token is everything after the first space
        (f"Token {secret}", 401),
        (secret, 401),
        ("", 401),
    ):
        response = anonymous.get("/me", headers={"Authorization": header})
        assert response.status_code == status, header


def test_me(sales_user: User, admin_user: User, api_as: Callable[..., Any]) -> None:
    me = api_as(sales_user).get("/me").json()
    assert me["username"] == "li.na" and me["role"] == roles.SALES
    assert "customers.add_customer" in me["permissions"]
    assert "customers.delete_customer" not in me["permissions"]
    assert api_as(admin_user).get("/me").json()["role"] == roles.ADMIN
    nobody = User.objects.create_user("nobody", password="x" * 12)
    assert api_as(nobody).get("/me").json() == {
        "username": "nobody",
        "role": None,
        "permissions": [],
    }


def test_create_token_shows_secret_once(sales_user: User, api_as: Callable[..., Any]) -> None:
    client = api_as(sales_user)
    response = client.post("/tokens", {"name": "报表脚本", "scope": "read", "expires_in_days": 30})
    assert response.status_code == 201
    data = response.json()
    secret = data["secret"]
    assert secret.startswith("dos_") and data["prefix"] == secret[:10]
    assert data["scope"] == "read" and data["expires_at"] is not None
    stored = ApiToken.objects.get(pk=data["id"])
    assert stored.digest == digest_token(secret) and secret not in stored.digest
    listed = client.get("/tokens").json()
    assert data["id"] in [t["id"] for t in listed]
    assert secret not in str(listed) and all("secret" not in t for t in listed)
    assert with_secret(api_as, secret).get("/me").json()["username"] == "li.na"
    # the new read token cannot write
    assert with_secret(api_as, secret).post("/tokens", {"name": "x"}).status_code == 403


def test_list_shows_only_own_tokens(
    sales_user: User, make_user: Callable[..., User], api_as: Callable[..., Any]
) -> None:
    other = make_user("zhao", roles.SALES)
    create_token(user=other, name="zhao's")
    names = {t["name"] for t in api_as(sales_user).get("/tokens").json()}
    assert names == {"test"}


def test_read_only_token_cannot_create_or_revoke(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    token, _secret = create_token(user=sales_user, name="cli")
    reader = api_as(sales_user, "read")
    assert reader.get("/tokens").status_code == 200
    assert reader.post("/tokens", {"name": "x", "scope": "read_write"}).status_code == 403
    assert reader.delete(f"/tokens/{token.pk}").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not ApiToken.objects.filter(name="x").exists()


def test_bad_token_requests(sales_user: User, api_as: Callable[..., Any]) -> None:
    client = api_as(sales_user)
    before = ApiToken.objects.count()
    bad_scope = client.post("/tokens", {"name": "x", "scope": "admin"})
    assert bad_scope.status_code == 422
    assert [(e["field"], e["code"]) for e in bad_scope.json()["errors"]] == [
        ("scope", "invalid_choice")
    ]
    empty = client.post("/tokens", {"name": "", "expires_in_days": 0})
    assert empty.status_code == 422
    assert {e["field"] for e in empty.json()["errors"]} == {"name", "expires_in_days"}
    assert client.post("/tokens", raw='{"name": ').status_code == 400
    assert client.post("/tokens", {"name": 5}).status_code == 422
    assert ApiToken.objects.count() == before


def test_bad_scope_message_in_chinese(sales_user: User, api_as: Callable[..., Any]) -> None:
    response = api_as(sales_user).post(
        "/tokens", {"name": "x", "scope": "admin"}, headers={"Accept-Language": "zh-hans"}
    )
    [error] = response.json()["errors"]
    assert error["message"] == "scope：“admin”不在可选项中。"


def test_revoke_own_token_then_it_stops_working(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    token, secret = create_token(user=sales_user, name="cli", scope="read_write")
    client = with_secret(api_as, secret)
    assert client.get("/me").status_code == 200
    assert api_as(sales_user).delete(f"/tokens/{token.pk}").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/me").status_code == 401
    # revoking again is harmless
    assert api_as(sales_user).delete(f"/tokens/{token.pk}").status_code == 204


def test_revoking_someone_elses_token(
    sales_user: User, make_user: Callable[..., User], admin_user: User, api_as: Callable[..., Any]
) -> None:
    token, secret = create_token(user=make_user("zhao", roles.SALES), name="zhao's")
    assert api_as(sales_user).delete(f"/tokens/{token.pk}").status_code == 404
    assert with_secret(api_as, secret).get("/me").status_code == 200
    assert api_as(admin_user).delete(f"/tokens/{token.pk}").status_code == 204
    assert with_secret(api_as, secret).get("/me").status_code == 401
    assert api_as(admin_user).delete("/tokens/999999").status_code == 404


def test_expired_token_is_refused(sales_user: User, api_as: Callable[..., Any]) -> None:
    token, secret = create_token(user=sales_user, name="cli", expires_in_days=1)
    client = with_secret(api_as, secret)
    assert client.get("/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    # a change made behind the services' back reaches a running process within token_cache.TTL
    token_cache.forget_all()
    response = client.get("/me")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_token_use_is_recorded(sales_user: User, api_as: Callable[..., Any]) -> None:
    token, secret = create_token(user=sales_user, name="cli")
    assert token.last_used_at is None
    with_secret(api_as, secret).get("/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_deactivated_user_token_is_refused(sales_user: User, api_as: Callable[..., Any]) -> None:
    client = api_as(sales_user)
    assert client.get("/me").status_code == 200
    deactivate_user(actor=None, user=sales_user)
    assert client.get("/me").status_code == 401


def test_role_changes_and_tokens_are_audited(
    sales_user: User, admin_user: User, api_as: Callable[..., Any]
) -> None:
    from dossier.accounts.services import set_role
    from dossier.audit.models import AuditEvent

    set_role(user=sales_user, role=roles.MANAGER, actor=admin_user)
    change = AuditEvent.objects.filter(action="role_change", object_id="li.na").latest("id")
    assert change.actor == admin_user
    assert change.changes == {"role": {"before": "sales", "after": "manager"}}
    token, secret = create_token(user=sales_user, name="shop sync")
    assert AuditEvent.objects.filter(action="token_create", object_id=str(token.pk)).exists()
    assert api_as(admin_user).delete(f"/tokens/{token.pk}").status_code == 204
    revoked = AuditEvent.objects.get(action="token_revoke", object_id=str(token.pk))
    assert revoked.actor == admin_user and secret not in str(revoked.changes)


def test_token_lifetime_must_be_a_whole_number_not_true(
    api_as: Callable[..., Any], admin_user: User
) -> None:
    """``true`` is not a number of days (schemathesis found it accepted as 1)."""
    response = api_as(admin_user).post(
        "/tokens", {"name": "t", "scope": "read", "expires_in_days": True}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("expires_in_days")
    # 3.0 is a whole number to JSON Schema (and to the OpenAPI document)
    written_as_float = {"name": "t2", "scope": "read", "expires_in_days": 3.0}
    assert api_as(admin_user).post("/tokens", written_as_float).status_code == 201
