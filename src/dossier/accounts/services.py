"""Writes for users, roles, teams and API tokens."""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts import token_cache
from dossier.accounts.models import AccessGeneration, ApiToken, Membership, Team
from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.accounts.usernames import normalise_username
from dossier.audit.services import record_audit
from dossier.core import roles
from dossier.core.errors import NotFound, ValidationFailed
from dossier.core.fields import FieldError

TOKEN_PREFIX = "dos_"
LAST_USED_GRANULARITY = timedelta(minutes=1)


def bump_access_generation() -> None:
    """Tell every process that remembers tokens to load them afresh on their next call."""
    if not AccessGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        AccessGeneration.objects.get_or_create(pk=1, defaults={"value": 1})


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_roles() -> None:
    """Create the role groups and give each its permissions (idempotent)."""
    for role in roles.ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        if role == roles.ADMIN:
            perms = list(Permission.objects.filter(content_type__app_label__in=roles.ADMIN_APPS))
        else:
            perms = [_permission(p) for p in roles.ROLE_PERMISSIONS[role]]
        group.permissions.set(perms)
    bump_access_generation()


@transaction.atomic
def set_role(*, user: User, role: str, actor: User | None = None) -> None:
    """Give ``user`` exactly one role (audited; ``actor`` None is the system or the CLI)."""
    if role not in roles.ROLES:
        raise ValidationFailed(
            _("Unknown role."),
            errors=[FieldError("invalid_choice", field="role", label="role", value=role)],
        )
    group = Group.objects.filter(name=role).first()
    if group is None:  # setting up the groups' permissions costs dozens of queries: only once
        ensure_roles()
        group = Group.objects.get(name=role)
    before = role_of_cached(user) if user.pk else None
    user.groups.remove(*Group.objects.filter(name__in=roles.ROLES))
    user.groups.add(group)
    user.is_staff = role == roles.ADMIN
    user.save(update_fields=["is_staff"])
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache", "_dossier_role"):
        user.__dict__.pop(cache, None)
    token_cache.forget_user(user.pk)
    bump_access_generation()
    if before != role:
        record_audit(
            actor=actor,
            action="role_change",
            object_type="user",
            object_id=user.get_username(),
            changes={"role": {"before": before, "after": role}},
        )


@transaction.atomic
def create_user(
    *, username: str, password: str, role: str, email: str = "", team: str | None = None
) -> User:
    """Create a user with a role (and a team, created if new).

    The name is stored normalised (NFKC, casefold): ``ＬＩ.ＮＡ`` and ``li.na`` are one user.
    """
    username = normalise_username(username)
    if not username:
        raise ValidationFailed(
            _("A user name is required."),
            errors=[FieldError("required", field="username", label="username")],
        )
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(
            _("That user name is taken."),
            errors=[FieldError("not_unique", field="username", label="username")],
        )
    user = User.objects.create_user(username=username, password=password, email=email)
    set_role(user=user, role=role)
    if team:
        join_team(user=user, team=team)
    return user


@transaction.atomic
def deactivate_user(*, actor: User | None, user: User) -> User:
    """Stop a user from logging in or using the API (their records and history stay)."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    token_cache.forget_user(user.pk)
    bump_access_generation()
    record_audit(
        actor=actor,
        action="role_change",
        object_type="user",
        object_id=user.pk,
        changes={"active": {"before": True, "after": False}},
    )
    return user


@transaction.atomic
def join_team(*, user: User, team: str) -> Team:
    """Put ``user`` in the team named ``team`` (creating the team if needed)."""
    team_obj, _created = Team.objects.get_or_create(name=team)
    Membership.objects.update_or_create(user=user, defaults={"team": team_obj})
    user.__dict__.pop("_dossier_team", None)
    token_cache.forget_user(user.pk)
    bump_access_generation()
    return team_obj


def digest_token(secret: str) -> str:
    # Tokens are 256-bit random strings, so a plain SHA-256 (no salt, no stretching) is safe.
    return hashlib.sha256(secret.encode()).hexdigest()


def _bounded_by_parent(
    parent: ApiToken, scope: str, expires_at: datetime | None, expires_in_days: int | None
) -> datetime | None:
    """The expiry a token created by ``parent`` gets; refuses one wider or longer-lived."""
    if scope == ApiToken.READ_WRITE and not parent.can_write:
        raise ValidationFailed(
            _("A token may not create a token with more access than its own."),
            code="token_wider_than_parent",
            errors=[FieldError("invalid_choice", field="scope", label="scope", value=scope)],
        )
    if parent.expires_at is None:
        return expires_at
    if expires_in_days is None:
        return parent.expires_at  # unspecified: it ends with the token that created it
    # days are coarse: asking for the parent's remaining days (rounded up) ends with the parent
    days_left = math.ceil((parent.expires_at - timezone.now()) / timedelta(days=1))
    if expires_in_days > days_left:
        raise ValidationFailed(
            _("A token may not create a token that outlives it."),
            code="token_outlives_parent",
            errors=[
                FieldError(
                    "too_large",
                    field="expires_in_days",
                    label="expires_in_days",
                    max=max(days_left, 0),
                )
            ],
        )
    if expires_at is None or expires_at > parent.expires_at:
        return parent.expires_at
    return expires_at


@transaction.atomic
def create_token(
    *,
    user: User,
    name: str,
    scope: str = ApiToken.READ,
    expires_in_days: int | None = None,
    parent: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token; returns it and the secret, which is shown only this once.

    ``parent`` is the token of the API call asking for it: the new token may be no wider in
    scope and no longer-lived than that one, and is revoked with it.
    """
    if scope not in (ApiToken.READ, ApiToken.READ_WRITE):
        raise ValidationFailed(
            _("Unknown token scope."),
            errors=[FieldError("invalid_choice", field="scope", label="scope", value=scope)],
        )
    body = secrets.token_urlsafe(32)
    secret = f"{TOKEN_PREFIX}{body}"
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    if parent is not None:
        expires_at = _bounded_by_parent(parent, scope, expires_at, expires_in_days)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=digest_token(secret),
        scope=scope,
        expires_at=expires_at,
        parent=parent,
    )
    changes = {"name": token.name, "scope": scope, "prefix": token.prefix}
    if parent is not None:
        changes["created_by_token"] = parent.prefix
    record_audit(
        actor=user,
        action="token_create",
        object_type="api_token",
        object_id=token.pk,
        changes=changes,
    )
    return token, secret


def _descendants(token: ApiToken) -> list[ApiToken]:
    """The live tokens created by ``token``, by those, and so on."""
    found: list[ApiToken] = []
    parents = [token.pk]
    while parents:
        children = list(
            ApiToken.objects.filter(parent_id__in=parents, revoked_at__isnull=True)
            .exclude(pk__in=[t.pk for t in found] + [token.pk])
            .select_related("user")
        )
        found += children
        parents = [c.pk for c in children]
    return found


@transaction.atomic
def revoke_token(*, token_id: int, actor: User) -> ApiToken:
    """Revoke one of the actor's tokens (an admin may revoke anyone's), and every token
    created through it."""
    tokens = (
        ApiToken.objects.all()
        if actor.is_superuser or role_of_cached(actor) == roles.ADMIN
        else actor.api_tokens.all()
    )
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    now = timezone.now()
    for revoked in [token, *_descendants(token)]:
        if revoked.revoked_at is None:
            revoked.revoked_at = now
            revoked.save(update_fields=["revoked_at"])
            record_audit(
                actor=actor,
                action="token_revoke",
                object_type="api_token",
                object_id=revoked.pk,
                changes={"name": revoked.name, "owner": revoked.user.get_username()},
            )
        token_cache.forget_token(revoked.digest)
    bump_access_generation()
    return token


@functools.cache
def token_state_sql(alias: str) -> str:
    """Two SQL columns: whether token ``%(token_id)s`` is live, and the access generation now.

    Live means unrevoked, unexpired by the database's clock and owned by an active user
    (NULL if the token is gone): everything that makes a token valid, read afresh on every
    call (``authenticate_token`` also holds the expiry it loaded against this process's
    clock). A statement that reads something else may select these too (the
    single-customer read does), so the check costs no query of its own.
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    # the statement's own time: PostgreSQL's CURRENT_TIMESTAMP is when the transaction began
    # (maybe long before, in a test's or a task's); SQLite's has whole seconds only, so an
    # expiry earlier in the same second would still pass (Django writes the microseconds)
    now = (
        "statement_timestamp()"
        if connection.vendor == "postgresql"
        else "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"
    )
    token_table = quote(ApiToken._meta.db_table)
    user_table = quote(User._meta.db_table)
    generation_table = quote(AccessGeneration._meta.db_table)
    # the table names are our own, never input; the aliases differ from any a statement
    # that embeds these columns is likely to use
    return (
        "(SELECT token_.revoked_at IS NULL AND owner_.is_active AND "
        f"(token_.expires_at IS NULL OR token_.expires_at > {now}) "
        f"FROM {token_table} token_ JOIN {user_table} owner_ ON owner_.id = token_.user_id "
        "WHERE token_.id = %(token_id)s), "
        f"(SELECT generation_.value FROM {generation_table} generation_ WHERE generation_.id = 1)"
    )


def token_state(live: Any, generation: Any) -> tuple[bool, int]:
    """The two columns of :func:`token_state_sql` as (live, generation)."""
    return bool(live), int(generation or 0)


def _token_state(token_id: int) -> tuple[bool, int]:
    """Whether the token is valid (see :func:`token_state_sql`), and the access generation now.

    One indexed query on every API call, also for remembered tokens: it is what makes a
    revocation, expiry or deactivation by another process (or straight in the database)
    count at once.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {token_state_sql(connection.alias)}", {"token_id": token_id})
        row = cursor.fetchone()
    return token_state(*row)


def _current_generation() -> int:
    value = AccessGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return int(value or 0)


def authenticate_token(
    secret: str, *, state: Callable[[int], tuple[bool, int]] | None = None
) -> ApiToken | None:
    """The live token for ``secret`` (recording its use), or None.

    The user comes with permissions, role and team loaded, and is remembered (see
    token_cache), so an API call usually starts with one small query: is the token still
    live, and has any token, role, team or account changed since it was loaded. ``state``
    may run that query instead, as part of a statement that reads what the call needs too
    (it must select :func:`token_state_sql` for the token id it is given).
    """
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = digest_token(secret)
    now = timezone.now()
    remembered = token_cache.recall(digest)
    if remembered is not None:
        token, loaded_under = remembered
        live, generation = (state or _token_state)(token.pk)
        if not live:
            token_cache.forget_token(digest)
            return None
        if generation == loaded_under:
            return token if not (token.expires_at and token.expires_at <= now) else None
    else:
        generation = _current_generation()
    # read before the token: a change in between only makes the next call load it again
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        # At most one write a minute per token, so reads stay reads.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    token.user.get_all_permissions()  # fills the permission caches
    role_of_cached(token.user)
    team_id_of(token.user)
    token_cache.remember(digest, token, generation)
    return token
