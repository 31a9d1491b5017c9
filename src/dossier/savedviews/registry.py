"""Which list pages have saved views, and what each one lets a view hold.

The app that owns a list page registers it in its ``AppConfig.ready``::

    register_list(
        "customers",
        params={"q", "tag", "sort", ...},           # the query parameters a view may keep
        columns=lambda actor: [("name", "Name"), ...],  # the columns this actor may choose
        permission="customers.view_customer",       # who may use the list (and its views)
        url="customers:list",                        # the page (where the forms go back to)
    )

This module is the one place that decides whether a view's parameters and a column choice
are acceptable (services and the API call it); it names no other app.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from dossier.core.errors import NotFound, ValidationFailed
from dossier.core.fields import FieldError
from dossier.core.fields.messages import Words

#: query parameters no list may register: ``view`` picks a saved view (see ``list_context``)
RESERVED = frozenset({"view"})
#: a view's limits: parameters, values of one parameter, characters of one value, and the
#: whole view written as a query string (it is applied as one)
MAX_PARAMS = 40
MAX_VALUES = 100
MAX_VALUE_LENGTH = 200
MAX_QUERY_LENGTH = 4000
MAX_COLUMNS = 60
NAME_PATTERN = "^[a-z][a-z0-9_-]{0,39}$"
PARAMS_LABEL = Words("Parameters", "参数")
COLUMNS_LABEL = Words("Columns", "列")
PAGE_SIZE_LABEL = Words("Page size", "每页条数")

Column = tuple[str, str]
ColumnSource = Callable[[Any], Iterable[str | Column]]


@dataclass(frozen=True)
class ListSpec:
    """A list page that has saved views and per-user preferences."""

    name: str
    params: frozenset[str]
    columns: ColumnSource | None = None
    page_sizes: tuple[int, ...] = (25, 50, 100)
    permission: str | None = None
    url: str | None = None

    @property
    def default_page_size(self) -> int:
        return self.page_sizes[0]

    def may_use(self, actor: Any) -> bool:
        """Whether ``actor`` may use this list (and so its saved views and preferences)."""
        if actor is None or not actor.is_authenticated or getattr(actor, "pk", None) is None:
            return False
        return self.permission is None or bool(actor.has_perm(self.permission))


_LISTS: dict[str, ListSpec] = {}


def register_list(
    name: str,
    *,
    params: Iterable[str],
    columns: ColumnSource | None = None,
    page_sizes: Sequence[int] = (25, 50, 100),
    permission: str | None = None,
    url: str | None = None,
) -> ListSpec:
    """Declare a list page: the query parameters its views keep, its columns, its page sizes.

    Registering a name twice is a mistake (two apps claim one list) unless it is the same
    declaration again (an app's ``ready`` run twice in tests).
    """
    spec = ListSpec(
        name=name,
        params=frozenset(params),
        columns=columns,
        page_sizes=tuple(page_sizes) or (25,),
        permission=permission,
        url=url,
    )
    if spec.params & RESERVED:
        raise ValueError(f"list {name!r} registers reserved parameters {sorted(RESERVED)}")
    known = _LISTS.get(name)
    if known is not None and known != spec:
        raise ValueError(f"list {name!r} is registered twice")
    _LISTS[name] = spec
    return spec


def registered(name: str) -> bool:
    return name in _LISTS


def list_spec(name: Any) -> ListSpec:
    """The registered list of that name, or NotFound."""
    spec = _LISTS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise NotFound(_("No such list."))
    return spec


def column_choices(spec: ListSpec, actor: Any) -> list[Column]:
    """The columns ``actor`` may choose on the list, as (key, label)."""
    return normalised_columns(spec.columns(actor) if spec.columns else ())


def normalised_columns(columns: Iterable[str | Column]) -> list[Column]:
    """Column keys or (key, label) pairs as (key, label) pairs."""
    return [(c, c) if isinstance(c, str) else (str(c[0]), str(c[1])) for c in columns]


def _clean_name(key: Any) -> str:
    # a hostile key is named in the error, so shown: printable and short
    text = "".join(ch for ch in str(key) if unicodedata.category(ch)[0] != "C")
    return text[:40]


def _value_error(key: str, value: Any) -> FieldError | None:
    field = f"params.{_clean_name(key)}"
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) > MAX_VALUES:
        return FieldError("too_many_items", field=field, label=field, max=MAX_VALUES)
    for item in values:
        if not isinstance(item, str):
            return FieldError("invalid_parameter_value", field=field, label=field)
        if len(item) > MAX_VALUE_LENGTH:
            return FieldError("too_long", field=field, label=field, max=MAX_VALUE_LENGTH)
        if any(unicodedata.category(ch) == "Cc" for ch in item):
            return FieldError("control_characters", field=field, label=field)
    return None


def checked_params(spec: ListSpec, raw: Any) -> dict[str, str | list[str]]:
    """A view's parameters as stored: known names, text values, empty ones left out.

    Raises ValidationFailed naming each refused parameter (unknown, not text, too long, too
    many values, control characters) or the whole (not an object, too many, too long).
    """
    failed = _("The view's parameters are not valid.")
    if not isinstance(raw, Mapping):
        raise ValidationFailed(
            failed, errors=[FieldError("not_an_object", field="params", label=PARAMS_LABEL)]
        )
    if len(raw) > MAX_PARAMS:
        error = FieldError("too_many_items", field="params", label=PARAMS_LABEL, max=MAX_PARAMS)
        raise ValidationFailed(failed, errors=[error])
    errors: list[FieldError] = []
    clean: dict[str, str | list[str]] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key not in spec.params:
            name = _clean_name(key)
            errors.append(
                FieldError(
                    "unknown_parameter", field=f"params.{name}", label=PARAMS_LABEL, value=name
                )
            )
            continue
        refused = _value_error(key, value)
        if refused is not None:
            errors.append(refused)
            continue
        if isinstance(value, list):
            kept = [v for v in value if v.strip()]
            if kept:
                clean[key] = kept
        elif value.strip():
            clean[key] = value
    if errors:
        raise ValidationFailed(failed, errors=errors)
    if len(urlencode(clean, doseq=True)) > MAX_QUERY_LENGTH:
        error = FieldError("too_long", field="params", label=PARAMS_LABEL, max=MAX_QUERY_LENGTH)
        raise ValidationFailed(failed, errors=[error])
    return clean


def checked_columns(columns: Any, allowed: Iterable[str | Column]) -> list[str]:
    """Chosen column keys, each one of ``allowed`` and named once, in the order given."""
    failed = _("The columns are not valid.")
    allowed_keys = {key for key, _label in normalised_columns(allowed)}
    if not isinstance(columns, list | tuple):
        error = FieldError("invalid_list", field="columns", label=COLUMNS_LABEL)
        raise ValidationFailed(failed, errors=[error])
    if len(columns) > MAX_COLUMNS:
        error = FieldError("too_many_items", field="columns", label=COLUMNS_LABEL, max=MAX_COLUMNS)
        raise ValidationFailed(failed, errors=[error])
    errors = [
        FieldError("invalid_choice", field="columns", label=COLUMNS_LABEL, value=_clean_name(c))
        for c in columns
        if not isinstance(c, str) or c not in allowed_keys
    ]
    if errors:
        raise ValidationFailed(failed, errors=errors)
    return list(dict.fromkeys(columns))


def checked_page_size(spec: ListSpec, page_size: Any) -> int | None:
    """A page size the list offers, or None for the list's own default."""
    if page_size is None or page_size == "":
        return None
    if isinstance(page_size, bool) or page_size not in spec.page_sizes:
        value = _clean_name(page_size)
        error = FieldError("invalid_choice", field="page_size", label=PAGE_SIZE_LABEL, value=value)
        raise ValidationFailed(_("The page size is not valid."), errors=[error])
    return int(page_size)
