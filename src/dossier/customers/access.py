"""Who may see and change which customers: the one place that decides it.

Every selector and service starts from :func:`restrict` (sets of customers),
:func:`restrict_owned` (rows of another table that belong to customers) or
:func:`customer_for` (one customer), so a page, an API list, a search and an export cannot
show the same user different things, and "403 if visible, else 404" is said once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers.models import Customer, CustomerShare

if TYPE_CHECKING:
    from dossier.customers.rows import CustomerRow

ACTION_PERMISSIONS = {
    "view": "customers.view_customer",
    "change": "customers.change_customer",
    "delete": "customers.delete_customer",
    "export": "customers.export_customer",
    "reveal": "customers.reveal_customer",
}

Owned = TypeVar("Owned", bound=Model)


@dataclass(frozen=True)
class Reach:
    """Which customers an actor may act on, as data: the rule of :func:`restrict` in one place.

    ``everyone``: all customers (admins). Otherwise those owned by ``user_id``, those of team
    ``team_id`` (managers) and those shared with ``user_id``, on templates of ``scenarios``
    when that is not None; nobody's when ``user_id`` is None. The kept per-owner tag counts
    (``counts.visible_tag_counts``) read the same data, so the two cannot disagree.
    """

    everyone: bool = False
    user_id: int | None = None
    team_id: int | None = None
    scenarios: tuple[str, ...] | None = None

    @property
    def nobody(self) -> bool:
        return not self.everyone and self.user_id is None

    def held(self) -> Q:
        """Owned by the user or in their team (managers): the part of the reach not shared.

        A filter on ``owner_id`` and ``team_id``, columns of customers and of the kept counts.
        """
        mine = Q(owner_id=self.user_id)
        if self.team_id is not None:
            mine |= Q(team_id=self.team_id)
        return mine

    def shared(self) -> QuerySet[CustomerShare, Any]:
        """The ids of the customers shared with the user (a subquery, read when used)."""
        if self.user_id is None:
            return CustomerShare.objects.none().values("customer_id")
        return CustomerShare.objects.filter(user_id=self.user_id).values("customer_id")


NOBODY = Reach()
EVERYONE = Reach(everyone=True)


def reach(actor: MaybeActor | None, action: str = "view") -> Reach:
    """The customers ``actor`` may act on (``view``, ``change`` …), see :func:`restrict`."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return NOBODY
    if not actor.has_perm(ACTION_PERMISSIONS[action]):
        return NOBODY
    role = role_of_cached(actor)
    if actor.is_superuser or role == roles.ADMIN:
        return EVERYONE
    if actor.pk is None:  # only people own or share customers; a system actor is an admin
        return NOBODY
    scenarios = roles.ROLE_SCENARIOS.get(role or "")
    return Reach(
        user_id=actor.pk,
        team_id=team_id_of(actor) if role == roles.MANAGER else None,
        scenarios=tuple(scenarios) if scenarios is not None else None,
    )


def restrict(
    queryset: QuerySet[Customer],
    actor: MaybeActor | None,
    action: str = "view",
    *,
    include_deleted: bool = False,
) -> QuerySet[Customer]:
    """The customers in ``queryset`` that ``actor`` may act on (``view``, ``change`` …).

    Admins: all. Managers: their team's customers, their own and those shared with them.
    Sales, service and marketing: their own and those shared with them, on templates of
    their scenarios. Analysts: none. Soft-deleted customers only with ``include_deleted``.
    """
    queryset, scope = _within(queryset, actor, action, include_deleted)
    if scope.everyone:
        return queryset
    if scope.nobody:
        return queryset.none()
    return queryset.filter(scope.held() | Q(id__in=scope.shared()))


def restrict_parts(
    queryset: QuerySet[Customer],
    actor: MaybeActor | None,
    action: str = "view",
    *,
    include_deleted: bool = False,
) -> list[QuerySet[Customer]]:
    """:func:`restrict` as disjoint parts whose union is what it lets ``actor`` act on.

    For a limited reach: the customers owned by the actor; the team's not owned by them
    (managers); those shared with them and not held. Each part is one equality (or a
    semi-join), so PostgreSQL estimates it well and reads it by an index of owner (or team)
    and sort; the rule's OR defeats both. The list's pages and counts read the parts (see
    ``listing.page_rows``). Admins: one part; nobody: none.
    """
    queryset, scope = _within(queryset, actor, action, include_deleted)
    if scope.everyone:
        return [queryset]
    if scope.nobody:
        return []
    # exclude() keeps a customer with no owner (or team) in the later part: NULL ≠ the user
    parts = [queryset.filter(owner_id=scope.user_id)]
    if scope.team_id is not None:
        parts.append(queryset.filter(team_id=scope.team_id).exclude(owner_id=scope.user_id))
    parts.append(queryset.filter(id__in=scope.shared()).exclude(scope.held()))
    return parts


def _within(
    queryset: QuerySet[Customer], actor: MaybeActor | None, action: str, include_deleted: bool
) -> tuple[QuerySet[Customer], Reach]:
    """``queryset`` without deleted customers (unless asked) and outside the reach's
    scenarios; and the reach."""
    if not include_deleted:
        queryset = queryset.filter(deleted_at__isnull=True)
    scope = reach(actor, action)
    if not scope.everyone and not scope.nobody and scope.scenarios is not None:
        queryset = queryset.filter(template__scenario__in=scope.scenarios)
    return queryset, scope


def restrict_deleted(queryset: QuerySet[Customer], actor: MaybeActor | None) -> QuerySet[Customer]:
    """The soft-deleted customers in ``queryset`` that ``actor`` may see in the trash and restore.

    The rule of :func:`restrict` for deleting, over deleted rows: admins all of them, managers
    their team's (and their own and those shared with them); roles that may not delete, none.
    """
    deleted = queryset.filter(deleted_at__isnull=False)
    return restrict(deleted, actor, "delete", include_deleted=True)


def restrict_owned(
    queryset: QuerySet[Owned], actor: MaybeActor | None, action: str = "view"
) -> QuerySet[Owned]:
    """Rows of a per-customer table (``customer_id``) whose customer ``actor`` may act on."""
    visible = restrict(Customer.objects.all(), actor, action)
    return queryset.filter(customer_id__in=visible.values("pk"))


def customer_for(
    actor: MaybeActor | None,
    customer_id: Any,
    action: str = "view",
    *,
    lock: bool = False,
    include_deleted: bool = False,
) -> Customer:
    """The one customer ``actor`` may ``action``, with template, version and owner loaded.

    NotFound when the actor may not even see it (so its existence is not confirmed);
    PermissionDenied when they may see it but not do this. ``lock`` takes a row lock for
    the caller's transaction.
    """
    if not _is_uuid(customer_id):
        raise NotFound(_("No such customer."), code="customer_not_found")
    customers = Customer.objects.select_related("template", "template_version", "owner")
    if lock:
        customers = customers.select_for_update(of=("self",))
    found = (
        restrict(customers, actor, action, include_deleted=include_deleted)
        .filter(pk=customer_id)
        .first()
    )
    if found is not None:
        return found
    if action != "view" and (
        restrict(Customer.objects.all(), actor, "view", include_deleted=include_deleted)
        .filter(pk=customer_id)
        .exists()
    ):
        raise PermissionDenied(_("You may not change this customer."))
    raise NotFound(_("No such customer."), code="customer_not_found")


def sees_everyone(actor: MaybeActor | None, action: str = "view") -> bool:
    """Whether ``restrict`` lets the actor act on every (not deleted) customer."""
    return reach(actor, action).everyone


def may(actor: MaybeActor | None, permission: str) -> bool:
    """Whether the actor holds a Dossier permission ("customers.add_customer" …)."""
    return bool(actor is not None and actor.is_authenticated and actor.has_perm(permission))


def allows(
    actor: MaybeActor | None, customer: Customer | CustomerRow, action: str = "view"
) -> bool:
    """Whether ``restrict`` would let ``actor`` act on this one customer (the same rule).

    The single-customer API read uses it on a row fetched by prepared SQL (see ``rows.py``);
    ``test_access`` checks it agrees with ``restrict`` for every role and action.
    """
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
    if actor.pk is None:  # a system actor owns nothing (and has passed as an admin above)
        return False
    return CustomerShare.objects.filter(customer_id=customer.pk, user_id=actor.pk).exists()


def works_in(actor: MaybeActor, scenario: str) -> bool:
    """Whether the actor's role works with customers of this template scenario."""
    if actor.is_superuser:
        return True
    allowed = roles.ROLE_SCENARIOS.get(role_of_cached(actor) or "")
    return allowed is None or scenario in allowed


def template_scenario(customer: Customer | CustomerRow) -> str:
    # the single-customer read (rows.fetch_customer) brings the scenario with the row
    return (
        customer.template.scenario if isinstance(customer, Customer) else customer.template_scenario
    )


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True
