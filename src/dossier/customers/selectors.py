"""Reads of customers, always through :func:`access.restrict` and masking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of, team_members
from dossier.audit.services import record_audit
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers import counts, listing
from dossier.customers.access import (
    allows,
    customer_for,
    may,
    reach,
    restrict,
    restrict_deleted,
    restrict_parts,
)
from dossier.customers.finding import identifiers, may_search_by, search_condition
from dossier.customers.list_filters import CustomerFilters, apply_filters
from dossier.customers.models import Customer, CustomerLookup, CustomerTag, Tag
from dossier.customers.rows import CustomerRow, fetch_customer
from dossier.customers.values import stored_values
from dossier.protection.disclosure import lookup_digest, mask_values
from dossier.templates.core_fields import core_spec
from dossier.templates.models import ProfileMigration
from dossier.templates.selectors import get_migration, version_info

MAX_PAGE_SIZE = 200


@dataclass
class CustomerPage:
    items: list[dict[str, Any]]
    next_cursor: str | None
    previous_cursor: str | None = None
    count: listing.Count | None = None


def _found_beyond_owners(actor: MaybeActor, filters: CustomerFilters) -> dict[str, str]:
    """Blind indexes by identifier type with which ``actor`` finds customers of any owner.

    Only for roles that ``roles.FIND_ANY_OWNER_BY`` names, only for an exact identifier of a
    type it lists, and only when the search box is the whole query (no other filter).
    """
    types = roles.FIND_ANY_OWNER_BY.get(role_of_cached(actor) or "", [])
    others = {k: v for k, v in vars(filters).items() if k != "q"}
    if not types or not filters.q or any(others.values()):
        return {}
    found = identifiers(filters.q)
    return {t: d for t, d in found.items() if t in types and may_search_by(actor, t)}


def _beyond_owners(actor: MaybeActor, digests: dict[str, str]) -> QuerySet[Customer]:
    """Live, not erased customers of the actor's scenarios whose identifier matches."""
    queryset = Customer.objects.filter(deleted_at__isnull=True, erased_at__isnull=True)
    scenarios = roles.ROLE_SCENARIOS.get(role_of_cached(actor) or "")
    if scenarios is not None:
        queryset = queryset.filter(template__scenario__in=scenarios)
    matching = CustomerLookup.objects.filter(digest__in=list(digests.values()))
    return queryset.filter(id__in=matching.values("customer_id"))


def _present_found(customer: Customer, digests: dict[str, str]) -> dict[str, Any]:
    """A customer found beyond the actor's own: masked as for someone who may see no personal
    data, except the fields whose value is the one typed."""
    item = present(customer, None)
    info = version_info(customer.template_version_id)
    whole = stored_values(customer, info.specs)
    for spec in info.specs:
        value = whole.get(spec.key)
        if spec.key not in item["masked"] or spec.type not in digests or value is None:
            continue
        if lookup_digest(spec.type, value) == digests[spec.type]:
            item["values"][spec.key] = value
            item["masked"].remove(spec.key)
    item["found_by_lookup"] = True
    return item


def _audit_found(actor: MaybeActor, customers: list[Customer], digests: dict[str, str]) -> None:
    # an exact find beyond one's own customers discloses that person's record: audit each
    for customer in customers:
        record_audit(
            actor=actor,
            action="view_sensitive",
            object_type="customer",
            object_id=customer.pk,
            customer_id=customer.pk,
            changes={"lookup": sorted(digests)},
            reason="exact lookup beyond own customers",
        )


def customer_queryset(
    *, actor: MaybeActor, filters: CustomerFilters | None = None, action: str = "view"
) -> QuerySet[Customer]:
    """The customers the actor may see, filtered; not yet ordered or paginated."""
    return restrict(_narrowed(filters, actor)[0], actor, action)


def customer_queryset_parts(
    *, actor: MaybeActor, filters: CustomerFilters | None = None, action: str = "view"
) -> list[QuerySet[Customer]]:
    """:func:`customer_queryset` as disjoint parts (``access.restrict_parts``), each read
    by its own index."""
    return restrict_parts(_narrowed(filters, actor)[0], actor, action)


def _narrowed(
    filters: CustomerFilters | None, actor: MaybeActor
) -> tuple[QuerySet[Customer], bool]:
    """Every customer the filters let through, before the access rule; and whether the
    search found them few (read by their ids or an index's rows).

    The search and the names the filters hold are resolved here, once: the list applies
    the access rule to the result whole and part by part (``access.restrict_parts``)
    without a second look-up of either (a name search's look-up of matching ids costs
    10–40 ms on a million customers).
    """
    queryset = Customer.objects.all()
    filters = filters or CustomerFilters()
    # erased customers (their personal data anonymised) are only listed when asked for
    queryset = queryset.filter(erased_at__isnull=filters.erased != "only")
    few = False
    if filters.q:
        condition, few = search_condition(filters.q, actor=actor)
        if condition is not None:
            queryset = queryset.filter(condition)
    return apply_filters(queryset, filters, actor=actor), few


def customer_list(
    *,
    actor: MaybeActor,
    filters: CustomerFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
    sort: str = "",
    with_count: bool = False,
) -> CustomerPage:
    """One page of customers, masked for the actor, in ``sort`` order (newest first).

    ``next_cursor`` / ``previous_cursor`` page on and back (keyset, never OFFSET);
    ``with_count`` adds how many match (exact, or PostgreSQL's estimate beyond
    ``listing.EXACT_COUNT_LIMIT``). Raises PermissionDenied for actors who may not see
    customers at all (analysts), ValidationFailed for an unknown sort or a bad cursor.
    """
    if not may(actor, "customers.view_customer"):
        raise PermissionDenied(_("You may not see customers."))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    filters = filters or CustomerFilters()
    created_range = bool(filters.created_from or filters.created_to)
    order, descending = listing.parse_sort(sort, created_range=created_range)
    position = listing.decode_cursor(cursor, order)
    narrowed, few = _narrowed(filters, actor)
    queryset = restrict(narrowed, actor)
    # the access rule's OR hides a limited reach from the planner: read and count its parts;
    # a search that found few customers is read whole, by their ids (one query, not one a part)
    parts = restrict_parts(narrowed, actor)
    count = listing.count_parts(parts) if with_count else None
    if few:
        parts = []
    digests = _found_beyond_owners(actor, filters)
    if digests:
        queryset = queryset | _beyond_owners(actor, digests)
        parts = []  # an exact find beyond one's own: a handful of rows, read as one
    queryset = queryset.select_related("owner").prefetch_related("tags")
    relations = {f.relation for f in listing.figures().values()}
    if relations:
        queryset = queryset.select_related(*relations)
    rows, more, earlier = listing.page_rows(
        queryset, order, descending, position, limit, parts=parts
    )
    own = set(rows)
    if digests:
        ids = [c.pk for c in rows]
        own_ids = set(
            customer_queryset(actor=actor).filter(id__in=ids).values_list("id", flat=True)
        )
        own = {c for c in rows if c.pk in own_ids}
        _audit_found(actor, [c for c in rows if c not in own], digests)
    items = [present(c, actor) if c in own else _present_found(c, digests) for c in rows]
    for item, row in zip(items, rows, strict=True):
        item["figures"] = _figures(row)
    after = listing.cursor_for(rows[-1], order, forward=True) if more and rows else None
    before = listing.cursor_for(rows[0], order, forward=False) if earlier and rows else None
    return CustomerPage(
        items=items,
        next_cursor=after.encode() if after else None,
        previous_cursor=before.encode() if before else None,
        count=count,
    )


def _figures(customer: Customer) -> dict[str, Any]:
    """The registered figures of a listed customer (None where it has none yet)."""
    values: dict[str, Any] = {}
    for key, figure in listing.figures().items():
        holder = getattr(customer, figure.relation, None) if hasattr(customer, "pk") else None
        values[key] = getattr(holder, figure.attribute, None) if holder is not None else None
    return values


def owner_choices(*, actor: MaybeActor) -> list[str]:
    """The user names the owner filter offers: everyone for administrators, else the team."""
    users = get_user_model().objects.filter(is_active=True)
    scope = reach(actor)
    if scope.nobody:
        return []
    if not scope.everyone:
        team = team_id_of(actor)
        if team is None:
            return [actor.get_username()]
        users = users.filter(id__in=team_members(team))
    return list(users.order_by("username").values_list("username", flat=True)[:500])


def deleted_customer_list(
    *, actor: MaybeActor, cursor: str | None = None, limit: int = 50
) -> CustomerPage:
    """One page of the trash: soft-deleted customers the actor may restore, newest first.

    Raises PermissionDenied for actors who may not delete customers (they have no trash).
    """
    if not may(actor, "customers.delete_customer"):
        raise PermissionDenied(_("You may not see deleted customers."))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    queryset = restrict_deleted(Customer.objects.all(), actor)
    after = listing.decode_cursor(cursor, listing.parse_sort("-created")[0])
    if after is not None:
        queryset = queryset.filter(id__lt=after.id)
    rows = list(
        queryset.select_related("owner").prefetch_related("tags").order_by("-id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{**present(c, actor), "deleted_at": c.deleted_at} for c in rows]
    return CustomerPage(items=items, next_cursor=str(rows[-1].id) if more and rows else None)


def get_customer(
    *,
    actor: MaybeActor,
    customer_id: Any,
    revealed: Sequence[str] = (),
    row: CustomerRow | None = None,
) -> dict[str, Any]:
    """One customer as the actor may see it, or NotFound (also for customers they may not see).

    The hottest read of the API: one query for the row, its owner's name and its tags; the
    access rule is :func:`access.allows`, the one-row form of ``restrict``. Encrypted
    columns are decrypted only once the actor is allowed to see the customer. ``row`` is
    that query's answer when the caller already has it (the API reads it along with its
    token check); access is decided here all the same.
    """
    if row is not None and row.id == customer_id:
        customer: CustomerRow | None = row
    else:
        # a replica may answer (the routers decide: the primary inside a write transaction or
        # just after the user's write); the API's read with its token check stays on the
        # primary, so a revoked token is never read from a lagging replica
        alias = router.db_for_read(Customer)
        customer = fetch_customer(customer_id, alias=alias) if _is_uuid(customer_id) else None
    if customer is None or not allows(actor, customer, "view"):
        raise NotFound(_("No such customer."), code="customer_not_found")
    return present(customer, actor, revealed=revealed)


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def erased_at(*, customer_id: Any) -> datetime | None:
    """When the customer's personal data was erased, or None if it was not."""
    found = Customer.objects.filter(pk=customer_id).values_list("erased_at", flat=True).first()
    return found


def get_customer_object(*, actor: MaybeActor, customer_id: Any, action: str = "view") -> Customer:
    """The model instance of a customer the actor may act on, or NotFound."""
    customer = customer_for(actor, customer_id, action)
    prefetch_related_objects([customer], "tags", "template_version__fields")
    return customer


def present(
    customer: Customer | CustomerRow,
    actor: MaybeActor | None,
    *,
    revealed: Sequence[str] = (),
    tags: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A customer as plain data with explicit fields, masked for the actor."""
    info = version_info(customer.template_version_id)
    values, masked = mask_values(
        stored_values(customer, info.specs), info.specs, actor, revealed=revealed
    )
    if isinstance(customer, CustomerRow):  # the single-customer read brings both along
        owner_name = customer.owner_name
        tags = customer.tag_list if tags is None else tags
    else:
        # no query when owner_id is None: Django answers None for an unset foreign key
        owner_name = customer.owner.get_username() if customer.owner is not None else None
        if tags is None:
            tags = [
                {"id": t.id, "name": t.name, "group": t.group, "colour": t.colour}
                for t in customer.tags.all()
            ]
    return {
        "id": str(customer.id),
        "template": info.template_key,
        "template_version": info.number,
        "values": values,
        "masked": masked,
        "tags": tags,
        "owner": owner_name,
        "version": customer.version,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


def rule_tags(customer: Customer) -> dict[int, str]:
    """The customer's tags a tag rule gave, by tag id, with the rule's name."""
    links = CustomerTag.objects.filter(customer=customer, source__startswith="rule:")
    return {link.tag_id: link.rule_name for link in links}


def tag_list(*, actor: MaybeActor) -> QuerySet[Tag]:
    """Every tag, by group and name."""
    if not actor.has_perm("customers.view_tag"):
        raise PermissionDenied(_("You may not see tags."))
    return Tag.objects.all()


def tag_counts(*, actor: MaybeActor) -> dict[int, int]:
    """How many of the customers the actor may see carry each tag, by tag id.

    Read from the counts the services keep, never by counting customers: per tag for those
    who see every customer, per owner, team and template for the others (see ``counts``).
    """
    scope = reach(actor)
    if scope.everyone:
        return dict(Tag.objects.filter(customer_count__gt=0).values_list("pk", "customer_count"))
    if scope.nobody:
        return {}
    return counts.visible_tag_counts(scope)


def customer_names(*, actor: MaybeActor, customer_ids: Iterable[Any]) -> dict[str, str]:
    """The names of those of ``customer_ids`` the actor may see (masked as for the actor).

    Lists that name customers by id (audit log, requests, migration reports) show these;
    an id missing from the answer is a customer the actor may not see (or one deleted).
    """
    ids = {str(pk) for pk in customer_ids if pk and _is_uuid(pk)}
    if not ids:
        return {}
    spec = [core_spec("display_name")]
    rows = restrict(Customer.objects.filter(pk__in=ids), actor, "view").values_list(
        "id", "display_name"
    )
    return {
        str(pk): str(mask_values({"display_name": name}, spec, actor)[0]["display_name"])
        for pk, name in rows
    }


def picker_matches(*, actor: MaybeActor, query: str, limit: int = 10) -> list[dict[str, str]]:
    """Customers a search box offers to pick (name, phone, e-mail or ID number), newest first."""
    query = query.strip()
    if not may(actor, "customers.view_customer") or not query:
        return []
    if _is_uuid(query):  # an id pasted from elsewhere
        ids: list[Any] = [query]
    else:
        rows = customer_queryset(actor=actor, filters=CustomerFilters(q=query)).order_by("-id")
        ids = list(rows.values_list("pk", flat=True)[:limit])
    names = customer_names(actor=actor, customer_ids=ids)
    return [
        {"id": pk, "name": name, "short": pk.replace("-", "")[-8:]}
        for pk, name in sorted(names.items(), reverse=True)
    ]


def migration_report(
    *, actor: MaybeActor, template_key: str, migration_id: int
) -> ProfileMigration:
    """A profile migration whose failures list only the customers the actor may see.

    Each failure names the customer as the actor may see it; the stored report holds ids,
    fields, codes and messages only, never a value.
    """
    migration = get_migration(actor=actor, template_key=template_key, migration_id=migration_id)
    names = customer_names(actor=actor, customer_ids=[f["customer"] for f in migration.failures])
    migration.failures = [
        {"customer": f["customer"], "name": names[f["customer"]], "errors": f["errors"]}
        for f in migration.failures
        if f.get("customer") in names
    ]
    # the count too speaks only of customers the actor may see (it is not saved back)
    migration.failed = len(migration.failures)
    return migration
