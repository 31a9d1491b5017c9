"""Who acts: a signed-in user, or Dossier itself running a named job (retention, migration …).

Services take ``actor: Actor`` and never skip a check because the actor is missing: jobs
that run without a person pass a :class:`SystemActor`, which holds every permission and is
written to the audit log as ``system:<job>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class SystemActor:
    """Dossier acting on its own behalf, for one named job."""

    job: str
    pk: None = None
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = True
    is_staff: bool = False

    def has_perm(self, permission: str) -> bool:
        """A system job may do what its caller started it for."""
        return True

    def get_username(self) -> str:
        """The name the audit log shows for this job."""
        return f"system:{self.job}"


Actor: TypeAlias = User | SystemActor
#: what edges may pass in before authentication is known
MaybeActor: TypeAlias = User | SystemActor | AnonymousUser


def person(actor: MaybeActor | None) -> User | None:
    """The signed-in person behind an actor, for "by whom" columns; None for a system job."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def system_actor(job: str) -> SystemActor:
    """The actor for a job Dossier runs itself (``retention``, ``builtin-templates`` …)."""
    return SystemActor(job=job)
