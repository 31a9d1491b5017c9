"""REST endpoints for customers and tags (thin: parse, call a service or selector, return)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest, TokenAuth
from dossier.accounts.selectors import active_user
from dossier.core.errors import NotFound, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.core.schemas import ERRORS, RecordId, UuidOrEmpty
from dossier.customers import list_filters, listing, selectors, services
from dossier.customers.responses import customer_json
from dossier.customers.rows import fetch_customer_with_token_state
from dossier.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPageOut,
    CustomerPatch,
    DeletedCustomerPageOut,
    RevealIn,
    RevealOut,
    TagIn,
    TagOut,
    TagPatch,
    TagsIn,
)
from dossier.templates.models import Template
from dossier.templates.selectors import get_template

router = Router(tags=["customers"])
tags_router = Router(tags=["tags"])


TEMPLATE_FIELD = FieldLabel("template", "模板", "Template")


def _template(key: str) -> Template:
    """The template a new customer is built on; an unknown key is an invalid field, not a 404."""
    try:
        return get_template(key=key)
    except NotFound:
        raise ValidationFailed(
            _("The customer could not be saved."),
            errors=[FieldError("invalid_choice", spec=TEMPLATE_FIELD, value=key)],
        ) from None


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = active_user(username=username)
    if user is None:
        raise NotFound(_("No such user: %(name)s") % {"name": username}, code="user_not_found")
    return user


#: figures hold at most 14 digits before the point
BOUND = list_filters.LARGEST_BOUND - 1
# the list's optional filters (module-level: a default is built once, not per call)
SINCE = Query(None, description="On or after this day (YYYY-MM-DD).")
UNTIL = Query(None, description="On or before this day (YYYY-MM-DD).")
AT_LEAST = Query(None, description="At least this.", ge=-BOUND, le=BOUND)
AT_MOST = Query(None, description="At most this.", ge=-BOUND, le=BOUND)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return format(value, "f") if isinstance(value, float) else str(value)


@router.get("", response={200: CustomerPageOut, **ERRORS})
def list_customers(
    request: ApiRequest,
    q: str = "",
    tag: str = Query(
        "",
        description="Tag ids or names, comma-separated (at most 20).",
        max_length=1000,
        pattern=r"^[^,]*(,[^,]*){0,19}$",
    ),
    tag_mode: str = Query("any", pattern="^(any|all)$"),
    template: str = "",
    owner: str = Query("", description='"me", "none" or a user name.'),
    status: str = "",
    kind: str = "",
    source: str = "",
    erased: bool = False,
    created_from: date | None = SINCE,
    created_to: date | None = UNTIL,
    updated_from: date | None = SINCE,
    updated_to: date | None = UNTIL,
    spend_min: float | None = AT_LEAST,
    spend_max: float | None = AT_MOST,
    orders_min: int | None = AT_LEAST,
    orders_max: int | None = AT_MOST,
    sort: str = Query(
        "-created",
        description="created, updated, name (pinyin order), owner, last_purchase, spend, "
        "orders, last_interaction; a leading - sorts descending.",
        pattern=listing.sort_pattern(),
    ),
    cursor: str = Query("", max_length=500, description="next_cursor or previous_cursor."),
    limit: int = Query(50, ge=1, le=200),
    count: bool = Query(False, description="Also answer how many match."),
) -> Any:
    """Customers you may see, filtered and sorted, a page at a time (keyset cursors).

    `q` searches name, pinyin, phone, e-mail, ID number. Erased customers (personal data
    anonymised) are left out unless `erased=true` asks for them. A filter value that cannot
    be read is refused (422) naming the filter.
    """
    filters = selectors.CustomerFilters(
        q=q,
        tag=tag,
        tag_mode="" if tag_mode == "any" else tag_mode,
        template=template,
        owner=owner,
        status=status,
        kind=kind,
        source=source,
        erased="only" if erased else "",
        created_from=_text(created_from),
        created_to=_text(created_to),
        updated_from=_text(updated_from),
        updated_to=_text(updated_to),
        spend_min=_text(spend_min),
        spend_max=_text(spend_max),
        orders_min=_text(orders_min),
        orders_max=_text(orders_max),
    )
    page = selectors.customer_list(
        actor=request.user,
        filters=filters,
        cursor=cursor or None,
        limit=limit,
        sort=sort,
        with_count=count,
    )
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "previous_cursor": page.previous_cursor,
        "count": page.count.value if page.count else None,
        "count_exact": page.count.exact if page.count else None,
    }


@router.post("", response={201: CustomerOut, **ERRORS})
def create_customer(request: ApiRequest, payload: CustomerIn) -> Any:
    """Create a customer on a template; every invalid field is reported at once (422).

    A customer that likely duplicates one on file answers 409 with the candidates you may
    see (each with its explanation), unless ``allow_duplicate`` is true and the template's
    duplicate policy is "warn"; under "block" it is always refused.
    """
    customer = services.create_customer(
        actor=request.user,
        template=_template(payload.template),
        values=payload.values,
        owner=_user(payload.owner),
        tags=payload.tags,
        allow_duplicate=payload.allow_duplicate,
    )
    return Status(201, selectors.get_customer(actor=request.user, customer_id=customer.pk))


@router.get("/trash", response={200: DeletedCustomerPageOut, **ERRORS})
def list_deleted_customers(
    request: ApiRequest, cursor: UuidOrEmpty = "", limit: int = Query(50, ge=1, le=200)
) -> Any:
    """The trash: deleted customers you may restore (admins: all; managers: their team's)."""
    page = selectors.deleted_customer_list(actor=request.user, cursor=cursor or None, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/{customer_id}/restore", response={200: CustomerOut, **ERRORS})
def restore_customer(request: ApiRequest, customer_id: UUID) -> Any:
    """Bring a deleted customer back from the trash (audited)."""
    services.restore_customer(actor=request.user, customer_id=customer_id)
    return selectors.get_customer(actor=request.user, customer_id=customer_id)


def _token_state_and_customer(request: HttpRequest, token_id: int) -> tuple[bool, int]:
    """The per-call check of a remembered token, in the statement that reads the customer.

    The row waits on the request for the operation; it is used only if the check lets the
    call through, and the operation still decides whether the caller may see it.
    """
    match = request.resolver_match
    try:
        customer_id: UUID | None = UUID(str(match.kwargs["customer_id"])) if match else None
    except (KeyError, ValueError):
        customer_id = None  # ninja answers 422 for the path; the token is checked alone
    state, row = fetch_customer_with_token_state(customer_id, token_id)
    request._customer_read_along = row  # type: ignore[attr-defined]
    return state


@router.get(
    "/{customer_id}",
    response={200: CustomerOut, **ERRORS},
    auth=TokenAuth(state_with=_token_state_and_customer),
)
def get_customer(request: ApiRequest, customer_id: UUID, response: HttpResponse) -> Any:
    # the hottest read answers ready JSON (what CustomerOut validation gives), in the
    # response ninja made for the call (its content type is the renderer's)
    row = getattr(request, "_customer_read_along", None)
    response.content = customer_json(
        selectors.get_customer(actor=request.user, customer_id=customer_id, row=row)
    )
    return response


@router.patch("/{customer_id}", response={200: CustomerOut, **ERRORS})
def update_customer(request: ApiRequest, customer_id: UUID, payload: CustomerPatch) -> Any:
    """Change some fields; send the `version` you read (409 if it is stale)."""
    services.update_customer(
        actor=request.user,
        customer_id=customer_id,
        values=payload.values,
        expected_version=payload.version,
        tags=payload.tags,
        owner=_user(payload.owner),
    )
    return selectors.get_customer(actor=request.user, customer_id=customer_id)


@router.delete("/{customer_id}", response={204: None, **ERRORS})
def delete_customer(request: ApiRequest, customer_id: UUID, version: int | None = None) -> Any:
    """Soft-delete a customer (optionally checking the version you read)."""
    services.delete_customer(actor=request.user, customer_id=customer_id, expected_version=version)
    return Status(204, None)


@router.post("/{customer_id}/reveal", response={200: RevealOut, **ERRORS})
def reveal(request: ApiRequest, customer_id: UUID, payload: RevealIn) -> Any:
    """Show masked values whole, for a stated reason (needs the reveal permission; audited)."""
    values = services.reveal_values(
        actor=request.user, customer_id=customer_id, fields=payload.fields, reason=payload.reason
    )
    return {"values": values}


@router.put("/{customer_id}/tags", response={200: list[TagOut], **ERRORS})
def set_tags(request: ApiRequest, customer_id: UUID, payload: TagsIn) -> Any:
    return services.set_customer_tags(
        actor=request.user, customer_id=customer_id, tag_ids=payload.tag_ids
    )


@tags_router.get("", response={200: list[TagOut], **ERRORS})
def list_tags(request: ApiRequest) -> Any:
    return list(selectors.tag_list(actor=request.user))


@tags_router.post("", response={201: TagOut, **ERRORS})
def create_tag(request: ApiRequest, payload: TagIn) -> Any:
    return Status(
        201,
        services.create_tag(
            actor=request.user, name=payload.name, group=payload.group, colour=payload.colour
        ),
    )


@tags_router.patch("/{tag_id}", response={200: TagOut, **ERRORS})
def update_tag(request: ApiRequest, tag_id: RecordId, payload: TagPatch) -> Any:
    return services.update_tag(actor=request.user, tag_id=tag_id, **payload.dict())


@tags_router.delete("/{tag_id}", response={204: None, **ERRORS})
def delete_tag(request: ApiRequest, tag_id: RecordId) -> Any:
    services.delete_tag(actor=request.user, tag_id=tag_id)
    return Status(204, None)
