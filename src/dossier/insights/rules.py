"""Segment rules: what a rule tree may say, and reading one from JSON into checked nodes.

A rule tree is ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": node}`` or a condition
``{"field": "order_count", "op": "gte", "value": 3}``; some fields take parameters beside
(``{"field": "orders", "metric": "count", "within_days": 90, "op": "gte", "value": 3}``).
:data:`FIELDS` is the whole vocabulary; the compiler (``segments.compile_rules``) and the
reference evaluator of the tests both follow the meanings written here.

Meanings that are easy to get wrong, said once:

* A customer without a row in a source (no figures, no score, no orders) has the source's
  default: 0 for counts and sums, nothing (empty) for dates, grades and segments.
* ``within_days N`` on a date: from N days before ``now`` up to ``now`` (a later date counts
  too); ``not_within_days`` is its negation, so a customer with no date is in it.
* Window aggregates (``orders``, ``interactions``, ``complaints``, ``tickets``) count rows whose
  time is within the last ``within_days`` days (all time when left out). An order counts when it
  is a purchase (paid, shipped, completed, returned, refunded); ``spend`` is totals less refunds.
* ``birthday_within_days N``: the birthday (month and day) falls today or in the next N days.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from dossier.core.errors import ValidationFailed
from dossier.core.fields.base import FieldError
from dossier.core.fields.messages import Words

MAX_DEPTH = 6
MAX_CONDITIONS = 50
MAX_LIST = 500

NUMBER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "between")
CHOICE_OPS = ("eq", "ne", "in", "not_in", "empty", "not_empty")
DATE_OPS = ("within_days", "not_within_days", "before", "after", "empty", "not_empty")


@dataclass(frozen=True)
class RuleField:
    """One thing a condition may test: its source, its kind of value and its operators."""

    key: str
    source: str  # customer, tags, figures, window, score, consent, attribute, identifier
    kind: str  # choice, text, number, datetime, birthday, ids, count
    ops: tuple[str, ...]
    label: Words
    #: the parameters beside op and value it takes (window aggregates, consent)
    params: tuple[str, ...] = ()


def _f(key: str, source: str, kind: str, ops: tuple[str, ...], en: str, zh: str, *params: str):
    return RuleField(key, source, kind, ops, Words(en, zh), tuple(params))


FIELDS: dict[str, RuleField] = {
    f.key: f
    for f in (
        # the customer's own columns
        _f("kind", "customer", "choice", CHOICE_OPS, "type", "类型"),
        _f("gender", "customer", "choice", CHOICE_OPS, "gender", "性别"),
        _f("province", "customer", "choice", CHOICE_OPS, "province", "省份"),
        _f("city", "customer", "choice", CHOICE_OPS, "city", "城市"),
        _f("district", "customer", "choice", CHOICE_OPS, "district", "区县"),
        _f("source", "customer", "choice", CHOICE_OPS, "source", "来源"),
        _f("lifecycle", "customer", "choice", CHOICE_OPS, "lifecycle", "生命周期"),
        _f(
            "company",
            "customer",
            "text",
            ("eq", "contains", "empty", "not_empty"),
            "company",
            "公司",
        ),
        _f("template", "customer", "choice", ("in", "not_in"), "template", "模板"),
        _f("owner", "customer", "ids", ("in", "not_in", "empty"), "owner", "负责人"),
        _f("team", "customer", "ids", ("in", "not_in", "empty"), "team", "团队"),
        _f(
            "birthday",
            "customer",
            "birthday",
            ("birthday_within_days", "age_between", "empty", "not_empty"),
            "birthday",
            "生日",
        ),
        _f("created_at", "customer", "datetime", DATE_OPS[:4], "created", "创建时间"),
        _f("updated_at", "customer", "datetime", DATE_OPS[:4], "updated", "更新时间"),
        # tags
        _f("tags", "tags", "ids", ("has_any", "has_all", "has_none"), "tags", "标签"),
        # the figures kept per customer
        _f("order_count", "figures", "number", NUMBER_OPS, "orders", "订单数"),
        _f("total_spend", "figures", "number", NUMBER_OPS, "total spend", "消费总额"),
        _f("return_count", "figures", "number", NUMBER_OPS, "returns", "退货次数"),
        _f("refund_total", "figures", "number", NUMBER_OPS, "refunded", "退款总额"),
        _f("complaint_count", "figures", "number", NUMBER_OPS, "complaints", "投诉数"),
        _f("open_tickets", "figures", "number", NUMBER_OPS, "open tickets", "未结工单"),
        _f(
            "last_nps",
            "figures",
            "number",
            (*NUMBER_OPS, "empty", "not_empty"),
            "last NPS",
            "最近 NPS",
        ),
        _f(
            "average_csat",
            "figures",
            "number",
            ("gt", "gte", "lt", "lte", "empty", "not_empty"),
            "average CSAT",
            "平均满意度",
        ),
        _f("first_purchase_at", "figures", "datetime", DATE_OPS, "first purchase", "首次购买"),
        _f("last_purchase_at", "figures", "datetime", DATE_OPS, "last purchase", "最近购买"),
        _f("last_interaction_at", "figures", "datetime", DATE_OPS, "last interaction", "最近互动"),
        # aggregates over a window of time
        _f(
            "orders",
            "window",
            "count",
            NUMBER_OPS,
            "purchases",
            "购买",
            "metric",
            "within_days",
            "category",
            "sku",
        ),
        _f(
            "interactions",
            "window",
            "count",
            NUMBER_OPS,
            "interactions",
            "互动",
            "within_days",
            "channel",
        ),
        _f("complaints", "window", "count", NUMBER_OPS, "complaints", "投诉", "within_days"),
        _f("tickets", "window", "count", NUMBER_OPS, "service tickets", "服务工单", "within_days"),
        # the nightly scores
        _f("rfm_segment", "score", "choice", CHOICE_OPS, "RFM segment", "RFM 分群"),
        _f("grade", "score", "choice", CHOICE_OPS, "grade", "客户等级"),
        _f(
            "churn_risk",
            "score",
            "number",
            (*NUMBER_OPS, "empty", "not_empty"),
            "churn risk",
            "流失风险",
        ),
        _f(
            "clv",
            "score",
            "number",
            (*NUMBER_OPS, "empty", "not_empty"),
            "lifetime value",
            "客户终身价值",
        ),
        # consent, per purpose and channel
        _f(
            "consent",
            "consent",
            "consent",
            ("granted", "not_granted"),
            "consent",
            "授权同意",
            "purpose",
            "channel",
        ),
        # identifiers, through their blind index only
        _f("phone", "identifier", "identifier", ("eq",), "phone", "手机号"),
        _f("email", "identifier", "identifier", ("eq",), "e-mail", "电子邮箱"),
    )
}
ATTRIBUTE_PREFIX = "attributes."
ATTRIBUTE_OPS = ("eq", "ne", "in", "not_in", "empty", "not_empty", "contains")
WINDOW_METRICS = {"orders": ("count", "spend")}
PARAM_TEXT_MAX = 64


@dataclass(frozen=True)
class Condition:
    """One test of a customer: ``field`` ``op`` ``value``, with its parameters."""

    field: str
    op: str
    value: Any = None
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def rule_field(self) -> RuleField:
        if self.field.startswith(ATTRIBUTE_PREFIX):
            return RuleField(
                self.field, "attribute", "choice", ATTRIBUTE_OPS, Words(self.field, self.field)
            )
        return FIELDS[self.field]


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Condition | All | AnyOf | Not


def parse_rules(data: Any) -> Node:
    """The checked rule tree of ``data``, or ValidationFailed naming every bad part by its path."""
    errors: list[FieldError] = []
    count = [0]
    node = _node(data, "rules", 0, errors, count)
    if count[0] > MAX_CONDITIONS:
        errors.append(FieldError("rule_too_big", field="rules", label="rules", max=MAX_CONDITIONS))
    if errors or node is None:
        raise ValidationFailed("The segment's rules are not valid.", errors=errors)
    return node


def _error(errors: list[FieldError], path: str, code: str, **params: Any) -> None:
    errors.append(FieldError(code, field=path, label=path, **params))


def _node(
    data: Any, path: str, depth: int, errors: list[FieldError], count: list[int]
) -> Node | None:
    if depth > MAX_DEPTH:
        _error(errors, path, "rule_too_deep", max=MAX_DEPTH)
        return None
    if not isinstance(data, dict):
        _error(errors, path, "rule_shape")
        return None
    groups = [k for k in ("all", "any", "not") if k in data]
    if groups:
        if len(data) != 1:
            _error(errors, path, "rule_shape")
            return None
        key = groups[0]
        if key == "not":
            child = _node(data["not"], f"{path}.not", depth + 1, errors, count)
            return Not(child) if child is not None else None
        items = data[key]
        if not isinstance(items, list) or not items:
            _error(errors, f"{path}.{key}", "rule_empty_group")
            return None
        children = [
            _node(item, f"{path}.{key}[{i}]", depth + 1, errors, count)
            for i, item in enumerate(items)
        ]
        if any(c is None for c in children):
            return None
        kept = tuple(c for c in children if c is not None)
        return All(kept) if key == "all" else AnyOf(kept)
    count[0] += 1
    return _condition(data, path, errors)


def _condition(data: dict[str, Any], path: str, errors: list[FieldError]) -> Condition | None:
    name = data.get("field")
    if not isinstance(name, str) or not (
        name in FIELDS or (name.startswith(ATTRIBUTE_PREFIX) and _attribute_key(name))
    ):
        _error(errors, f"{path}.field", "rule_unknown_field", value=str(name)[:64])
        return None
    spec = Condition(name, "").rule_field
    op = data.get("op")
    if op not in spec.ops:
        _error(
            errors,
            f"{path}.op",
            "rule_bad_operator",
            value=str(op)[:32],
            allowed=", ".join(spec.ops),
        )
        return None
    extra = set(data) - {"field", "op", "value", *spec.params}
    if extra:
        _error(errors, path, "rule_unknown_key", value=", ".join(sorted(extra))[:100])
        return None
    params = _params(spec, data, path, errors)
    value = _value(spec, op, data.get("value"), f"{path}.value", errors)
    if params is None or value is _BAD:
        return None
    return Condition(name, op, value, params)


def _attribute_key(name: str) -> bool:
    key = name[len(ATTRIBUTE_PREFIX) :]
    return 0 < len(key) <= 64 and key.replace("_", "").isalnum() and key.isascii()


def _params(
    spec: RuleField, data: dict[str, Any], path: str, errors: list[FieldError]
) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    ok = True
    for name in spec.params:
        raw = data.get(name)
        if raw is None:
            if name in ("purpose", "channel") and spec.source == "consent":
                _error(errors, f"{path}.{name}", "required")
                ok = False
            elif name == "metric":
                found[name] = "count"
            continue
        if name == "within_days":
            if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 3660:
                _error(errors, f"{path}.{name}", "rule_bad_number", min=1, max=3660)
                ok = False
                continue
        elif name == "metric":
            if raw not in WINDOW_METRICS.get(spec.key, ("count",)):
                _error(errors, f"{path}.{name}", "invalid_choice", value=str(raw)[:32])
                ok = False
                continue
        elif not isinstance(raw, str) or not raw.strip() or len(raw) > PARAM_TEXT_MAX:
            _error(errors, f"{path}.{name}", "rule_bad_value")
            ok = False
            continue
        found[name] = raw
    return found if ok else None


class _Bad:
    pass


_BAD = _Bad()
NO_VALUE_OPS = ("empty", "not_empty", "granted", "not_granted")


def _value(spec: RuleField, op: str, raw: Any, path: str, errors: list[FieldError]) -> Any:
    if op in NO_VALUE_OPS:
        return None
    try:
        return _read_value(spec, op, raw)
    except (ValueError, TypeError, InvalidOperation):
        _error(errors, path, "rule_bad_value")
        return _BAD


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise TypeError("not a number")
    value = Decimal(str(raw))
    if not value.is_finite() or abs(value) > Decimal("1e12"):
        raise ValueError("out of range")
    return value


def _read_value(spec: RuleField, op: str, raw: Any) -> Any:
    if op in ("in", "not_in", "has_any", "has_all", "has_none"):
        if not isinstance(raw, list) or not raw or len(raw) > MAX_LIST:
            raise ValueError("a list of 1 to 500 items")
        return tuple(_scalar(spec, item) for item in raw)
    if op == "between" or op == "age_between":
        if not isinstance(raw, list) or len(raw) != 2:
            raise ValueError("two numbers")
        low, high = (_number(x) for x in raw)
        if low > high:
            raise ValueError("low above high")
        return (low, high)
    if op in ("within_days", "not_within_days", "birthday_within_days"):
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= 3660:
            raise ValueError("days")
        if op == "birthday_within_days" and raw > 366:
            raise ValueError("days")
        return raw
    if op in ("before", "after"):
        if not isinstance(raw, str):
            raise TypeError("a date")
        return date.fromisoformat(raw[:10])
    if spec.kind in ("number", "count"):
        return _number(raw)
    return _scalar(spec, raw)


def _scalar(spec: RuleField, raw: Any) -> Any:
    if spec.kind == "ids":
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw < 2**62:
            raise ValueError("an id")
        return raw
    if not isinstance(raw, str) or len(raw) > 200 or "\x00" in raw:
        raise ValueError("text")
    if spec.kind == "identifier" and not raw.strip():
        raise ValueError("empty")
    return raw
