"""Reads for users, roles, teams and tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from dossier.accounts.models import ApiToken, Membership
from dossier.core import roles
from dossier.core.actors import SystemActor


def role_of_cached(user: Any) -> str | None:
    """The user's role, remembered on the user object for the rest of the request."""
    if isinstance(user, SystemActor):
        return roles.ADMIN
    cached = getattr(user, "_dossier_role", "")
    if cached == "":
        names = set(user.groups.values_list("name", flat=True))
        cached = next((r for r in roles.ROLES if r in names), None)
        user._dossier_role = cached
    return cached


def team_id_of(user: Any) -> int | None:
    """The id of the user's team, if any."""
    if isinstance(user, SystemActor):
        return None
    if not hasattr(user, "_dossier_team"):
        user._dossier_team = (
            Membership.objects.filter(user=user).values_list("team_id", flat=True).first()
        )
    team_id: int | None = user._dossier_team
    return team_id


def team_members(team_id: int) -> QuerySet[Membership, Any]:
    """The user ids of a team's members, as a subquery (``values("user_id")``)."""
    return Membership.objects.filter(team_id=team_id).values("user_id")


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first."""
    return user.api_tokens.all()


def user_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("username")


def active_user(*, username: str) -> User | None:
    """The active user with this user name, if there is one."""
    # PostgreSQL refuses NUL in a text parameter, and no user name contains one
    return User.objects.filter(username=username.replace("\x00", ""), is_active=True).first()
