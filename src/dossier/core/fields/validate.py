"""The template validator: values (one row or many) against a list of field specs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Importing the type modules registers their field types.
from dossier.core.fields import cn, contact, dates, fast, numbers, text  # noqa: F401
from dossier.core.fields.base import (
    _REGISTRY,
    CLASSIFICATIONS,
    KEY_PATTERN,
    FieldError,
    FieldSpec,
    FieldType,
    get_type,
    is_empty,
)
from dossier.core.fields.messages import IMPLIED_WORDS, Words

#: rules that name another field of the same template
CROSS_FIELD_RULES = ("not_less_than",)


@dataclass
class ValidationResult:
    """Normalised values and every error found (an empty list means valid)."""

    clean: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class RowResult(ValidationResult):
    row: int = 0


def validate_values(
    values: Mapping[str, Any],
    specs: Sequence[FieldSpec],
    *,
    apply_defaults: bool = True,
    row: int | None = None,
) -> ValidationResult:
    """Validate a mapping of raw values; return clean values and *all* errors at once.

    Keys missing from ``values`` are treated as empty (and get the field's default when
    ``apply_defaults``). Unknown keys are errors. Values that other fields imply (birthday
    and gender from a 身份证) fill empty fields and are checked against given ones.
    """
    plan = prepared(specs) if fast.ENABLED else None
    if plan is not None:
        return plan.validate(values, apply_defaults=apply_defaults, row=row)
    by_key = {spec.key: spec for spec in specs}
    result = ValidationResult()
    for key in values:
        if key not in by_key:
            result.errors.append(
                FieldError("unknown_field", field=str(key), row=row, label=str(key))
            )
    for spec in specs:
        raw = values.get(spec.key)
        if is_empty(raw) and apply_defaults and spec.key not in values and spec.default is not None:
            raw = spec.default
        if is_empty(raw):
            result.clean[spec.key] = None
            continue
        try:
            result.clean[spec.key] = get_type(spec.type).validate(raw, spec)
        except FieldError as exc:
            result.errors.append(exc.at(spec=spec, field=spec.key, row=row))
    _apply_derivations(result, by_key, row)
    _check_order(result, by_key, row)
    for spec in specs:
        if (
            spec.required
            and result.clean.get(spec.key) is None
            and not _has_error(result, spec.key)
        ):
            result.errors.append(FieldError("required", spec=spec, row=row))
    return result


def _has_error(result: ValidationResult, key: str) -> bool:
    return any(err.field == key for err in result.errors)


def _apply_derivations(
    result: ValidationResult,
    by_key: Mapping[str, FieldSpec],
    row: int | None,
    sources: Sequence[str] | None = None,
) -> None:
    """Fill and check the values other values imply; ``sources``: the keys whose types imply
    anything, when known (in the order of ``result.clean``), else every key."""
    if sources is None:
        items = list(result.clean.items())
    else:
        items = [(key, result.clean.get(key)) for key in sources]
    for source_key, value in items:
        if value is None:
            continue
        source = by_key[source_key]
        implied = get_type(source.type).derive(value)
        disagreeing = []
        for target_key, implied_value in implied.items():
            target = by_key.get(target_key)
            if target is None or _has_error(result, target_key):
                continue
            given = result.clean.get(target_key)
            if given is None:
                result.clean[target_key] = implied_value
            elif given != implied_value:
                disagreeing.append(target)
        if not disagreeing:
            continue
        # one message (what the source says) on each field that disagrees with it
        words = _implied_words(implied, by_key)
        for target in disagreeing:
            result.errors.append(
                FieldError("id_card_mismatch", spec=target, row=row, value=words, source=source)
            )


def _implied_words(implied: Mapping[str, Any], by_key: Mapping[str, FieldSpec]) -> Words:
    """What a source value implies, as people read it: "born 1990-03-07, male"."""
    english, chinese = [], []
    for key, value in implied.items():
        target = by_key.get(key)
        if target is None:
            continue
        shown_en = shown_zh = value.isoformat() if isinstance(value, date) else str(value)
        for choice in target.choices():
            if choice["value"] == value:
                shown_en, shown_zh = choice["label_en"].lower(), choice["label_zh"]
        en, zh = IMPLIED_WORDS.get(key, ("{label} {value}", "{label} {value}"))
        english.append(en.format(label=target.label("en"), value=shown_en))
        chinese.append(zh.format(label=target.label("zh"), value=shown_zh))
    return Words(", ".join(english), "、".join(chinese))


def _comparable(value: Any, other: Any) -> tuple[Any, Any]:
    # a date against a date-time compares the date-time's calendar day in China Standard Time
    if isinstance(value, datetime) != isinstance(other, datetime):
        if isinstance(value, datetime):
            value = value.astimezone(dates.DEFAULT_ZONE).date()
        if isinstance(other, datetime):
            other = other.astimezone(dates.DEFAULT_ZONE).date()
    return value, other


def _check_order(
    result: ValidationResult, by_key: Mapping[str, FieldSpec], row: int | None
) -> None:
    """Rules between two fields: a value not less than (not earlier than) another field's."""
    for spec in by_key.values():
        other = by_key.get(str(spec.rules.get("not_less_than") or ""))
        if other is None or _has_error(result, spec.key):
            continue
        order = get_type(spec.type).order
        if not order or get_type(other.type).order != order:
            continue  # a pair the template check refuses; nothing to compare
        value, bound = result.clean.get(spec.key), result.clean.get(other.key)
        if value is None or bound is None:
            continue
        try:
            value, bound = _comparable(value, bound)
            less = value < bound
        except TypeError:  # types the template check refuses to pair; nothing to compare
            continue
        if less:
            code = (
                "earlier_than_other" if get_type(spec.type).order == "time" else "less_than_other"
            )
            result.errors.append(FieldError(code, spec=spec, row=row, other=other))


class Prepared:
    """Specs with unique keys and known types, prepared once to validate many rows.

    What :func:`validate_values` would work out from the specs on every call (each spec's
    field type, which fields imply others, whether any pair compares, which are required)
    is worked out once. It checks what the general path checks, in the same order, so the
    errors come out the same and in the same order.
    """

    def __init__(self, specs: Sequence[FieldSpec]) -> None:
        self.specs = tuple(specs)  # held, so the ids in the cache key stay theirs
        self.by_key = {spec.key: spec for spec in specs}
        self.fields = [
            (spec.key, spec, _REGISTRY[spec.type].validate, spec.default) for spec in specs
        ]
        self.sources = [
            spec.key for spec in specs if type(_REGISTRY[spec.type]).derive is not FieldType.derive
        ]
        self.compares = any(spec.rules.get(rule) for spec in specs for rule in CROSS_FIELD_RULES)
        self.required = [spec for spec in specs if spec.required]

    def validate(
        self,
        values: Mapping[str, Any],
        *,
        apply_defaults: bool = True,
        row: int | None = None,
        result: ValidationResult | None = None,
    ) -> ValidationResult:
        """Validate one row into ``result`` (a new, empty one by default)."""
        if result is None:
            result = ValidationResult()
        clean, errors = result.clean, result.errors
        by_key = self.by_key
        for key in values:
            if key not in by_key:
                errors.append(FieldError("unknown_field", field=str(key), row=row, label=str(key)))
        given = values.get
        for key, spec, check, default in self.fields:
            raw = given(key)
            # is_empty(raw), with the usual cases first
            if raw is None:
                empty = True
            elif raw.__class__ is str:
                empty = not raw or ((raw[0].isspace() or raw[-1].isspace()) and not raw.strip())
            else:
                empty = is_empty(raw)
            if empty:
                if default is None or not apply_defaults or key in values or is_empty(default):
                    clean[key] = None
                    continue
                raw = default
            try:
                clean[key] = check(raw, spec)
            except FieldError as exc:
                errors.append(exc.at(spec=spec, field=key, row=row))
        if self.sources:
            _apply_derivations(result, by_key, row, self.sources)
        if self.compares:
            _check_order(result, by_key, row)
        for spec in self.required:
            if clean.get(spec.key) is None and not (errors and _has_error(result, spec.key)):
                errors.append(FieldError("required", spec=spec, row=row))
        return result


#: prepared spec lists by the ids of their specs; a plan holds its specs, so no other object
#: can take one of those ids while the plan is cached. Specs are frozen values.
_PREPARED: dict[tuple[int, ...], Prepared] = {}
_MAX_PREPARED = 64


def prepared(specs: Sequence[FieldSpec]) -> Prepared | None:
    """``specs`` prepared for many rows, or None when they need the general path (a key
    given twice or an unknown type: only a broken template has them)."""
    key = tuple(map(id, specs))
    plan = _PREPARED.get(key)
    if plan is not None:
        return plan
    if len({spec.key for spec in specs}) != len(specs) or any(
        spec.type not in _REGISTRY for spec in specs
    ):
        return None
    if len(_PREPARED) >= _MAX_PREPARED:
        _PREPARED.clear()
    plan = _PREPARED[key] = Prepared(specs)
    return plan


def validate_rows(rows: Iterable[Mapping[str, Any]], specs: Sequence[FieldSpec]) -> list[RowResult]:
    """Validate many rows against the same specs; each result carries its row number (from 1)."""
    plan = prepared(specs) if fast.ENABLED else None
    results = []
    for number, values in enumerate(rows, start=1):
        if plan is not None:
            checked = RowResult(row=number)
            plan.validate(values, row=number, result=checked)
            results.append(checked)
            continue
        single = validate_values(values, specs, row=number)
        results.append(RowResult(clean=single.clean, errors=single.errors, row=number))
    return results


def check_spec(spec: FieldSpec) -> list[FieldError]:
    """Errors in one field definition: key, type, classification, rules and default."""
    errors: list[FieldError] = []
    if not KEY_PATTERN.match(spec.key):
        errors.append(FieldError("invalid_key", field=spec.key, spec=spec, value=spec.key))
    if spec.classification not in CLASSIFICATIONS:
        errors.append(FieldError("invalid_classification", spec=spec, value=spec.classification))
    try:
        kind = get_type(spec.type)
    except FieldError as exc:
        return [*errors, exc.at(spec=spec, field=spec.key)]
    errors += [err.at(field=spec.key) for err in kind.check_rule_definition(dict(spec.rules), spec)]
    if not errors and spec.default not in (None, ""):
        try:
            kind.validate(spec.default, spec)
        except FieldError as exc:
            errors.append(FieldError("invalid_default", spec=spec, reason=exc.message("en")))
    return errors


def check_field_references(specs: Sequence[FieldSpec]) -> list[FieldError]:
    """Errors in rules that name another field: it must exist and compare with this one."""
    by_key = {spec.key: spec for spec in specs}
    errors = []
    for spec in specs:
        for rule in CROSS_FIELD_RULES:
            wanted = spec.rules.get(rule)
            if wanted in (None, ""):
                continue
            reason = _reference_problem(spec, by_key.get(str(wanted)), str(wanted))
            if reason is not None:
                errors.append(FieldError("invalid_rule", spec=spec, rule=rule, reason=reason))
    return errors


def _reference_problem(spec: FieldSpec, other: FieldSpec | None, wanted: str) -> Words | None:
    if other is None:
        return Words(f"there is no field “{wanted}” in this template", f"模板中没有字段“{wanted}”")
    if other.key == spec.key:
        return Words("a field cannot be compared with itself", "字段不能与自身比较")
    try:
        orders = {get_type(spec.type).order, get_type(other.type).order}
        if not get_type(spec.type).order:
            return None  # check_spec says the rule is not one of this type's
    except FieldError:
        return None  # an unknown type is reported on its own field
    if len(orders) != 1 or "" in orders:
        return Words(
            f"“{other.label('en')}” cannot be compared with this field"
            " (both must be numbers, or both dates)",
            f"“{other.label('zh')}”与该字段无法比较（须同为数字或同为日期）",
        )
    return None


def describe_rules(spec: FieldSpec, language: str, fields: Sequence[FieldSpec] = ()) -> list[str]:
    """A field's rules in words, in ``language``; ``fields`` name the fields a rule refers to."""
    try:
        kind = get_type(spec.type)
    except FieldError:
        return []
    by_key = {other.key: other for other in fields}
    described = []
    for name, value in spec.rules.items():
        # a rule switched off or left empty says nothing (0 is a real bound)
        if value is None or value is False or value == "" or value == []:
            continue
        if name in CROSS_FIELD_RULES:
            value = by_key.get(str(value), value)
        words = kind.describe_rule(name, value, spec, language)
        if words:
            described.append(words)
    return described
