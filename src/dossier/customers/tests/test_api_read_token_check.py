"""Reading one customer checks the token in the statement that reads the row: still every call.

A remembered token is re-checked (revoked? expired? user active? access changed?) on each
call; for ``GET /customers/{id}`` that check rides in the customer query. These tests keep
the process's memory of the token warm while the change happens elsewhere, as a second
worker would, and expect the very next read to see it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import uuid4

from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.utils import timezone

from dossier.accounts import token_cache
from dossier.accounts.models import ApiToken
from dossier.accounts.services import create_token, set_role
from dossier.core import roles
from dossier.customers.tests.api_helpers import Team, url


@contextmanager
def another_process() -> Iterator[None]:
    """The services forget tokens in the process that makes a change; another one does not."""
    warm = dict(token_cache._entries)
    yield
    token_cache._entries.update(warm)


def _client(api_as: Callable[..., Any], secret: str) -> Any:
    client = api_as(None)
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def _warm(api_as: Callable[..., Any], user: User, team: Team, **token: Any) -> tuple[Any, Any]:
    api_token, secret = create_token(user=user, name="erp", **token)
    client = _client(api_as, secret)
    assert client.get(url(team)).status_code == 200  # remembered from here on
    assert token_cache.recall(api_token.digest) is not None
    return client, api_token


def test_revoked_elsewhere_is_refused_on_the_next_read(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client, token = _warm(api_as, team.owner, team)
    with another_process():
        call_command("token", "revoke", str(token.pk))
    response = client.get(url(team))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert "張三" not in response.content.decode()


def test_revoked_token_reading_a_missing_or_malformed_id_gets_401_not_404(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client, token = _warm(api_as, team.owner, team)
    assert client.get(f"/customers/{uuid4()}").status_code == 404
    assert client.get("/customers/not-an-id").status_code == 422
    with another_process():
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert client.get(f"/customers/{uuid4()}").status_code == 401
    assert client.get("/customers/not-an-id").status_code == 401


def test_expired_while_remembered_is_refused_on_the_next_read(
    team: Team, api_as: Callable[..., Any], monkeypatch: Any
) -> None:
    client, _token = _warm(api_as, team.owner, team, expires_in_days=1)
    later = timezone.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(url(team)).status_code == 401


def test_expiry_shortened_in_the_database_counts_on_the_next_read(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client, token = _warm(api_as, team.owner, team, expires_in_days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url(team)).status_code == 401


def test_an_expiry_just_past_counts_whenever_the_transaction_began_and_within_a_second(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client, token = _warm(api_as, team.owner, team, expires_in_days=30)
    # the test's transaction began before this moment, and the clock is still in its second
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    time.sleep(0.01)  # the call comes strictly after the expiry, by more than a millisecond
    assert client.get(url(team)).status_code == 401


def test_owner_deactivated_in_the_database_is_refused_on_the_next_read(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client, _token = _warm(api_as, team.owner, team)
    User.objects.filter(pk=team.owner.pk).update(is_active=False)
    assert client.get(url(team)).status_code == 401


def test_role_changed_elsewhere_applies_to_the_next_read(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client, _token = _warm(api_as, team.owner, team)
    phone = client.get(url(team)).json()["values"]["phone"]
    assert phone.endswith("13800138000")
    with another_process():
        set_role(user=User.objects.get(pk=team.owner.pk), role=roles.MARKETING)
    seen = client.get(url(team)).json()
    assert seen["values"]["phone"] != phone and "phone" in seen["masked"]
    with another_process():
        set_role(user=User.objects.get(pk=team.owner.pk), role=roles.ANALYST)
    assert client.get(url(team)).status_code == 404


def test_permission_taken_from_the_role_in_the_database_applies_to_the_next_read(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client, _token = _warm(api_as, team.owner, team)
    personal = Permission.objects.get(codename="view_personal_customer")
    Group.objects.get(name=roles.SALES).permissions.remove(personal)  # not through a service
    seen = client.get(url(team)).json()
    assert "phone" in seen["masked"]


def test_a_remembered_token_reads_a_customer_in_one_query(
    team: Team, api_as: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    client, _token = _warm(api_as, team.owner, team)
    with django_assert_num_queries(1):
        assert client.get(url(team)).status_code == 200


def test_the_rate_limit_holds_for_the_read_whichever_worker_answers(
    team: Team, api_as: Callable[..., Any], monkeypatch: Any
) -> None:
    from django.urls import resolve

    from dossier.accounts.auth import TokenRateThrottle

    path_view = resolve(f"/api/v1{url(team)}").func.__closure__[0].cell_contents  # type: ignore[union-attr, index]
    for operation in path_view.operations:
        assert any(isinstance(t, TokenRateThrottle) for t in operation.throttle_objects)
        monkeypatch.setattr(operation, "throttle_objects", [TokenRateThrottle("3/m")])
    client, _token = _warm(api_as, team.owner, team)  # the first of three calls
    token_cache.forget_all()  # the next call lands on a worker that never saw the token
    assert client.get(url(team)).status_code == 200
    token_cache.forget_all()
    assert client.get(url(team)).status_code == 200
    limited = client.get(url(team))
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited" and int(limited["Retry-After"]) >= 1
