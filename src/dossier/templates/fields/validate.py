"""The template validator: values (one row or many) against a list of field specs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Importing the type modules registers their field types.
from . import cn, contact, dates, numbers, text  # noqa: F401
from .base import CLASSIFICATIONS, KEY_PATTERN, FieldError, FieldSpec, get_type, is_empty
from .messages import IMPLIED_WORDS, Words


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
    result: ValidationResult, by_key: Mapping[str, FieldSpec], row: int | None
) -> None:
    for source_key, value in list(result.clean.items()):
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


def validate_rows(rows: Iterable[Mapping[str, Any]], specs: Sequence[FieldSpec]) -> list[RowResult]:
    """Validate many rows against the same specs; each result carries its row number (from 1)."""
    results = []
    for number, values in enumerate(rows, start=1):
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
