"""Reads of bulk actions, and of the people a customer may be given to or shared with."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of, team_members
from dossier.bulk.models import BulkAction
from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.customers.access import restrict, works_in
from dossier.customers.models import Customer
from dossier.customers.selectors import CustomerFilters, customer_queryset
from dossier.customers.services.profiles import check_owner

#: the list's filters a bulk action may be asked on
FILTER_KEYS = ("q", "tag", "template", "owner", "status")
#: people a picker offers at most
PICKER_LIMIT = 100


def oversees(actor: User, bulk: BulkAction) -> bool:
    """Whether ``actor`` may follow and undo ``bulk``: its author, an admin, a manager of the
    author's team."""
    if actor.pk == bulk.actor_id or actor.is_superuser:
        return True
    role = role_of_cached(actor)
    if role == roles.ADMIN:
        return True
    team = team_id_of(actor)
    return role == roles.MANAGER and team is not None and team == team_id_of(bulk.actor)


def bulk_action_for(*, actor: User, bulk_id: Any) -> BulkAction:
    """The bulk action, for those who oversee it; NotFound for everyone else."""
    number = int(bulk_id) if str(bulk_id).isdecimal() and len(str(bulk_id)) < 18 else 0
    bulk = BulkAction.objects.select_related("actor").filter(pk=number).first()
    if bulk is None or not actor.is_authenticated or not oversees(actor, bulk):
        raise NotFound(_("No such bulk action."), code="bulk_action_not_found")
    return bulk


def selected_customers(bulk: BulkAction, access: str) -> QuerySet[Customer]:
    """The customers of the selection its author may ``access`` (view, export …), now."""
    if bulk.filters is not None:
        filters = CustomerFilters(**{k: v for k, v in bulk.filters.items() if k in FILTER_KEYS})
        return customer_queryset(actor=bulk.actor, filters=filters, action=access)
    ids = [pk for pk in bulk.ids or [] if is_uuid(pk)]
    return restrict(Customer.objects.filter(pk__in=ids), bulk.actor, access)


def is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def _colleagues(actor: User) -> QuerySet[User]:
    """Active people who see customers (by their groups or their own permissions) whom the
    actor works with: everyone for admins, their team for the others."""
    sees = {"codename": "view_customer", "content_type__app_label": "customers"}
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(**{f"groups__permissions__{k}": v for k, v in sees.items()})
            | Q(**{f"user_permissions__{k}": v for k, v in sees.items()})
        )
        .distinct()
        .order_by("username")
    )
    if actor.is_superuser or role_of_cached(actor) == roles.ADMIN:
        return people
    team = team_id_of(actor)
    if team is None:
        return people.filter(pk=actor.pk)
    return people.filter(pk__in=team_members(team))


def assignable_owners(*, actor: User, customer: Customer) -> list[User]:
    """People ``actor`` may make the owner of ``customer`` (the core's ``check_owner`` rule)."""
    found = []
    for person in _colleagues(actor)[:PICKER_LIMIT]:
        try:
            check_owner(actor=actor, owner=person, template=customer.template)
        except (ValidationFailed, PermissionDenied):  # a refusal just leaves them out
            continue
        found.append(person)
    return found


def share_candidates(*, actor: User, customer: Customer) -> list[User]:
    """Colleagues who would see ``customer`` once shared: active, seeing customers, of its
    scenario, not its owner nor already sharing it."""
    sharing = set(customer.shares.values_list("user_id", flat=True))
    return [
        person
        for person in _colleagues(actor)[:PICKER_LIMIT]
        if person.pk != customer.owner_id
        and person.pk not in sharing
        and person.has_perm("customers.view_customer")
        and works_in(person, customer.template.scenario)
    ]


def owner_choices(*, actor: User) -> list[User]:
    """People a bulk owner change by ``actor`` may name: anyone (admins), their team
    (managers), themselves (others). Each customer's template is checked when it runs."""
    role = role_of_cached(actor)
    if not (actor.is_superuser or role in (roles.ADMIN, roles.MANAGER)):
        return [actor]
    return [p for p in _colleagues(actor)[:PICKER_LIMIT] if p.has_perm("customers.view_customer")]
