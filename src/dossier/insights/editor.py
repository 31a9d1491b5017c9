"""The segment editor's form: rows of conditions under "all" or "any", to and from a rule tree.

The page edits a flat list of conditions (each may be negated) joined by all or any; a tree
nested deeper is edited as JSON on the same page. Reading the form only shapes values
(numbers, lists, days); whether they make sense is decided by ``rules.parse_rules``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict

from dossier.insights.rules import ATTRIBUTE_PREFIX, FIELDS, NO_VALUE_OPS, RuleField

LIST_OPS = ("in", "not_in", "has_any", "has_all", "has_none")
DAY_OPS = ("within_days", "not_within_days", "birthday_within_days")
PARAMS = ("metric", "within_days", "category", "sku", "channel", "purpose")
MAX_ROWS = 50
MAX_LIST_VALUES = 100


@dataclass
class Row:
    """One condition as the form shows it."""

    field: str = "order_count"
    op: str = "gte"
    #: a new row reads "orders at least 1": buyers, a count from the first moment
    value: str = "1"
    negate: bool = False
    params: dict[str, str] = dataclass_field(default_factory=dict)

    @property
    def spec(self) -> RuleField | None:
        if self.field.startswith(ATTRIBUTE_PREFIX):
            return None
        return FIELDS.get(self.field)


@dataclass
class EditorForm:
    match: str = "all"
    rows: list[Row] = dataclass_field(default_factory=list)
    #: the rules as JSON text, when the tree is not a flat list (or the user edits JSON)
    json_text: str = ""


def _number(text: str) -> Any:
    text = text.strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text  # parse_rules names it
    return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else str(value)


def _row_rule(row: Row) -> dict[str, Any]:
    rule: dict[str, Any] = {"field": row.field, "op": row.op}
    spec = row.spec
    kind = spec.kind if spec else "choice"
    if row.op not in NO_VALUE_OPS:
        text = row.value.strip()
        if row.op in LIST_OPS:
            items = [i.strip() for i in text.replace("，", ",").split(",") if i.strip()]
            rule["value"] = [_number(i) if kind == "ids" else i for i in items]
        elif row.op in ("between", "age_between"):
            rule["value"] = [_number(i) for i in text.replace("，", ",").split(",")]
        elif row.op in DAY_OPS or kind in ("number", "count"):
            rule["value"] = _number(text)
        else:
            rule["value"] = text
    for name in spec.params if spec else ():
        given = row.params.get(name, "").strip()
        if given:
            rule[name] = _number(given) if name == "within_days" else given
    return {"not": rule} if row.negate else rule


def rules_of(form: EditorForm) -> Any:
    """The rule tree the form describes (JSON text wins when given)."""
    if form.json_text.strip():
        try:
            return json.loads(form.json_text)
        except ValueError:
            return {"json": "not valid JSON"}  # refused by parse_rules as a bad shape
    conditions = [_row_rule(row) for row in form.rows]
    return {"any" if form.match == "any" else "all": conditions}


def row_indexes(data: QueryDict) -> list[int]:
    """The indexes of the rows a form holds (``r3-field`` …), in order."""
    found = []
    for key in data:
        head, _sep, name = key.partition("-")
        if name == "field" and head[:1] == "r" and head[1:].isdigit() and len(head) < 12:
            found.append(int(head[1:]))
    return sorted(found)[:MAX_ROWS]


def read_row(data: QueryDict, index: int) -> Row:
    """Row ``index`` of the form (its inputs are named ``r<index>-<name>``)."""

    def get(name: str) -> str:
        return str(data.get(f"r{index}-{name}", ""))[:200]

    return Row(
        field=get("field"),
        op=get("op"),
        value=", ".join(v[:200] for v in data.getlist(f"r{index}-value")[:MAX_LIST_VALUES]),
        negate=bool(get("negate")),
        params={p: get(p) for p in PARAMS if get(p)},
    )


def read_form(data: QueryDict) -> EditorForm:
    """The editor's state from a POST."""
    return EditorForm(
        match="any" if data.get("match") == "any" else "all",
        rows=[read_row(data, i) for i in row_indexes(data)],
        json_text=str(data.get("rules_json", ""))[:20000],
    )


def _row_of(rule: Any) -> Row | None:
    negate = False
    if isinstance(rule, dict) and set(rule) == {"not"}:
        negate, rule = True, rule["not"]
    if not isinstance(rule, dict) or "field" not in rule:
        return None
    value = rule.get("value", "")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return Row(
        field=str(rule["field"]),
        op=str(rule.get("op", "")),
        value=str(value),
        negate=negate,
        params={p: str(rule[p]) for p in PARAMS if p in rule},
    )


def form_of(rules: Any) -> EditorForm:
    """The editor's state for a saved rule tree: rows when flat, JSON otherwise."""
    if isinstance(rules, dict) and len(rules) == 1 and set(rules) <= {"all", "any"}:
        match = next(iter(rules))
        rows = [_row_of(r) for r in rules[match]] if isinstance(rules[match], list) else [None]
        if all(r is not None for r in rows):
            return EditorForm(match=match, rows=[r for r in rows if r is not None])
    row = _row_of(rules)
    if row is not None:
        return EditorForm(match="all", rows=[row])
    return EditorForm(json_text=json.dumps(rules, ensure_ascii=False, indent=2))
