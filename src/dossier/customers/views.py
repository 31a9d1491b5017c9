"""Customer and tag pages: parse the request, call a selector or service, render.

The customer list is in ``list_views``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dossier.core.errors import (
    ApplicationError,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from dossier.core.fields import FieldError, FieldSpec
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.customers import selectors, services
from dossier.customers.duplicates import WARN, LikelyDuplicate
from dossier.customers.forms import (
    tag_fields_from_post,
    tag_ids_from_post,
    typed_values,
    values_from_post,
    version_from_post,
)
from dossier.customers.list_views import PAGE_SIZE, tags_or_none
from dossier.customers.sections import render_sections
from dossier.customers.templatetags.customer_pages import (
    changed_fields,
    reapplied_values,
)
from dossier.templates.selectors import get_template, get_version, template_list

TAG_LABELS = {
    "name": gettext_lazy("Name"),
    "group": gettext_lazy("Group"),
    "colour": gettext_lazy("Colour"),
}


def _language() -> str:
    return get_language() or "zh-hans"


_shows_errors = shows_errors("customers/error.html", nav="customers")


@require_GET
@_shows_errors
def template_picker(request: AuthenticatedRequest) -> HttpResponse:
    """Choose the template a new customer is created on (only for those who may create)."""
    services.check_may_create(actor=request.user)
    templates = [t for t in template_list(actor=request.user) if t.current_version_id is not None]
    return render(request, "customers/new.html", {"nav": "customers", "templates": templates})


def _form_errors(
    error: ValidationFailed, specs: Sequence[FieldSpec]
) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Messages by field key (shown under each input) and the list for the summary."""
    language = _language()
    keys = {spec.key for spec in specs}
    by_field: dict[str, list[str]] = {}
    summary: list[tuple[str, str]] = []
    for err in error.errors:
        message = err.message(language)
        key = err.field if err.field in keys else ""
        if key:
            by_field.setdefault(key, []).append(message)
        summary.append((key, message))
    if not summary:
        summary.append(("", str(error.message)))
    return by_field, summary


def _render_form(request: AuthenticatedRequest, status: int = 200, **context: Any) -> HttpResponse:
    defaults: dict[str, Any] = {
        "nav": "customers",
        "errors": {},
        "summary": [],
        "masked": [],
        "tags": tags_or_none(request.user),
        "chosen_tags": [],
        "duplicate_warn": WARN,
    }
    return render(request, "customers/form.html", {**defaults, **context}, status=status)


@require_http_methods(["GET", "POST"])
@_shows_errors
def customer_create(request: AuthenticatedRequest, template_key: str) -> HttpResponse:
    """Create a customer with a form built from the template's current version."""
    template = get_template(key=template_key)
    services.check_may_create(actor=request.user, template=template)  # no form for who may not
    version = get_version(template=template)
    specs = version.specs()
    form: dict[str, Any] = {"template": template, "version_number": version.number, "specs": specs}
    if request.method != "POST":
        defaults = {s.key: s.default for s in specs if s.default is not None}
        return _render_form(request, values=defaults, **form)
    try:
        customer = services.create_customer(
            actor=request.user,
            template=template,
            values=values_from_post(request.POST, specs),
            tags=tag_ids_from_post(request.POST),
            allow_duplicate=request.POST.get("allow_duplicate") == "1",
        )
    except LikelyDuplicate as duplicate:
        # nothing was saved: show the candidates with links, keep what was typed
        return _render_form(
            request,
            409,
            values=typed_values(request.POST, specs),
            duplicate=duplicate,
            chosen_tags=tag_ids_from_post(request.POST),
            **form,
        )
    except ValidationFailed as error:
        errors, summary = _form_errors(error, specs)
        return _render_form(
            request,
            422,
            values=typed_values(request.POST, specs),
            errors=errors,
            summary=summary,
            chosen_tags=tag_ids_from_post(request.POST),
            **form,
        )
    messages.success(request, _("Customer “%(name)s” saved.") % {"name": customer.display_name})
    return redirect("customers:detail", customer_id=customer.pk)


@require_GET
@_shows_errors
def customer_detail(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """One customer (the 360 view): the sections other apps register around the profile facts,
    values masked where the viewer may not see them."""
    return _detail(request, customer_id)


def _detail(
    request: AuthenticatedRequest, customer_id: Any, revealed: dict[str, Any] | None = None
) -> HttpResponse:
    customer = selectors.get_customer_object(actor=request.user, customer_id=customer_id)
    data = selectors.present(customer, request.user)
    specs = customer.template_version.specs()
    if revealed:
        data["values"].update(revealed)
        data["masked"] = [key for key in data["masked"] if key not in revealed]
    labels = {spec.key: spec.label(_language()) for spec in specs}
    by_rule = selectors.rule_tags(customer)
    data["tags"] = [{**tag, "rule": by_rule.get(tag["id"], "")} for tag in data["tags"]]
    context = {
        "nav": "customers",
        "customer": customer,
        "erased_at": customer.erased_at,  # loaded with the customer: no second query
        "data": data,
        "specs": specs,
        "maskable": [(key, labels[key]) for key in data["masked"] if key in labels],
        "revealed": sorted(revealed or {}),
        "sections": render_sections(request, customer),
    }
    response = render(request, "customers/detail.html", context)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@_shows_errors
def customer_reveal(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Show masked values whole for a stated reason (audited), on the detail page."""
    try:
        revealed = services.reveal_values(
            actor=request.user,
            customer_id=customer_id,
            fields=request.POST.getlist("fields"),
            reason=request.POST.get("reason", ""),
        )
    except ValidationFailed as error:
        for problem in error.errors:
            messages.error(request, problem.message(_language()))
        return redirect("customers:detail", customer_id=customer_id)
    return _detail(request, customer_id, revealed)


def _edit_context(request: AuthenticatedRequest, customer_id: Any) -> dict[str, Any]:
    """The edit form of the customer as it is stored now (masked values left empty)."""
    customer = selectors.get_customer_object(
        actor=request.user, customer_id=customer_id, action="change"
    )
    data = selectors.present(customer, request.user)
    return {
        "customer": customer,
        "data": data,
        "template": customer.template,
        "version_number": customer.template_version.number,
        "specs": customer.template_version.specs(),
        "values": data["values"],
        "masked": data["masked"],
        "version": data["version"],
        "started": _started_token(data),
        "chosen_tags": [t["id"] for t in data["tags"]],
    }


_STARTED_SALT = "dossier.customers.edit-started"


def _started_token(data: dict[str, Any]) -> str:
    """The values the form was loaded with (as the user saw them, masked), signed, so that a
    conflict can say what changed meanwhile without trusting the browser."""
    return signing.dumps(data["values"], salt=_STARTED_SALT, compress=True)


def _started_values(post: Any) -> dict[str, Any] | None:
    try:
        values = signing.loads(post.get("started", ""), salt=_STARTED_SALT)
    except signing.BadSignature:
        return None
    return values if isinstance(values, dict) else None


def _render_conflict(
    request: AuthenticatedRequest, error: Conflict, form: dict[str, Any]
) -> HttpResponse:
    """Someone saved first: show what they changed and keep the user's input to save again.

    ``form`` holds the customer as stored now (and its version), so submitting again applies
    the user's changes on top of the other person's.
    """
    post, specs = request.POST, form["specs"]
    started = _started_values(post)
    typed = typed_values(post, specs)
    changes = changed_fields(specs, form["values"], started, typed, form["masked"])
    values = reapplied_values(specs, form["values"], started, typed)
    return _render_form(
        request,
        409,
        conflict=error.message,
        changes=changes,
        **{**form, "values": values, "chosen_tags": tag_ids_from_post(post)},
    )


@require_http_methods(["GET", "POST"])
@_shows_errors
def customer_edit(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Change a customer; a stale form (someone saved first) changes nothing."""
    form = _edit_context(request, customer_id)
    if selectors.erased_at(customer_id=customer_id) is not None:
        messages.error(request, _("This customer's personal data has been erased."))
        return redirect("customers:detail", customer_id=customer_id)
    if request.method != "POST":
        return _render_form(request, **form)
    post = request.POST
    try:
        services.update_customer(
            actor=request.user,
            customer_id=customer_id,
            values=values_from_post(post, form["specs"], keep_if_empty=form["masked"]),
            expected_version=version_from_post(post),
            tags=tag_ids_from_post(post) if "tags_shown" in post else None,
        )
    except Conflict as error:
        return _render_conflict(request, error, form)
    except ValidationFailed as error:
        errors, summary = _form_errors(error, form["specs"])
        form.update(values=typed_values(post, form["specs"]), chosen_tags=tag_ids_from_post(post))
        return _render_form(request, 422, errors=errors, summary=summary, **form)
    messages.success(request, _("Changes saved."))
    return redirect("customers:detail", customer_id=customer_id)


@require_POST
@_shows_errors
def customer_delete(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Soft-delete a customer (after the page asked for confirmation)."""
    try:
        services.delete_customer(
            actor=request.user,
            customer_id=customer_id,
            expected_version=version_from_post(request.POST),
        )
    except (Conflict, PermissionDenied) as error:
        messages.error(request, str(error.message))
        return redirect("customers:detail", customer_id=customer_id)
    messages.success(request, _("Customer deleted."))
    return redirect("customers:list")


@require_GET
@_shows_errors
def customer_trash(request: AuthenticatedRequest) -> HttpResponse:
    """Deleted customers the user may restore (admins: all; managers: their team's)."""
    cursor = query_text(request, "cursor") or None
    try:
        page = selectors.deleted_customer_list(actor=request.user, cursor=cursor, limit=PAGE_SIZE)
    except ValidationFailed:  # a mangled cursor: show the first page instead of an error
        cursor = None
        page = selectors.deleted_customer_list(actor=request.user, limit=PAGE_SIZE)
    context = {"nav": "customers", "items": page.items, "next_cursor": page.next_cursor}
    return render(request, "customers/trash.html", {**context, "cursor": cursor})


@require_POST
@_shows_errors
def customer_restore(request: AuthenticatedRequest, customer_id: Any) -> HttpResponse:
    """Bring a customer back from the trash (audited)."""
    try:
        customer = services.restore_customer(actor=request.user, customer_id=customer_id)
    except ValidationFailed as error:  # one of its unique values was taken meanwhile
        for problem in error.errors or ():
            messages.error(request, problem.message(_language()))
        return redirect("customers:trash")
    messages.success(request, _("Customer “%(name)s” restored.") % {"name": customer.display_name})
    return redirect("customers:detail", customer_id=customer.pk)


def _tag_errors(error: ApplicationError) -> dict[str, str]:
    """A tag service error as messages by input (name, group, colour), labelled for people."""
    if not error.errors:
        return {"name": str(error.message)}
    language = _language()
    out: dict[str, str] = {}
    for err in error.errors:
        # the service names inputs by key; show the label the page uses instead
        params = {k: v for k, v in err.params.items() if k != "label"}
        label = str(TAG_LABELS.get(err.field, err.field))
        out[err.field] = FieldError(err.code, field=err.field, label=label, **params).message(
            language
        )
    return out


def _render_tags(request: AuthenticatedRequest, status: int = 200, **context: Any) -> HttpResponse:
    tags = list(selectors.tag_list(actor=request.user))
    counts = selectors.tag_counts(actor=request.user)
    rows = [{"tag": tag, "count": counts.get(tag.pk, 0)} for tag in tags]
    defaults: dict[str, Any] = {
        "nav": "tags",
        "rows": rows,
        "new": {"colour": "#6b7280"},
        "errors": {},
    }
    return render(request, "customers/tags.html", {**defaults, **context}, status=status)


@require_http_methods(["GET", "POST"])
@_shows_errors
def tag_list(request: AuthenticatedRequest) -> HttpResponse:
    """Tags by group with their customer counts; create a tag."""
    if request.method != "POST":
        return _render_tags(request)
    fields = tag_fields_from_post(request.POST)
    try:
        tag = services.create_tag(actor=request.user, **fields)
    except (ValidationFailed, Conflict) as error:
        return _render_tags(request, error.status, new=fields, errors=_tag_errors(error))
    messages.success(request, _("Tag “%(name)s” created.") % {"name": tag.name})
    return redirect("customers:tags")


@require_POST
@_shows_errors
def tag_update(request: AuthenticatedRequest, tag_id: int) -> HttpResponse:
    """Rename, regroup or recolour a tag."""
    fields = tag_fields_from_post(request.POST)
    try:
        tag = services.update_tag(actor=request.user, tag_id=tag_id, **fields)
    except (ValidationFailed, Conflict) as error:
        return _render_tags(
            request,
            error.status,
            editing={"id": tag_id, **fields},
            edit_errors=_tag_errors(error),
        )
    messages.success(request, _("Tag “%(name)s” saved.") % {"name": tag.name})
    return redirect("customers:tags")


@require_POST
@_shows_errors
def tag_delete(request: AuthenticatedRequest, tag_id: int) -> HttpResponse:
    """Delete a tag (after the page asked for confirmation)."""
    services.delete_tag(actor=request.user, tag_id=tag_id)
    messages.success(request, _("Tag deleted."))
    return redirect(reverse("customers:tags"))


#: the form fields a picked customer may fill in (the picker renders radio inputs of this name)
_PICK_FIELDS = ("customer_id", "customer")


@require_GET
def customer_pick(request: AuthenticatedRequest) -> HttpResponse:
    """Customers matching a search box (name, phone, e-mail, ID number), as choices for a form.

    Other pages (privacy requests, the audit log) include it with htmx; only customers the
    user may see are offered, named as the user may see them.
    """
    name = query_text(request, "name")
    query = query_text(request, "customer_q")
    context = {
        "name": name if name in _PICK_FIELDS else _PICK_FIELDS[0],
        "query": query,
        "matches": selectors.picker_matches(actor=request.user, query=query),
    }
    return render(request, "customers/_pick_results.html", context)
