"""The customer list's filters as one queryset: each filter an indexed column or semi-join.

Names (of tags, templates, owners) are resolved to ids first, so each filter is one indexed
column of the customer (or its tag links) and a name nobody has is an empty result, not a
scan. A value that cannot be read is refused, naming the filter and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers import listing
from dossier.customers.models import Customer, Tag
from dossier.customers.search_index import tagged
from dossier.templates.models import Template


@dataclass
class CustomerFilters:
    """Filters of the customer list (every one optional; "" means not filtered)."""

    q: str = ""
    #: tag ids or names, comma-separated; ``tag_mode`` "all" asks for every one, else any
    tag: str = ""
    tag_mode: str = ""
    template: str = ""
    #: "me", "none" (no owner) or a user name
    owner: str = ""
    status: str = ""
    kind: str = ""
    source: str = ""
    #: "" leaves erased customers out; "only" lists only them
    erased: str = ""
    #: ISO dates, both ends included, in the site's time zone
    created_from: str = ""
    created_to: str = ""
    updated_from: str = ""
    updated_to: str = ""
    #: bounds on figures (``listing.register_figure``): total spend and orders
    spend_min: str = ""
    spend_max: str = ""
    orders_min: str = ""
    orders_max: str = ""

    def __post_init__(self) -> None:
        # PostgreSQL refuses NUL in text parameters; no stored value contains one anyway
        for name, value in vars(self).items():
            setattr(self, name, str(value).replace("\x00", "").strip())

    def active(self) -> bool:
        """Whether any filter is set."""
        return any(vars(self).values())


#: figures hold up to 14 digits before the point
LARGEST_BOUND = 10**14
#: more tags than this in one filter is not a list a person chose
MAX_TAGS = 20


def _refuse(field: str, code: str, message: str, **params: Any) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(code, field=field, label=field, **params)])


def _day(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _refuse(
            field, "invalid_date", _("%(field)s is not a date (YYYY-MM-DD).") % {"field": field}
        ) from None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _number(field: str, text: str, kind: str) -> Decimal | int:
    try:
        value = listing.parse_value(kind, text)
    except (ValueError, InvalidOperation):
        raise _refuse(
            field, "invalid_decimal", _("%(field)s is not a number.") % {"field": field}
        ) from None
    if not isinstance(value, Decimal | int):  # a datetime figure has no numeric bound
        raise _refuse(field, "invalid_decimal", _("%(field)s is not a number.") % {"field": field})
    if not -LARGEST_BOUND < value < LARGEST_BOUND:  # beyond any figure (and PostgreSQL's integers)
        raise _refuse(
            field,
            "too_large",
            _("%(field)s is too large.") % {"field": field},
            max=LARGEST_BOUND - 1,
        )
    return value


def _tag_ids(text: str) -> list[int] | None:
    """The tags named (ids or names, comma-separated); None when one of them is unknown."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) > MAX_TAGS:
        raise _refuse(
            "tag",
            "too_many_items",
            _("At most %(count)d tags at once.") % {"count": MAX_TAGS},
            max=MAX_TAGS,
        )
    ids: list[int] = []
    for part in parts:
        if part.isdecimal() and len(part) < 12:
            ids.append(int(part))
            continue
        found = list(Tag.objects.filter(name=part).values_list("pk", flat=True))
        if not found:
            return None
        ids += found
    return ids


def _tags(queryset: QuerySet[Customer], filters: CustomerFilters) -> QuerySet[Customer]:
    if filters.tag_mode not in ("", "any", "all"):
        raise _refuse("tag_mode", "invalid_choice", _("tag_mode is any or all."))
    tag_ids = _tag_ids(filters.tag)
    if not tag_ids:
        return queryset.none()
    if filters.tag_mode == "all":
        for tag_id in dict.fromkeys(tag_ids):
            queryset = tagged(queryset, [tag_id])
        return queryset
    return tagged(queryset, tag_ids)


def _owner(queryset: QuerySet[Customer], owner: str, actor: MaybeActor) -> QuerySet[Customer]:
    if owner == "none":
        return queryset.filter(owner__isnull=True)
    owner_id = (
        (actor.pk,)
        if owner == "me"
        else get_user_model().objects.filter(username=owner).values_list("pk").first()
    )
    return queryset.filter(owner_id=owner_id[0]) if owner_id else queryset.none()


def _ranges(queryset: QuerySet[Customer], filters: CustomerFilters) -> QuerySet[Customer]:
    for column in ("created", "updated"):
        start, end = getattr(filters, f"{column}_from"), getattr(filters, f"{column}_to")
        if start:
            since = _start_of(_day(f"{column}_from", start))
            queryset = queryset.filter(**{f"{column}_at__gte": since})
        if end:
            until = _start_of(_day(f"{column}_to", end) + timedelta(days=1))
            queryset = queryset.filter(**{f"{column}_at__lt": until})
    return queryset


#: the filters' names of figure bounds, by the figure's key
_FIGURE_BOUNDS = {"spend": ("spend_min", "spend_max"), "orders": ("orders_min", "orders_max")}


def _figures(queryset: QuerySet[Customer], filters: CustomerFilters) -> QuerySet[Customer]:
    known = listing.figures()
    for key, (low_name, high_name) in _FIGURE_BOUNDS.items():
        low, high = getattr(filters, low_name), getattr(filters, high_name)
        if not (low or high):
            continue
        figure = known.get(key)
        if figure is None:
            raise _refuse(low_name, "invalid_choice", _("This figure is not kept here."))
        lookup = f"{figure.relation}__{figure.attribute}"
        if low:
            queryset = queryset.filter(**{f"{lookup}__gte": _number(low_name, low, figure.kind)})
        if high:
            bound = _number(high_name, high, figure.kind)
            queryset = queryset.filter(**{f"{lookup}__lte": bound})
    return queryset


def apply_filters(
    queryset: QuerySet[Customer], filters: CustomerFilters, *, actor: MaybeActor
) -> QuerySet[Customer]:
    """``queryset`` narrowed by every filter set (the search box is applied by the caller)."""
    if filters.tag:
        queryset = _tags(queryset, filters)
    if filters.template:
        template_id = Template.objects.filter(key=filters.template).values_list("pk").first()
        queryset = queryset.filter(template_id=template_id[0]) if template_id else queryset.none()
    if filters.owner:
        queryset = _owner(queryset, filters.owner, actor)
    for name in ("status", "kind", "source"):
        value = getattr(filters, name)
        if value:
            queryset = queryset.filter(**{"lifecycle" if name == "status" else name: value})
    queryset = _ranges(queryset, filters)
    return _figures(queryset, filters)


#: the list's filters, as the page's query parameters name them (``tag`` repeats)
FILTER_PARAMS = (
    "q", "tag_mode", "template", "owner", "status", "erased", "created_from", "created_to",
    "updated_from", "updated_to", "spend_min", "spend_max", "orders_min", "orders_max",
)  # fmt: skip


def filters_from_params(params: Any) -> CustomerFilters:
    """The list's filters from query parameters (a request's ``GET``, or a saved view's).

    Control characters go, values are cut to 200 characters; ``tag`` may repeat or hold
    comma-separated ids or names.
    """

    def one(name: str) -> str:
        value = params.get(name, "")
        return "".join(ch for ch in str(value) if ch >= " ").strip()[:200]

    raw = params.getlist("tag") if hasattr(params, "getlist") else [params.get("tag", "")]
    tags = [str(t).strip() for t in raw if str(t).strip()]
    values = {name: one(name) for name in FILTER_PARAMS}
    values["erased"] = "only" if values["erased"] == "only" else ""
    values["tag_mode"] = "all" if values["tag_mode"] == "all" else ""
    return CustomerFilters(tag=",".join(tags)[:1000], **values)


def filter_values(filters: Any) -> dict[str, Any]:
    """The filters set, for an audit entry or a saved view."""
    return {k: v for k, v in vars(filters).items() if v}
