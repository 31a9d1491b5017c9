"""Number-like field types: integer, decimal, money and boolean."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from dossier.core.fields import fast
from dossier.core.fields.base import FieldError, FieldSpec, FieldType, fold_width, register

_MONEY_NOISE = re.compile(r"[¥￥$\s]|元|RMB|CNY", re.IGNORECASE)
# thousands separators are only accepted where they belong: 1,234 and 12,345,678.9 (not
# 1,2,3 nor the European 1.234,5, which would otherwise silently read as another number)
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_TRUE = {"true", "1", "yes", "y", "on", "是", "对", "有", "t"}
_FALSE = {"false", "0", "no", "n", "off", "否", "不", "无", "f"}
#: a whole number as typed, short enough to be far from any bound: int() reads it exactly
#: as Decimal would (sign, leading zeros), so the integer fast path takes it directly
_PLAIN_INTEGER = re.compile(r"[+-]?[0-9]{1,15}", re.ASCII)
#: the spellings of yes and no as people type them (是, Y, TRUE …), each read as the
#: normalising below would read it; anything else takes the normalising path
_QUICK_BOOLEANS = {
    spelling: answer
    for words, answer in ((_TRUE, True), (_FALSE, False))
    for word in words
    for spelling in (word, word.upper(), word.title())
    if fold_width(spelling).strip().lower() == word
}
MAX_PLACES = 10
#: digits before the decimal point any number field accepts (below 10**15)
MAX_DIGITS = 15
LARGEST = "999999999999999"
#: a number written with more characters than this is not a figure anyone typed
MAX_TEXT = 64


def _as_decimal(
    raw: Any, spec: FieldSpec, code: str, noise: re.Pattern[str] | None = None
) -> Decimal:
    if isinstance(raw, bool):
        raise FieldError(code, spec=spec)
    if isinstance(raw, int | Decimal):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = fold_width(raw).strip()
        if noise is not None:
            text = noise.sub("", text)
        if len(text) > MAX_TEXT:
            raise FieldError(code, spec=spec)
        if "," in text:
            if not _GROUPED.fullmatch(text):
                raise FieldError(code, spec=spec)
            text = text.replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise FieldError(code, spec=spec) from None
    else:
        raise FieldError(code, spec=spec)
    # NaN and infinity arrive as floats too, and NaN cannot even be compared
    if not number.is_finite():
        raise FieldError(code, spec=spec)
    return _bounded(number, spec)


def _bounded(number: Decimal, spec: FieldSpec) -> Decimal:
    """``number`` if its magnitude is below 10**15; a huge exponent ("1e1000000") is refused.

    Decimal arithmetic (abs, quantize, rounding) on such a number overflows the context, so the
    size is judged here, from the exponent alone, before any arithmetic.
    """
    if not number:
        # 0e1000000 is zero: keep it from carrying its absurd exponent into storage
        exponent = number.as_tuple().exponent
        return number if isinstance(exponent, int) and -MAX_PLACES <= exponent <= 0 else Decimal(0)
    if number.adjusted() >= MAX_DIGITS:
        if number.is_signed():
            raise FieldError("too_small", spec=spec, min="-" + LARGEST)
        raise FieldError("too_large", spec=spec, max=LARGEST)
    return number


@lru_cache(maxsize=256)
def _rule_number(text: str) -> Decimal:
    # a template's bound, read once rather than for every value checked against it
    return Decimal(text)


class _Ranged(FieldType):
    allowed_rules = frozenset({"min_value", "max_value", "not_less_than"})
    order = "number"

    def check_rules(self, value: Any, spec: FieldSpec) -> None:
        low, high = spec.rules.get("min_value"), spec.rules.get("max_value")
        if low is not None and value < _rule_number(str(low)):
            raise FieldError("too_small", spec=spec, min=low)
        if high is not None and value > _rule_number(str(high)):
            raise FieldError("too_large", spec=spec, max=high)

    def check_rule_definition(self, rules: Mapping[str, Any], spec: FieldSpec) -> list[FieldError]:
        errors = super().check_rule_definition(rules, spec)
        for name in ("min_value", "max_value"):
            if name in rules and rules[name] is not None:
                try:
                    Decimal(str(rules[name]))
                except InvalidOperation:
                    errors.append(
                        FieldError("invalid_rule", spec=spec, rule=name, reason="must be a number")
                    )
        return errors


@register
class Integer(_Ranged):
    name = "integer"
    label = ("整数", "Whole number")
    widget = "number"

    def parse(self, raw: Any, spec: FieldSpec) -> int:
        if fast.ENABLED and type(raw) is str and raw.isascii():
            text = raw.strip()
            if _PLAIN_INTEGER.fullmatch(text):
                return int(text)
        number = _as_decimal(raw, spec, "invalid_integer")
        if number != number.to_integral_value():
            raise FieldError("invalid_integer", spec=spec)
        return int(number)


@register
class DecimalNumber(_Ranged):
    name = "decimal"
    label = ("小数", "Decimal number")
    widget = "number"
    allowed_rules = frozenset({"min_value", "max_value", "places", "not_less_than"})
    default_places = 6
    code = "invalid_decimal"
    noise: re.Pattern[str] | None = None

    def check_rule_definition(self, rules: Mapping[str, Any], spec: FieldSpec) -> list[FieldError]:
        errors = super().check_rule_definition(rules, spec)
        places = rules.get("places")
        # more places than Decimal's precision makes quantize() fail on every value
        if places is not None and (
            isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= MAX_PLACES
        ):
            errors.append(
                FieldError(
                    "invalid_rule",
                    spec=spec,
                    rule="places",
                    reason=f"must be a whole number from 0 to {MAX_PLACES}",
                )
            )
        return errors

    def parse(self, raw: Any, spec: FieldSpec) -> Decimal:
        number = _as_decimal(raw, spec, self.code, self.noise)
        places = int(spec.rules.get("places", self.default_places))
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise FieldError("too_many_decimals", spec=spec, places=places)
        return number

    def to_storage(self, value: Decimal) -> str:
        return format(value, "f")

    def from_storage(self, stored: Any) -> Decimal:
        return Decimal(str(stored))


@register
class Money(DecimalNumber):
    name = "money"
    label = ("金额", "Money")
    allowed_rules = frozenset({"min_value", "max_value", "places", "currency", "not_less_than"})
    default_places = 2
    code = "invalid_money"
    noise = _MONEY_NOISE

    def display(self, value: Any, spec: FieldSpec) -> str:
        return display_money(value, str(spec.rules.get("currency") or ""))

    def parse(self, raw: Any, spec: FieldSpec) -> Decimal:
        number = super().parse(raw, spec)
        places = int(spec.rules.get("places", self.default_places))
        return number.quantize(Decimal(1).scaleb(-places))


def display_money(value: Any, currency: str = "") -> str:
    """A stored amount as people read it: ¥1,234.50 (another currency by its code: USD 12.00)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    sign = "-" if number < 0 else ""
    digits = f"{abs(number):,f}"
    code = (currency or "CNY").upper()
    return f"{sign}¥{digits}" if code == "CNY" else f"{sign}{code} {digits}"


@register
class Boolean(FieldType):
    name = "boolean"
    label = ("是 / 否", "Yes / no")
    widget = "checkbox"

    def parse(self, raw: Any, spec: FieldSpec) -> bool:
        if isinstance(raw, bool):
            return raw
        if fast.ENABLED and type(raw) is str:
            known = _QUICK_BOOLEANS.get(raw)
            if known is not None:
                return known
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str):
            text = fold_width(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        raise FieldError("invalid_boolean", spec=spec)
