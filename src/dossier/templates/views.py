"""Template pages: the list, one template and its versions, the field editor, migration reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossier.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldSpec, registered_types, type_label
from dossier.core.fields.base import CLASSIFICATIONS
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.templates import selectors, services
from dossier.templates.core_fields import CORE_FIELDS, CORE_KEYS
from dossier.templates.editor import (
    Row,
    apply_action,
    editor_rows,
    field_definition,
    read_rows,
    row_errors,
    row_from_spec,
    rules_summary,
)
from dossier.templates.models import Scenario, Template
from dossier.templates.sections import section_choices, section_label

CLASSIFICATION_LABELS = {
    "general": gettext_lazy("General"),
    "personal": gettext_lazy("Personal"),
    "sensitive": gettext_lazy("Sensitive"),
}


# --- helpers for the pages ------------------------------------------------------------------


# NotFound and PermissionDenied become 404 and 403 pages with the reason
page = shows_errors("templates/error.html", nav="templates")


def _require(request: AuthenticatedRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(_("You may not do this."))


def _language() -> str:
    return get_language() or "zh-hans"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _go(request: HttpRequest, url: str) -> HttpResponse:
    if _is_htmx(request):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


def _show_errors(form: forms.Form, exc: ApplicationError) -> None:
    if exc.code == "template_exists":
        form.add_error("key", exc.message)
        return
    for err in exc.errors:
        form.add_error(err.field if err.field in form.fields else None, err.message(_language()))
    if not exc.errors:
        form.add_error(None, exc.message)


def _field_rows(specs: Sequence[FieldSpec]) -> list[dict[str, Any]]:
    language = _language()
    return [
        {
            "spec": spec,
            "label": spec.label(language),
            "type": type_label(spec.type, _language()),
            "classification": CLASSIFICATION_LABELS.get(spec.classification, spec.classification),
            "section": section_label(spec.section) if spec.section else "",
            "rules": rules_summary(spec, language, specs),
            "core": spec.key in CORE_KEYS,
        }
        for spec in specs
    ]


class CloneForm(forms.Form):
    # the same key pattern as the API's TemplateIn
    key = forms.RegexField(
        regex=r"^[a-z][a-z0-9_-]{0,63}$",
        label=gettext_lazy("Key"),
        help_text=gettext_lazy("Lower-case letters, digits, - and _; starts with a letter."),
    )
    name_zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=100, required=False)


def _description(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TemplateForm(CloneForm):
    scenario = forms.ChoiceField(label=gettext_lazy("Scenario"), choices=Scenario.choices)
    description = _description(gettext_lazy("Description (Chinese)"))
    description_en = _description(gettext_lazy("Description (English)"))


class AboutForm(forms.Form):
    """A template's names and descriptions in both languages (the editor's first card)."""

    name_zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=100, required=False)
    description = _description(gettext_lazy("Description (Chinese)"))
    description_en = _description(gettext_lazy("Description (English)"))


# --- pages ----------------------------------------------------------------------------------


@page
def template_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every template, and a form to start a new one."""
    _require(request, "templates.view_template")
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.create_template(actor=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise
        except ApplicationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Template created. Add its fields now."))
            return redirect("templates:edit", key=template.key)
    templates = list(selectors.template_list(actor=request.user, include_archived=True))
    counts = selectors.customer_counts()
    rows = [{"template": t, "customers": counts.get(t.pk, 0)} for t in templates]
    context = {"nav": "templates", "rows": rows, "form": form}
    return render(request, "templates/list.html", context)


@page
def clone(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Copy a template (a built-in one, usually) under a new key, to customise it."""
    _require(request, "templates.add_template")
    source = selectors.get_template(key=key)
    initial = {
        "key": f"{source.key}_copy"[:64],
        "name_zh": source.name_zh,
        "name_en": source.name_en,
    }
    form = CloneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.clone_template(
                actor=request.user, source=source, **form.cleaned_data
            )
        except PermissionDenied:
            raise
        except ApplicationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Template cloned. Adapt its fields now."))
            return redirect("templates:edit", key=template.key)
    context = {"nav": "templates", "source": source, "form": form}
    return render(request, "templates/clone.html", context)


@page
def detail(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """A template's current fields and its version history."""
    _require(request, "templates.view_template")
    template = selectors.get_template(key=key)
    version = selectors.get_version(template=template)
    context = {
        "nav": "templates",
        "template": template,
        "version": version,
        "fields": _field_rows(version.specs()),
        "versions": selectors.version_list(template=template).select_related("published_by"),
    }
    return render(request, "templates/detail.html", context)


@page
def version(request: AuthenticatedRequest, key: str, number: int) -> HttpResponse:
    """One version of a template, as it was published."""
    _require(request, "templates.view_template")
    template = selectors.get_template(key=key)
    shown = selectors.get_version(template=template, number=number)
    context = {
        "nav": "templates",
        "template": template,
        "version": shown,
        "fields": _field_rows(shown.specs()),
    }
    return render(request, "templates/version.html", context)


@require_POST
@page
def archive(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Hide a template from pickers."""
    services.archive_template(actor=request.user, template=selectors.get_template(key=key))
    messages.success(request, _("Template archived."))
    return redirect("templates:detail", key=key)


@page
def edit(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """The field editor: works on the draft; save, publish or discard it."""
    _require(request, "templates.change_template")
    template = selectors.get_template(key=key)
    if request.method != "POST":
        return _editor(request, template, _stored_rows(template))
    if request.POST.get("action") == "describe":
        return _describe(request, template)
    rows = read_rows(request.POST)
    action = str(request.POST.get("action") or "save")
    if action not in ("save", "publish", "discard"):
        notice = _("Not saved yet: press “Save draft” to keep your changes.")
        return _editor(request, template, apply_action(rows, action), notice=notice)
    try:
        if action == "discard":
            services.discard_draft(actor=request.user, template=template)
            return _editor(request, template, _stored_rows(template), notice=_("Draft discarded."))
        services.save_draft(
            actor=request.user, template=template, fields=[field_definition(r) for r in rows]
        )
        if action == "publish":
            published = services.publish_draft(
                actor=request.user,
                template=template,
                note=str(request.POST.get("note", "")),
                lowering_reason=str(request.POST.get("lowering_reason", "")),
            )
            text = _("Version %(number)s published.") % {"number": published.number}
            messages.success(request, text)
            return _go(request, reverse("templates:detail", args=[key]))
    except PermissionDenied as exc:
        if exc.code != "classification_lowered":
            raise
        # the draft is saved; an administrator may publish it with a reason
        return _editor(request, template, rows, problem=exc.message, errors=exc.errors)
    except ValidationFailed as exc:
        return _editor(request, template, rows, problem=exc.message, errors=exc.errors)
    except ApplicationError as exc:
        return _editor(request, template, rows, problem=exc.message)
    return _editor(request, template, _stored_rows(template), notice=_("Draft saved."))


def _describe(request: AuthenticatedRequest, template: Template) -> HttpResponse:
    """Save the names and descriptions (not versioned: customers keep their version)."""
    about = AboutForm(request.POST)
    if about.is_valid():
        try:
            services.update_template(actor=request.user, template=template, **about.cleaned_data)
        except PermissionDenied:
            raise
        except ApplicationError as exc:
            _show_errors(about, exc)
        else:
            messages.success(request, _("Names and descriptions saved."))
            return redirect("templates:edit", key=template.key)
    return _editor(request, template, _stored_rows(template), about=about)


def _about(template: Template) -> dict[str, str]:
    return {name: getattr(template, name) for name in AboutForm.base_fields}


def _stored_rows(template: Template) -> list[Row]:
    draft = selectors.draft_of(template=template)
    source = draft or selectors.get_version(template=template)
    return [row_from_spec(spec) for spec in source.own_specs()]


def _editor(
    request: AuthenticatedRequest,
    template: Template,
    rows: Sequence[Row],
    *,
    notice: str = "",
    problem: str = "",
    errors: Sequence[FieldError] = (),
    about: AboutForm | None = None,
) -> HttpResponse:
    found = row_errors(errors, _language())
    sections_in_use = [spec.section for spec in CORE_FIELDS]
    # the labels' order (text types first, Chinese identifiers last), then any newer type
    types = registered_types()
    context = {
        "nav": "templates",
        "template": template,
        "draft": selectors.draft_of(template=template),
        "rows": editor_rows(rows, found, _language()),
        "total": len(rows),
        "general_errors": found.get(-1, {}).get("row", []),
        "types": [(name, type_label(name, _language())) for name in types],
        "classifications": [(c, CLASSIFICATION_LABELS[c]) for c in CLASSIFICATIONS],
        "sections": section_choices([r["section"] for r in rows] + sections_in_use),
        "notice": notice,
        "problem": problem,
        "about": about or AboutForm(initial=_about(template)),
    }
    name = "templates/_editor.html" if _is_htmx(request) else "templates/edit.html"
    return render(request, name, context)
