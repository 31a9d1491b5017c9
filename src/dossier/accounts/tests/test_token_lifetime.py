"""Tokens cannot outlive their parent, and a change made elsewhere counts on the next call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from dossier.accounts import token_cache
from dossier.accounts.models import ApiToken
from dossier.accounts.services import create_token, deactivate_user, join_team, set_role
from dossier.core import roles


def with_secret(api_as: Callable[..., Any], secret: str) -> Any:
    client = api_as(None)
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


@contextmanager
def another_process() -> Iterator[None]:
    """Run the block as another process would: this process's remembered tokens stay warm.

    The services forget tokens in the process that makes a change; a second worker does not
    hear of it. Putting the entries back afterwards is what that worker's memory holds.
    """
    warm = dict(token_cache._entries)
    yield
    token_cache._entries.update(warm)


# --- a token-authenticated call creates tokens no wider and no longer-lived than itself ----


def test_a_token_with_an_expiry_cannot_create_one_without(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    parent, secret = create_token(
        user=sales_user, name="1 day", scope=ApiToken.READ_WRITE, expires_in_days=1
    )
    client = with_secret(api_as, secret)
    longer = client.post("/tokens", {"name": "forever", "expires_in_days": 30})
    assert longer.status_code == 422
    assert longer.json()["code"] == "token_outlives_parent"
    assert longer.json()["errors"][0]["field"] == "expires_in_days"
    # no expiry asked for: it ends when its parent does
    child = client.post("/tokens", {"name": "child"})
    assert child.status_code == 201
    assert child.json()["expires_at"] is not None
    stored = ApiToken.objects.get(pk=child.json()["id"])
    assert stored.expires_at == parent.expires_at and stored.parent == parent
    shorter = client.post("/tokens", {"name": "hour", "expires_in_days": 1})
    assert shorter.status_code == 201
    assert ApiToken.objects.get(pk=shorter.json()["id"]).expires_at <= parent.expires_at
    assert ApiToken.objects.filter(user=sales_user).count() == 3


def test_a_token_without_expiry_still_creates_any_token(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    _parent, secret = create_token(user=sales_user, name="ci", scope=ApiToken.READ_WRITE)
    response = with_secret(api_as, secret).post("/tokens", {"name": "ci2", "scope": "read_write"})
    assert response.status_code == 201 and response.json()["expires_at"] is None


def test_a_read_token_cannot_create_a_write_token(sales_user: User) -> None:
    parent, _secret = create_token(user=sales_user, name="read")
    from dossier.core.errors import ValidationFailed

    try:
        create_token(user=sales_user, name="wider", scope=ApiToken.READ_WRITE, parent=parent)
    except ValidationFailed as exc:
        assert exc.code == "token_wider_than_parent"
    else:
        raise AssertionError("a read token created a read-write one")
    assert not ApiToken.objects.filter(name="wider").exists()


def test_a_parent_with_an_hour_left_gives_at_most_that_hour(sales_user: User) -> None:
    parent, _secret = create_token(user=sales_user, name="p", expires_in_days=1)
    parent.expires_at = timezone.now() + timedelta(hours=1)
    from dossier.core.errors import ValidationFailed

    try:
        create_token(user=sales_user, name="c", expires_in_days=2, parent=parent)
    except ValidationFailed as exc:
        assert exc.code == "token_outlives_parent"
        assert exc.details("zh-hans")[0]["message"] == "expires_in_days不能大于1。"
    else:
        raise AssertionError("a child outlived its parent")
    child, _secret = create_token(user=sales_user, name="c", expires_in_days=1, parent=parent)
    assert child.expires_at == parent.expires_at


def test_revoking_a_token_revokes_the_tokens_it_created(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    parent, secret = create_token(user=sales_user, name="stolen", scope=ApiToken.READ_WRITE)
    child = with_secret(api_as, secret).post("/tokens", {"name": "c", "scope": "read_write"})
    child_client = with_secret(api_as, child.json()["secret"])
    grandchild = child_client.post("/tokens", {"name": "g"}).json()["secret"]
    assert with_secret(api_as, grandchild).get("/me").status_code == 200
    call_command("token", "revoke", str(parent.pk))
    assert child_client.get("/me").status_code == 401
    assert with_secret(api_as, grandchild).get("/me").status_code == 401
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0


# --- a change made by another process counts on the very next call ------------------------


def test_revoked_from_the_cli_while_another_process_remembers_it(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    token, secret = create_token(user=sales_user, name="erp", scope=ApiToken.READ_WRITE)
    client = with_secret(api_as, secret)
    assert client.get("/me").status_code == 200  # remembered now
    with another_process():
        call_command("token", "revoke", str(token.pk))
    assert token_cache.recall(token.digest) is not None  # still warm in "this" process
    assert client.get("/me").status_code == 401
    assert client.get("/tokens").status_code == 401


def test_deactivated_elsewhere_is_refused_at_once(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    _token, secret = create_token(user=sales_user, name="erp")
    client = with_secret(api_as, secret)
    assert client.get("/me").status_code == 200
    with another_process():
        deactivate_user(actor=None, user=User.objects.get(pk=sales_user.pk))
    assert client.get("/me").status_code == 401


def test_deactivated_straight_in_the_database_is_refused_at_once(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    _token, secret = create_token(user=sales_user, name="erp")
    client = with_secret(api_as, secret)
    assert client.get("/me").status_code == 200
    User.objects.filter(pk=sales_user.pk).update(is_active=False)  # e.g. Django's admin
    assert client.get("/me").status_code == 401


def test_role_and_team_changed_elsewhere_count_at_once(
    sales_user: User, api_as: Callable[..., Any]
) -> None:
    _token, secret = create_token(user=sales_user, name="erp")
    client = with_secret(api_as, secret)
    assert client.get("/me").json()["role"] == roles.SALES
    with another_process():
        set_role(user=User.objects.get(pk=sales_user.pk), role=roles.ANALYST)
    me = client.get("/me").json()
    assert me["role"] == roles.ANALYST
    assert "customers.view_customer" not in me["permissions"]
    with another_process():
        join_team(user=User.objects.get(pk=sales_user.pk), team="west")
    # reloaded again: the remembered user now carries the new team
    client.get("/me")
    remembered = token_cache.recall(ApiToken.objects.get(name="erp").digest)
    assert remembered is not None
    assert remembered[0].user._dossier_team == User.objects.get(pk=sales_user.pk).membership.team_id


def test_a_remembered_token_costs_one_query(
    sales_user: User, api_as: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    from dossier.accounts.services import authenticate_token

    _token, secret = create_token(user=sales_user, name="erp")
    assert authenticate_token(secret) is not None
    with django_assert_max_num_queries(1):
        assert authenticate_token(secret) is not None


def test_what_one_call_sets_on_its_user_is_not_seen_by_the_next(sales_user: User) -> None:
    from dossier.accounts.services import authenticate_token

    _token, secret = create_token(user=sales_user, name="erp")
    first = authenticate_token(secret)  # loads and remembers
    assert first is not None
    first.user.answer_of_this_call = True
    second = authenticate_token(secret)
    assert second is not None and not hasattr(second.user, "answer_of_this_call")
    second.user.answer_of_this_call = True
    second.user._perm_cache = {"customers.delete_customer"}
    third = authenticate_token(secret)
    assert third is not None and not hasattr(third.user, "answer_of_this_call")
    assert third.user is not second.user and third.user.pk == sales_user.pk
    assert not third.user.has_perm("customers.delete_customer")
    assert third.user.has_perm("customers.view_customer")
