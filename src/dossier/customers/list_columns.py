"""The customer list's columns: which a user may choose, and each cell's text.

Values come masked from ``selectors.present``; a column never shows more than the
customer's page would. Template fields are offered when the list is filtered to one
template (other templates may not have them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy

from dossier.customers import listing
from dossier.customers.list_filters import FILTER_PARAMS
from dossier.customers.templatetags.customer_pages import display_text
from dossier.savedviews.registry import register_list
from dossier.templates.core_fields import CORE_FIELDS

#: core fields a list may show (the name is always the first column)
CORE_COLUMNS = (
    "phone", "email", "company", "title", "province", "city", "district",
    "lifecycle", "source", "kind", "gender", "birthday",
)  # fmt: skip
DEFAULT_COLUMNS = ("phone", "template", "tags", "lifecycle", "owner")
MAX_COLUMNS = 12


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    #: the sort this column's header toggles, if any
    sort: str = ""


def _language() -> str:
    return get_language() or "zh-hans"


def available_columns(template_specs: Any = ()) -> list[Column]:
    """Every column a list may show: core fields, record facts, figures, template fields."""
    language = _language()
    labels = {spec.key: spec.label(language) for spec in CORE_FIELDS}
    columns = [Column(key, labels[key]) for key in CORE_COLUMNS if key in labels]
    columns += [
        Column("template", gettext_lazy("Template")),
        Column("tags", gettext_lazy("Tags")),
        Column("owner", gettext_lazy("Owner"), "owner"),
        Column("created", gettext_lazy("Created"), "created"),
        Column("updated", gettext_lazy("Updated"), "updated"),
    ]
    sorts = listing.sorts()
    columns += [
        Column(key, capfirst(str(figure.label)), key if key in sorts else "")
        for key, figure in listing.figures().items()
    ]
    core = {spec.key for spec in CORE_FIELDS}
    columns += [
        Column(f"f:{spec.key}", spec.label(language))
        for spec in template_specs
        if spec.key not in core
    ]
    return columns


def chosen_columns(keys: list[str], available: list[Column]) -> list[Column]:
    """The columns asked for, in the order asked, unknown ones left out; the defaults if none."""
    by_key = {c.key: c for c in available}
    picked = [by_key[k] for k in dict.fromkeys(keys) if k in by_key][:MAX_COLUMNS]
    return picked or [by_key[k] for k in DEFAULT_COLUMNS if k in by_key]


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def cell(item: dict[str, Any], key: str, specs: dict[str, Any]) -> dict[str, Any]:
    """What one cell shows: ``text`` and whether it is ``masked``. ``specs``: field specs by
    key (core and the filtered template's)."""
    if key == "owner":
        return {"text": item.get("owner") or "", "masked": False}
    if key == "template":
        return {"text": item.get("template_name") or item.get("template", ""), "masked": False}
    if key in ("created", "updated"):
        return {"text": _text(item.get(f"{key}_at")), "masked": False}
    if key in item.get("figures", {}):
        return {"text": _text(item["figures"][key]), "masked": False}
    field = key[2:] if key.startswith("f:") else key
    value = item["values"].get(field)
    masked = field in item.get("masked", ())
    spec = specs.get(field)
    if masked or spec is None or value in (None, "", []):
        return {"text": _text(value), "masked": masked}
    return {"text": display_text(spec, value), "masked": False}


def field_specs(template_specs: Any = ()) -> dict[str, Any]:
    """Specs by key for :func:`cell`: the core fields and a template's."""
    return {**{spec.key: spec for spec in CORE_FIELDS}, **{s.key: s for s in template_specs}}


def register_customer_list() -> None:
    """The customer list's saved views and column choices (``savedviews``)."""
    register_list(
        "customers",
        params={"tag", *FILTER_PARAMS, "sort", "columns", "size"},
        columns=lambda actor: [(c.key, str(c.label)) for c in available_columns()],
        page_sizes=(50, *(size for size in listing.PAGE_SIZES if size != 50)),
        permission="customers.view_customer",
        url="customers:list",
    )
