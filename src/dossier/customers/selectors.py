"""Reads of customers, always through :func:`access.restrict` and masking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.privacy.disclosure import lookup_digest, mask_values, may_see_personal
from dossier.templates.fields import FieldError, FieldSpec, get_type
from dossier.templates.fields.contact import parse_phone
from dossier.templates.models import Template
from dossier.templates.selectors import version_info

from .access import allows, may, restrict, sees_everyone
from .models import Customer, CustomerLookup, CustomerTag, Tag
from .names import normalise_query
from .rows import fetch_customer, fetch_tags
from .search_index import matching as _matching
from .search_index import tagged as _tagged
from .values import stored_values

MAX_PAGE_SIZE = 200
# identifier types a search box query is tried as, in this order
_IDENTIFIER_TYPES = ("phone", "email", "cn_id_card", "cn_uscc")


@dataclass
class CustomerFilters:
    """Filters of the customer list (every one optional)."""

    q: str = ""
    tag: str = ""
    template: str = ""
    owner: str = ""
    status: str = ""
    kind: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        # PostgreSQL refuses NUL in text parameters; no stored value contains one anyway
        for name, value in vars(self).items():
            setattr(self, name, str(value).replace("\x00", ""))


@dataclass
class CustomerPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def _identifiers(query: str) -> dict[str, str]:
    """The identifier types ``query`` reads as, with the blind index of each."""
    found = {}
    for type_name in _IDENTIFIER_TYPES:
        if type_name == "phone" and parse_phone(query) is None:
            continue
        try:
            value = get_type(type_name).validate(query, FieldSpec("q", type_name))
        except FieldError:
            continue
        found[type_name] = lookup_digest(type_name, value)
    return found


def _may_search_by(actor: Any, type_name: str) -> bool:
    # An exact search confirms a value as surely as seeing it: only those who may see it whole
    # may search by it (phones and e-mails: personal data; ID numbers: those who may reveal).
    if type_name in ("phone", "email"):
        return may_see_personal(actor)
    if type_name == "cn_id_card":
        return may(actor, "customers.reveal_customer")
    return True


def search(queryset: QuerySet[Customer], query: str, *, actor: Any) -> QuerySet[Customer]:
    """Customers whose name (Chinese, traditional, pinyin or initials) contains ``query``,
    or whose phone, e-mail, ID number or credit code equals it.

    An identifier is matched through its blind index only, so its plaintext never reaches
    the SQL (nor the database's logs).
    """
    text = normalise_query(query)
    if not text:
        return queryset
    identifiers = _identifiers(query)
    if identifiers:
        digests = [d for kind, d in identifiers.items() if _may_search_by(actor, kind)]
        matching = CustomerLookup.objects.filter(digest__in=digests).values("customer_id")
        return queryset.filter(id__in=matching)
    return _matching(queryset, text)


def customer_queryset(
    *, actor: Any, filters: CustomerFilters | None = None, action: str = "view"
) -> QuerySet[Customer]:
    """The customers the actor may see, filtered; not yet ordered or paginated."""
    filters = filters or CustomerFilters()
    queryset = restrict(Customer.objects.all(), actor, action)
    if filters.q:
        queryset = search(queryset, filters.q, actor=actor)
    # names are resolved to ids first, so each filter is one indexed column of the customer
    # (or its tag links) and a name nobody has is an empty result, not a scan
    if filters.tag:
        tag_ids = (
            [int(filters.tag)]
            if filters.tag.isdecimal()
            else list(Tag.objects.filter(name=filters.tag).values_list("pk", flat=True))
        )
        queryset = _tagged(queryset, tag_ids) if tag_ids else queryset.none()
    if filters.template:
        template_id = Template.objects.filter(key=filters.template).values_list("pk").first()
        queryset = queryset.filter(template_id=template_id[0]) if template_id else queryset.none()
    if filters.owner:
        owner_id = (
            (actor.pk,)
            if filters.owner == "me"
            else get_user_model().objects.filter(username=filters.owner).values_list("pk").first()
        )
        queryset = queryset.filter(owner_id=owner_id[0]) if owner_id else queryset.none()
    if filters.status:
        queryset = queryset.filter(lifecycle=filters.status)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.source:
        queryset = queryset.filter(source=filters.source)
    return queryset


def _parse_cursor(cursor: str | None) -> UUID | None:
    if not cursor:
        return None
    try:
        return UUID(cursor)
    except ValueError:
        raise ValidationFailed(
            _("The page cursor is not valid."),
            errors=[FieldError("pattern", field="cursor", label="cursor")],
        ) from None


def customer_list(
    *,
    actor: Any,
    filters: CustomerFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> CustomerPage:
    """One page of customers, newest first, masked for the actor; ``next_cursor`` pages on.

    Raises PermissionDenied for actors who may not see customers at all (analysts).
    """
    if not may(actor, "customers.view_customer"):
        raise PermissionDenied(_("You may not see customers."))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    queryset = customer_queryset(actor=actor, filters=filters)
    after = _parse_cursor(cursor)
    if after is not None:
        queryset = queryset.filter(id__lt=after)
    rows = list(
        queryset.select_related("owner").prefetch_related("tags").order_by("-id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [present(customer, actor) for customer in rows]
    return CustomerPage(items=items, next_cursor=str(rows[-1].id) if more and rows else None)


def get_customer(*, actor: Any, customer_id: Any, revealed: Sequence[str] = ()) -> dict[str, Any]:
    """One customer as the actor may see it, or NotFound (also for customers they may not see).

    The hottest read of the API: one query for the row and its owner's name, one for its
    tags; the access rule is :func:`access.allows`, the one-row form of ``restrict``.
    """
    customer = fetch_customer(customer_id) if _is_uuid(customer_id) else None
    if customer is None or not allows(actor, customer, "view"):
        raise NotFound(_("No such customer."), code="customer_not_found")
    return present(customer, actor, revealed=revealed, tags=fetch_tags(customer.pk))


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def get_customer_object(*, actor: Any, customer_id: Any, action: str = "view") -> Customer:
    """The model instance of a customer the actor may act on, or NotFound."""
    try:
        UUID(str(customer_id))
    except ValueError:
        raise NotFound(_("No such customer."), code="customer_not_found") from None
    customer = (
        restrict(Customer.objects.all(), actor, action)
        .select_related("template", "template_version", "owner")
        .prefetch_related("tags", "template_version__fields")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound(_("No such customer."), code="customer_not_found")
    return customer


def present(
    customer: Customer,
    actor: Any,
    *,
    revealed: Sequence[str] = (),
    tags: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A customer as plain data with explicit fields, masked for the actor."""
    info = version_info(customer.template_version_id)
    values, masked = mask_values(
        stored_values(customer, info.specs), info.specs, actor, revealed=revealed
    )
    if tags is None:
        tags = [
            {"id": t.id, "name": t.name, "group": t.group, "colour": t.colour}
            for t in customer.tags.all()
        ]
    owner_name = getattr(customer, "owner_name", None)
    # no query when owner_id is None: Django answers None for an unset foreign key
    if owner_name is None and customer.owner is not None:
        owner_name = customer.owner.get_username()
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


def tag_list(*, actor: Any) -> QuerySet[Tag]:
    """Every tag, by group and name."""
    if not actor.has_perm("customers.view_tag"):
        raise PermissionDenied(_("You may not see tags."))
    return Tag.objects.all()


def tag_counts(*, actor: Any) -> dict[int, int]:
    """How many of the customers the actor may see carry each tag, by tag id.

    For those who see every customer, the counts the services keep (no scan); for the others,
    a count over their own customers (found through the owner, team and share indexes).
    """
    if sees_everyone(actor):
        return dict(Tag.objects.filter(customer_count__gt=0).values_list("pk", "customer_count"))
    # a link is unique per (customer, tag): counting links needs no DISTINCT
    rows = (
        CustomerTag.objects.filter(customer_id__in=customer_queryset(actor=actor).values("id"))
        .values_list("tag_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)
