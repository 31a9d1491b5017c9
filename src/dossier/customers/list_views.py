"""The customer list page: filters, sorts, columns, keyset pages, a count, saved views.

Parses the request (or the saved view it names), calls ``selectors.customer_list`` and
renders; htmx asks for the results only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dossier.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldSpec
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.customers import list_columns, listing, selectors
from dossier.customers.list_filters import filters_from_params
from dossier.customers.templatetags.customer_pages import choice_options
from dossier.savedviews.selectors import list_context
from dossier.templates.core_fields import core_spec
from dossier.templates.selectors import get_template, template_list, version_info

PAGE_SIZE = 50

_shows_errors = shows_errors("customers/error.html", nav="customers")


def _is_htmx(request: HttpRequest) -> bool:
    # a history restore (back button after the cache is gone) needs the whole page
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def tags_or_none(actor: Any) -> list[Any] | None:
    """Every tag, or None for users who may not see tags (the page then hides them)."""
    try:
        return list(selectors.tag_list(actor=actor))
    except PermissionDenied:
        return None


def _page_size(asked: str, preferred: int) -> int:
    """The page size a view or the address asks for, else the user's, else the list's."""
    if asked.isdecimal() and int(asked) in listing.PAGE_SIZES:
        return int(asked)
    return preferred if preferred in listing.PAGE_SIZES else PAGE_SIZE


def _template_specs(key: str) -> list[FieldSpec]:
    """The fields of the filtered template's current version (for its columns)."""
    if not key:
        return []
    try:
        template = get_template(key=key)
    except ApplicationError:
        return []
    if template.current_version_id is None:
        return []
    return list(version_info(template.current_version_id).specs)


def _header(key: str, label: Any, sort: str) -> dict[str, Any]:
    """A column header: its label, the sort a click asks for, and aria-sort."""
    if not key:
        return {"label": label, "sort": "", "aria_sort": ""}
    current = "descending" if sort == f"-{key}" else "ascending" if sort == key else ""
    first = key if key in ("name", "owner") else f"-{key}"  # names A→Z, figures high→low
    following = {"descending": key, "ascending": f"-{key}"}.get(current, first)
    return {"label": label, "sort": following, "aria_sort": current}


def _sort_choices() -> list[tuple[str, str]]:
    """Each sort both ways, as the sort menu offers them (descending first)."""
    words = {
        "text": (_("Z → A"), _("A → Z")),
        "decimal": (_("highest first"), _("lowest first")),
        "int": (_("highest first"), _("lowest first")),
    }
    choices = []
    for key, order in listing.sorts().items():
        down, up = words.get(order.kind, (_("newest first"), _("oldest first")))
        choices += [(f"-{key}", f"{order.label} ({down})"), (key, f"{order.label} ({up})")]
    return choices


@require_GET
@_shows_errors
def customer_list(request: AuthenticatedRequest) -> HttpResponse:
    """The customers you may see: search, filters, sort, columns, keyset pages, a count;
    htmx gets the results only."""
    views = list_context(
        request.user, "customers", request.GET, default_columns=list_columns.DEFAULT_COLUMNS
    )
    params = views["params"]  # the request's, or its saved view's
    filters = filters_from_params(params)
    sort = str(params.get("sort", ""))[:30] or listing.DEFAULT_SORT
    cursor = query_text(request, "cursor", limit=500) or None
    size = _page_size(str(params.get("size", "")), views["page_size"])
    specs = _template_specs(filters.template)
    available = list_columns.available_columns(specs)
    columns = list_columns.chosen_columns(params.getlist("columns") or views["columns"], available)
    problem = ""
    try:
        page = selectors.customer_list(
            actor=request.user,
            filters=filters,
            cursor=cursor,
            limit=size,
            sort=sort,
            with_count=True,
        )
    except ValidationFailed as error:
        if any(e.field == "cursor" for e in error.errors):  # a mangled cursor: first page
            cursor = None
            page = selectors.customer_list(
                actor=request.user, filters=filters, limit=size, sort=sort, with_count=True
            )
        else:
            # the reason (naming the value) and what the field takes
            details = [e.message(get_language() or "zh-hans") for e in error.errors]
            problem = " ".join([str(error), *details])
            page = selectors.CustomerPage(items=[], next_cursor=None)
    templates = list(template_list(actor=request.user, include_archived=True))
    names = {t.key: t.name for t in templates}
    field_specs = list_columns.field_specs(specs)
    items = []
    for item in page.items:
        item = {**item, "template_name": names.get(item["template"])}
        item["cells"] = [
            {"key": c.key, "label": c.label, **list_columns.cell(item, c.key, field_specs)}
            for c in columns
        ]
        items.append(item)
    context: dict[str, Any] = {
        "nav": "customers",
        "items": items,
        "name_header": _header("name", _("Name"), sort),
        "headers": [_header(c.sort, c.label, sort) for c in columns],
        "next_cursor": page.next_cursor,
        "previous_cursor": page.previous_cursor,
        "count": page.count,
        "cursor": cursor,
        "filters": filters,
        "tag_ids": [t for t in filters.tag.split(",") if t],
        "sort": sort,
        "sort_choices": _sort_choices(),
        "size": size,
        "page_sizes": listing.PAGE_SIZES,
        "chosen_keys": [c.key for c in columns],
        "problem": problem,
        **views,
        "columns": columns,
    }
    if _is_htmx(request):
        response = render(request, "customers/_results.html", {**context, "partial": True})
    else:
        context.update(
            templates=templates,
            tags=tags_or_none(request.user),
            statuses=choice_options(core_spec("lifecycle")),
            owners=selectors.owner_choices(actor=request.user),
            figures=listing.figures(),
        )
        response = render(request, "customers/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
