"""Moving a customer's values between validated form, model columns and stored form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.core.fields import FieldError, FieldSpec, fast, get_type
from dossier.core.fields.base import is_empty
from dossier.customers.models import CustomerLookup
from dossier.customers.names import name_keys
from dossier.protection.disclosure import last4_digest, lookup_digest
from dossier.templates.core_fields import CORE_KEYS, NULLABLE_COLUMNS


@dataclass
class StoredValues:
    """One customer's validated values, split the way the model stores them."""

    columns: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    protected: dict[str, Any] = field(default_factory=dict)
    lookups: dict[str, str] = field(default_factory=dict)  # field key → blind index
    #: partial lookups ("phone:last4" → blind index of the last four digits); never unique
    partial: dict[str, str] = field(default_factory=dict)

    def lookup_rows(self) -> dict[str, str]:
        """Every CustomerLookup row to write: ``field`` → ``digest``."""
        return {**self.lookups, **self.partial}

    def apply_to(self, customer: Any) -> None:
        for name, value in self.columns.items():
            setattr(customer, name, value)
        customer.attributes = self.attributes
        customer.protected = self.protected


def needs_lookup(spec: FieldSpec) -> bool:
    return get_type(spec.type).identifying or spec.unique


#: field types whose values come from a closed set or are numbers and dates: they cannot
#: carry a name, an address or a note about someone
_CLOSED_TYPES = frozenset(
    {"choice", "multi_choice", "boolean", "integer", "decimal", "money", "date", "datetime"}
)


def audit_shows_value(spec: FieldSpec) -> bool:
    """Whether the audit log may write this field's values down, not only its name.

    The log is append-only, so it must never hold what an erasure would have to forget:
    only general values that identify no one and hold no free text (a name, a note, an
    address typed into a general text field) are recorded; every other field is named only.
    """
    return (
        spec.classification == "general"
        and not needs_lookup(spec)
        and spec.type in _CLOSED_TYPES
        and spec.key != "display_name"
    )


def personal_strings(customer: Any, specs: Sequence[FieldSpec]) -> list[str]:
    """The customer's values an audit reason must not repeat (name, phone, ID number …).

    Longest first, so a whole value is replaced before a part of it; a phone is given with
    and without its country code, as staff would type it.
    """
    found: set[str] = set()
    for spec in specs:
        if audit_shows_value(spec):
            continue
        value = stored_values(customer, [spec]).get(spec.key)
        for item in value if isinstance(value, list) else [value]:
            text = str(item or "").strip()
            if len(text) >= 2:
                found.add(text)
                if spec.type == "phone" and text.startswith("+86"):
                    found.add(text[3:])
    return sorted(found, key=len, reverse=True)


def split_values(clean: Mapping[str, Any], specs: Sequence[FieldSpec]) -> StoredValues:
    """Core columns, general attributes, protected attributes and lookup digests."""
    if fast.ENABLED:
        return _split_plan(specs).split(clean)
    stored = StoredValues()
    for spec in specs:
        value = clean.get(spec.key)
        kind = get_type(spec.type)
        if spec.key in CORE_KEYS:
            stored.columns[spec.key] = (
                value if value is not None or spec.key in NULLABLE_COLUMNS else ""
            )
        elif value is not None:
            target = stored.attributes if spec.classification == "general" else stored.protected
            target[spec.key] = kind.to_storage(value)
        if value is not None and needs_lookup(spec):
            stored.lookups[spec.key] = lookup_digest(spec.type, value)
        if value is not None and spec.type == "phone":
            digest = last4_digest(str(value))
            if digest is not None:
                stored.partial[f"{spec.key}:{CustomerLookup.LAST4}"] = digest
    person = stored.columns.get("kind", "person") == "person"
    terms, order = name_keys(
        stored.columns.get("display_name", ""),
        person=person,
        extra=stored.columns.get("company", ""),
    )
    stored.columns["search_text"] = terms[:600]
    stored.columns["sort_name"] = order
    return stored


class _SplitPlan:
    """What :func:`split_values` works out from the specs, worked out once for many rows:
    where each field goes, how it is stored, which fields get blind indexes. It puts every
    value where the general loop puts it, in the same order."""

    def __init__(self, specs: Sequence[FieldSpec]) -> None:
        self.specs = tuple(specs)  # held, so the ids in the cache key stay theirs
        self.fields = [
            (
                spec.key,
                spec.key in CORE_KEYS,
                spec.key in NULLABLE_COLUMNS,
                spec.classification == "general",
                get_type(spec.type).to_storage,
                spec.type if needs_lookup(spec) else None,
                f"{spec.key}:{CustomerLookup.LAST4}" if spec.type == "phone" else None,
            )
            for spec in specs
        ]

    def split(self, clean: Mapping[str, Any]) -> StoredValues:
        stored = StoredValues()
        columns, attributes, protected = stored.columns, stored.attributes, stored.protected
        for key, core, nullable, general, to_storage, lookup, last4 in self.fields:
            value = clean.get(key)
            if core:
                columns[key] = value if value is not None or nullable else ""
            elif value is not None:
                (attributes if general else protected)[key] = to_storage(value)
            if value is None:
                continue
            if lookup is not None:
                stored.lookups[key] = lookup_digest(lookup, value)
            if last4 is not None:
                digest = last4_digest(str(value))
                if digest is not None:
                    stored.partial[last4] = digest
        person = columns.get("kind", "person") == "person"
        terms, order = name_keys(
            columns.get("display_name", ""), person=person, extra=columns.get("company", "")
        )
        columns["search_text"] = terms[:600]
        columns["sort_name"] = order
        return stored


#: split plans by the ids of their specs (a plan holds its specs, so the ids stay theirs)
_SPLIT_PLANS: dict[tuple[int, ...], _SplitPlan] = {}


def _split_plan(specs: Sequence[FieldSpec]) -> _SplitPlan:
    key = tuple(map(id, specs))
    plan = _SPLIT_PLANS.get(key)
    if plan is None:
        if len(_SPLIT_PLANS) >= 64:
            _SPLIT_PLANS.clear()
        plan = _SPLIT_PLANS[key] = _SplitPlan(specs)
    return plan


def stored_values(customer: Any, specs: Sequence[FieldSpec]) -> dict[str, Any]:
    """A customer's values in JSON-ready form (dates as ISO text, money as text), by field key."""
    values: dict[str, Any] = {}
    for spec in specs:
        if spec.key in CORE_KEYS:
            value = getattr(customer, spec.key)
            if value in ("", None):
                value = None
            elif spec.type == "date":
                value = value.isoformat()
        else:
            source = customer.attributes if spec.classification == "general" else customer.protected
            value = source.get(spec.key)
            if value is None:
                # classification may differ between versions: look in both places
                value = customer.attributes.get(spec.key, customer.protected.get(spec.key))
        values[spec.key] = value
    return values


def merge_changes(
    before: Mapping[str, Any], changes: Mapping[str, Any], specs: Sequence[FieldSpec]
) -> dict[str, Any]:
    """Stored values with ``changes`` applied, ready to validate again.

    Values the old value of a changed field implied (birthday and gender from a 身份证) are
    dropped unless changed too, so a corrected ID number derives them again instead of
    clashing with the old ones.
    """
    merged = {**before, **changes}
    by_key = {spec.key: spec for spec in specs}
    for key, new in changes.items():
        spec, old = by_key.get(key), before.get(key)
        if spec is None or old is None or is_empty(new) or new == old:
            continue
        kind = get_type(spec.type)
        try:
            implied = kind.derive(kind.validate(old, spec))
        except FieldError:
            continue
        for target_key, value in implied.items():
            target = by_key.get(target_key)
            if target is None or target_key in changes:
                continue
            if merged.get(target_key) == get_type(target.type).to_storage(value):
                merged[target_key] = None
    return merged
