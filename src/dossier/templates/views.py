"""Template pages: the list, one template and its versions, the field editor, migration reports."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossier.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from dossier.customers import services as customer_services

from . import selectors, services
from .core_fields import CORE_KEYS
from .fields import FieldError, FieldSpec, get_type, registered_types
from .fields.base import CLASSIFICATIONS
from .models import Scenario, Template

TYPE_LABELS = {
    "text": gettext_lazy("Text"),
    "long_text": gettext_lazy("Long text"),
    "address": gettext_lazy("Address"),
    "url": gettext_lazy("Web address"),
    "choice": gettext_lazy("Choice"),
    "multi_choice": gettext_lazy("Multiple choice"),
    "integer": gettext_lazy("Whole number"),
    "decimal": gettext_lazy("Decimal number"),
    "money": gettext_lazy("Money"),
    "boolean": gettext_lazy("Yes / no"),
    "date": gettext_lazy("Date"),
    "datetime": gettext_lazy("Date and time"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "cn_id_card": gettext_lazy("ID card number"),
    "cn_uscc": gettext_lazy("Unified social credit code"),
}
CLASSIFICATION_LABELS = {
    "general": gettext_lazy("General"),
    "personal": gettext_lazy("Personal"),
    "sensitive": gettext_lazy("Sensitive"),
}
# Every rule some field type accepts, in the order the editor shows them.
RULE_LABELS = {
    "regex": gettext_lazy("Pattern (regular expression)"),
    "min_length": gettext_lazy("Minimum length"),
    "max_length": gettext_lazy("Maximum length"),
    "min_value": gettext_lazy("Minimum"),
    "max_value": gettext_lazy("Maximum"),
    "places": gettext_lazy("Decimal places"),
    "currency": gettext_lazy("Currency"),
    "region": gettext_lazy("Phone region"),
    "mobile_only": gettext_lazy("Mobile numbers only"),
    "min_items": gettext_lazy("Fewest choices"),
    "max_items": gettext_lazy("Most choices"),
    "choices": gettext_lazy("Choices"),
}
INTEGER_RULES = frozenset({"min_length", "max_length", "places", "min_items", "max_items"})
NUMBER_RULES = frozenset({"min_value", "max_value"})  # numbers, or dates for date fields
TEXT_INPUTS = (
    "key",
    "type",
    "label_zh",
    "label_en",
    "classification",
    "section",
    "help_zh",
    "help_en",
    "default",
)
FLAG_INPUTS = ("required", "unique", "mobile_only")
RULE_INPUT_KINDS = {"mobile_only": "checkbox", "choices": "textarea"}
UNSTRIPPED = frozenset({"regex", "choices"})  # spaces can matter in a pattern
MAX_ROWS = 300
# which editor input a field-definition error belongs to (invalid_rule names its rule)
ERROR_INPUTS = {
    "invalid_key": "key",
    "duplicate_key": "key",
    "unknown_type": "type",
    "core_type_mismatch": "type",
    "invalid_classification": "classification",
    "invalid_default": "default",
}

Row = dict[str, Any]


class AuthenticatedRequest(HttpRequest):
    """A request that LoginRequiredMiddleware let through, so its user is a real one."""

    user: User


# --- the editor's form, as pure functions -------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _integer(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text  # left as typed: the validator names the rule that is wrong


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text  # a date bound such as 2020-01-01 or "today"
    return number if math.isfinite(number) else text


def _choices(text: str) -> list[dict[str, str]]:
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        value, label_zh, label_en = ([part.strip() for part in line.split("|")] + ["", ""])[:3]
        choice = {"value": value}
        if label_zh:
            choice["label_zh"] = label_zh
        if label_en:
            choice["label_en"] = label_en
        choices.append(choice)
    return choices


def _choice_lines(choices: Iterable[Any]) -> str:
    lines = []
    for choice in choices:
        if isinstance(choice, Mapping):
            parts = [_text(choice.get(k)) for k in ("value", "label_zh", "label_en")]
            lines.append("|".join(parts).rstrip("|"))
        else:
            lines.append(_text(choice))
    return "\n".join(lines)


def _typed_default(text: str, field_type: str) -> Any:
    if text == "":
        return None
    if field_type == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    if field_type == "integer":
        return _integer(text)
    if field_type in ("decimal", "money"):
        return _number(text)
    if field_type == "multi_choice":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def read_rows(data: Mapping[str, Any]) -> list[Row]:
    """The editor's rows as posted: inputs as strings, checkboxes as booleans."""
    try:
        total = min(int(data.get("total") or 0), MAX_ROWS)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for index in range(total):
        prefix = f"fields-{index}-"
        row: Row = {}
        for name in (*TEXT_INPUTS, *RULE_LABELS):
            if name not in FLAG_INPUTS:
                raw = str(data.get(prefix + name) or "")
                row[name] = raw if name in UNSTRIPPED else raw.strip()
        for name in FLAG_INPUTS:
            row[name] = bool(data.get(prefix + name))
        rows.append(row)
    return rows


def field_definition(row: Mapping[str, Any]) -> dict[str, Any]:
    """One editor row as the definition save_draft takes: typed values, only the rules filled in."""
    definition: dict[str, Any] = {n: row.get(n) or "" for n in TEXT_INPUTS if n != "default"}
    definition["required"] = bool(row.get("required"))
    definition["unique"] = bool(row.get("unique"))
    definition["default"] = _typed_default(row.get("default") or "", definition["type"])
    rules: dict[str, Any] = {}
    for name in RULE_LABELS:
        value = row.get(name)
        if name == "mobile_only":
            if value:
                rules[name] = True
        elif name == "choices":
            if choices := _choices(value or ""):
                rules[name] = choices
        elif value not in (None, ""):
            convert = (
                _integer if name in INTEGER_RULES else _number if name in NUMBER_RULES else str
            )
            rules[name] = convert(value)
    definition["rules"] = rules
    return definition


def row_from_spec(spec: FieldSpec) -> Row:
    """An editor row showing a stored field definition."""
    row: Row = {name: _text(getattr(spec, name)) for name in TEXT_INPUTS}
    row.update(required=spec.required, unique=spec.unique)
    rules = dict(spec.rules)
    for name in RULE_LABELS:
        if name == "mobile_only":
            row[name] = bool(rules.get(name))
        elif name == "choices":
            row[name] = _choice_lines(rules.get(name) or [])
        else:
            row[name] = _text(rules.get(name))
    return row


def blank_row() -> Row:
    return row_from_spec(FieldSpec(key="", type="text"))


def apply_action(rows: Sequence[Row], action: str) -> list[Row]:
    """The rows after "add", "remove-N", "up-N" or "down-N" (N counts from 0)."""
    rows = list(rows)
    name, _sep, number = action.partition("-")
    if name == "add":
        return [*rows, blank_row()]
    index = int(number) if number.isdigit() else -1
    if not 0 <= index < len(rows):
        return rows
    if name == "remove":
        del rows[index]
    elif name == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif name == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def row_errors(errors: Iterable[FieldError], language: str) -> dict[int, dict[str, list[str]]]:
    """Error messages by row index (from 0) and input name ("row" when no input fits)."""
    found: dict[int, dict[str, list[str]]] = {}
    for err in errors:
        index = (err.row or 0) - 1
        name = err.params.get("rule") if err.code == "invalid_rule" else ERROR_INPUTS.get(err.code)
        if name not in TEXT_INPUTS and name not in RULE_LABELS:
            name = "row"
        found.setdefault(index, {}).setdefault(str(name), []).append(err.message(language))
    return found


def _allowed_rules(field_type: str) -> frozenset[str]:
    try:
        return get_type(field_type).allowed_rules
    except FieldError:
        return frozenset()


def rules_summary(spec: FieldSpec, language: str) -> str:
    """A field's rules in a few words, for reading (not for editing)."""
    chinese = language.startswith("zh")
    colon, comma, semicolon = ("：", "、", "；") if chinese else (": ", ", ", "; ")
    parts = []
    for name, value in spec.rules.items():
        if name == "choices":
            value = comma.join(c["label_zh" if chinese else "label_en"] for c in spec.choices())
        elif name == "mobile_only":
            if value:
                parts.append(str(RULE_LABELS[name]))
            continue
        parts.append(f"{RULE_LABELS.get(name, name)}{colon}{value}")
    return semicolon.join(parts)


# --- helpers for the pages ------------------------------------------------------------------


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer NotFound with a 404 and PermissionDenied with a 403."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise Forbidden(exc.message) from exc

    return wrapped


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
            "type": TYPE_LABELS.get(spec.type, spec.type),
            "classification": CLASSIFICATION_LABELS.get(spec.classification, spec.classification),
            "rules": rules_summary(spec, language),
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


class TemplateForm(CloneForm):
    scenario = forms.ChoiceField(label=gettext_lazy("Scenario"), choices=Scenario.choices)


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


@require_POST
@page
def migrate(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Start moving the template's customers to its current version."""
    template = selectors.get_template(key=key)
    try:
        migration = customer_services.start_migration(actor=request.user, template=template)
    except PermissionDenied:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("templates:detail", key=key)
    return redirect("templates:migration", key=key, migration_id=migration.pk)


@page
def migration(request: AuthenticatedRequest, key: str, migration_id: int) -> HttpResponse:
    """A migration's report: counts and every customer that failed, with its errors."""
    # the report names customers of every owner, so only those who may migrate see it
    _require(request, "templates.migrate_template")
    report = selectors.get_migration(template_key=key, migration_id=migration_id)
    context = {"nav": "templates", "template": report.template, "migration": report}
    name = "templates/_migration_report.html" if _is_htmx(request) else "templates/migration.html"
    return render(request, name, context)


@page
def edit(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """The field editor: works on the draft; save, publish or discard it."""
    _require(request, "templates.change_template")
    template = selectors.get_template(key=key)
    if request.method != "POST":
        return _editor(request, template, _stored_rows(template))
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
                actor=request.user, template=template, note=str(request.POST.get("note", ""))
            )
            text = _("Version %(number)s published.") % {"number": published.number}
            messages.success(request, text)
            return _go(request, reverse("templates:detail", args=[key]))
    except PermissionDenied:
        raise
    except ValidationFailed as exc:
        return _editor(request, template, rows, problem=exc.message, errors=exc.errors)
    except ApplicationError as exc:
        return _editor(request, template, rows, problem=exc.message)
    return _editor(request, template, _stored_rows(template), notice=_("Draft saved."))


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
) -> HttpResponse:
    found = row_errors(errors, _language())
    shown = []
    for index, row in enumerate(rows):
        row_found = found.get(index, {})
        allowed = _allowed_rules(row["type"])
        rules = [
            {
                "name": name,
                "label": label,
                "value": row[name],
                "errors": row_found.get(name, []),
                "kind": RULE_INPUT_KINDS.get(name, "text"),
                "inputmode": "numeric" if name in INTEGER_RULES else "",
            }
            # a filled-in rule the type does not take stays visible, with its error
            for name, label in RULE_LABELS.items()
            if name in allowed or row[name] or name in row_found
        ]
        shown.append(
            {
                "index": index,
                "prefix": f"fields-{index}-",
                "values": row,
                "errors": row_found,
                "rules": rules,
            }
        )
    # the labels' order (text types first, Chinese identifiers last), then any newer type
    types = [n for n in TYPE_LABELS if n in registered_types()]
    types += [n for n in registered_types() if n not in TYPE_LABELS]
    context = {
        "nav": "templates",
        "template": template,
        "draft": selectors.draft_of(template=template),
        "rows": shown,
        "total": len(rows),
        "general_errors": found.get(-1, {}).get("row", []),
        "types": [(name, TYPE_LABELS.get(name, name)) for name in types],
        "classifications": [(c, CLASSIFICATION_LABELS[c]) for c in CLASSIFICATIONS],
        "sections": sorted({r["section"] for r in rows if r["section"]}),
        "notice": notice,
        "problem": problem,
    }
    name = "templates/_editor.html" if _is_htmx(request) else "templates/edit.html"
    return render(request, name, context)
