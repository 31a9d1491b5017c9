"""The field editor's form as pure functions: posted inputs to rows, rows to definitions.

The page posts one row of inputs per field (``fields-N-key`` …); these functions read them,
turn them into the definitions ``save_draft`` takes, show stored definitions as rows, move rows
and place the validator's errors next to the input they name. No request, no database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from dossier.core.fields import FieldError, FieldSpec, describe_rules, get_type
from dossier.templates.core_fields import CORE_FIELDS
from dossier.templates.sections import section_key

# Every rule some field type accepts, in the order the editor shows them.
RULE_LABELS = {
    "regex": gettext_lazy("Pattern (regular expression)"),
    "regex_description": gettext_lazy("The pattern in words (shown to people)"),
    "min_length": gettext_lazy("Minimum length"),
    "max_length": gettext_lazy("Maximum length"),
    "min_value": gettext_lazy("Minimum"),
    "max_value": gettext_lazy("Maximum"),
    "not_less_than": gettext_lazy("Not less than the field"),
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
RULE_INPUT_KINDS = {"mobile_only": "checkbox", "choices": "textarea", "not_less_than": "select"}
UNSTRIPPED = frozenset({"regex", "choices"})  # spaces can matter in a pattern
MAX_ROWS = 300
# which editor input a field-definition error belongs to (invalid_rule names its rule)
ERROR_INPUTS = {
    "invalid_key": "key",
    "duplicate_key": "key",
    "unknown_type": "type",
    "core_type_mismatch": "type",
    "invalid_classification": "classification",
    "classification_lowered": "classification",
    "invalid_default": "default",
}

Row = dict[str, Any]


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
        row["section_new"] = str(data.get(prefix + "section_new") or "").strip()
        rows.append(row)
    # a section typed by name is the existing one of that name, or a new one
    existing = [row["section"] for row in rows if row["section"]]
    for row in rows:
        if new := row.pop("section_new"):
            row["section"] = section_key(new, existing)
            existing.append(row["section"])
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
    """The rows after "add", "add-top", "remove-N", "up-N" or "down-N" (N counts from 0).

    "add-top" is the button above the fields: on a phone the new field appears where the
    user is, not a long scroll away.
    """
    rows = list(rows)
    name, _sep, number = action.partition("-")
    if name == "add":
        return [blank_row(), *rows] if number == "top" else [*rows, blank_row()]
    index = int(number) if number.isdecimal() else -1
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


def _order(field_type: str) -> str:
    try:
        return get_type(field_type).order
    except FieldError:
        return ""


def _row_label(row: Row, language: str) -> str:
    chinese = language.lower().startswith("zh")
    first, second = ("label_zh", "label_en") if chinese else ("label_en", "label_zh")
    return str(row.get(first) or row.get(second) or row.get("key") or "")


def _comparable_fields(rows: Sequence[Row], index: int, language: str) -> list[tuple[str, str]]:
    """(key, label) of the fields row ``index`` may be compared with: numbers with numbers,
    dates with dates; core fields the template does not list come last."""
    order = _order(rows[index]["type"])
    listed = {row["key"] for row in rows}
    options = [
        (row["key"], _row_label(row, language))
        for number, row in enumerate(rows)
        if order and number != index and row["key"] and _order(row["type"]) == order
    ]
    options += [
        (spec.key, spec.label(language))
        for spec in CORE_FIELDS
        if order and spec.key not in listed and _order(spec.type) == order
    ]
    # a value that no longer fits stays selected, so saving shows why instead of dropping it
    chosen = rows[index].get("not_less_than")
    if chosen and chosen not in dict(options):
        options.append((chosen, chosen))
    return options


def _row_specs(rows: Sequence[Row]) -> list[FieldSpec]:
    listed = {row["key"] for row in rows}
    specs = [spec for spec in CORE_FIELDS if spec.key not in listed]
    for row in rows:
        try:
            specs.append(FieldSpec(**field_definition(row)))
        except (TypeError, ValueError):
            continue
    return specs


def editor_rows(
    rows: Sequence[Row],
    found: Mapping[int, Mapping[str, list[str]]],
    language: str = "zh-hans",
) -> list[Row]:
    """The editor's rows as the page shows them: values, errors, the rules each type takes,
    and those rules in words."""
    shown = []
    specs = _row_specs(rows)
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
                "options": _comparable_fields(rows, index, language)
                if name == "not_less_than"
                else [],
            }
            # a filled-in rule the type does not take stays visible, with its error
            for name, label in RULE_LABELS.items()
            if name in allowed or row[name] or name in row_found
        ]
        spec = FieldSpec(**field_definition(row))
        shown.append(
            {
                "index": index,
                "prefix": f"fields-{index}-",
                "values": row,
                "errors": row_found,
                "rules": rules,
                "rule_words": rules_summary(spec, language, specs),
            }
        )
    return shown


def rules_summary(spec: FieldSpec, language: str, fields: Sequence[FieldSpec] = ()) -> str:
    """A field's rules in words, for reading (not for editing): "不晚于今天；最多20个字符"."""
    separator = "；" if language.lower().startswith("zh") else "; "
    return separator.join(describe_rules(spec, language, fields))
