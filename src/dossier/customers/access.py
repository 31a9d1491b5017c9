"""Who may see and change which customers: the one place that decides it.

Every selector and service starts from :func:`restrict`, so a page, an API list, a search
and an export cannot show the same user different things.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dossier.accounts import roles
from dossier.accounts.selectors import role_of_cached, team_id_of

from .models import Customer, CustomerShare

ACTION_PERMISSIONS = {
    "view": "customers.view_customer",
    "change": "customers.change_customer",
    "delete": "customers.delete_customer",
    "export": "customers.export_customer",
    "reveal": "customers.reveal_customer",
}


def restrict(queryset: QuerySet[Customer], actor: Any, action: str = "view") -> QuerySet[Customer]:
    """The customers in ``queryset`` that ``actor`` may act on (``view``, ``change`` …).

    Admins: all. Managers: their team's customers, their own and those shared with them.
    Sales, service and marketing: their own and those shared with them. Analysts: none.
    Soft-deleted customers are never included.
    """
    queryset = queryset.filter(deleted_at__isnull=True)
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return queryset.none()
    if not actor.has_perm(ACTION_PERMISSIONS[action]):
        return queryset.none()
    role = role_of_cached(actor)
    if actor.is_superuser or role == roles.ADMIN:
        return queryset
    if role in roles.ROLE_SCENARIOS:
        queryset = queryset.filter(template__scenario__in=roles.ROLE_SCENARIOS[role])
    mine = Q(owner=actor) | Q(id__in=CustomerShare.objects.filter(user=actor).values("customer_id"))
    if role == roles.MANAGER:
        team_id = team_id_of(actor)
        if team_id is not None:
            mine |= Q(team_id=team_id)
    return queryset.filter(mine)


def sees_everyone(actor: Any, action: str = "view") -> bool:
    """Whether ``restrict`` lets the actor act on every (not deleted) customer."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if not actor.has_perm(ACTION_PERMISSIONS[action]):
        return False
    return bool(actor.is_superuser or role_of_cached(actor) == roles.ADMIN)


def may(actor: Any, permission: str) -> bool:
    """Whether the actor holds a Dossier permission ("customers.add_customer" …)."""
    return bool(actor is not None and actor.is_authenticated and actor.has_perm(permission))


def allows(actor: Any, customer: Customer, action: str = "view") -> bool:
    """Whether ``restrict`` would let ``actor`` act on this one customer (the same rule)."""
    if customer.deleted_at is not None:
        return False
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if not actor.has_perm(ACTION_PERMISSIONS[action]):
        return False
    role = role_of_cached(actor)
    if actor.is_superuser or role == roles.ADMIN:
        return True
    if not works_in(actor, template_scenario(customer)):
        return False
    if customer.owner_id == actor.pk:
        return True
    if (
        role == roles.MANAGER
        and customer.team_id is not None
        and customer.team_id == team_id_of(actor)
    ):
        return True
    return CustomerShare.objects.filter(customer_id=customer.pk, user_id=actor.pk).exists()


def works_in(actor: Any, scenario: str) -> bool:
    """Whether the actor's role works with customers of this template scenario."""
    if actor.is_superuser:
        return True
    allowed = roles.ROLE_SCENARIOS.get(role_of_cached(actor) or "")
    return allowed is None or scenario in allowed


def template_scenario(customer: Customer) -> str:
    # fetch_customer reads the scenario with the row; otherwise follow the relation
    scenario = getattr(customer, "template_scenario", None)
    return scenario if scenario is not None else customer.template.scenario
