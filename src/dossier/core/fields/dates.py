"""Date and date-time field types."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from dossier.core.fields import fast
from dossier.core.fields.base import FieldError, FieldSpec, FieldType, fold_width, register
from dossier.core.fields.messages import TODAY, describe

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
#: the two spellings most files hold, 2024-05-01 and 2024年5月1日, in ASCII digits: nothing
#: in them for folding or stripping to change, and _DATE reads them into the same groups
_PLAIN_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})-([0-9]{2})|年([0-9]{1,2})月([0-9]{1,2})日)")
_EARLIEST, _LATEST = date(1900, 1, 1), date(2199, 12, 31)
#: where a date-time arrives without a zone, it is read in China Standard Time
DEFAULT_ZONE = timezone(timedelta(hours=8))


def parse_date_text(text: str) -> date | None:
    """A date from 2024-05-01, 2024/5/1, 2024.5.1, 2024年5月1日 or 20240501; None if none."""
    text = fold_width(text).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _bound(rules: Mapping[str, Any], name: str) -> date | None:
    value = rules.get(name)
    if value in (None, ""):
        return None
    if value == "today":
        return date.today()
    return _rule_date(str(value)) if fast.ENABLED else parse_date_text(str(value))


@lru_cache(maxsize=256)
def _rule_date(text: str) -> date | None:
    # a template's bound, read once rather than for every value checked against it
    return parse_date_text(text)


@register
class DateField(FieldType):
    name = "date"
    label = ("日期", "Date")
    widget = "date"
    allowed_rules = frozenset({"min_value", "max_value", "not_less_than"})
    order = "time"

    def parse(self, raw: Any, spec: FieldSpec) -> date:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if not isinstance(raw, str):
            raise FieldError("invalid_date", spec=spec)
        plain = _PLAIN_DATE.fullmatch(raw) if fast.ENABLED else None
        if plain is not None:
            year, month, day = plain[1], plain[2] or plain[4], plain[3] or plain[5]
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                raise FieldError("invalid_date", spec=spec) from None
        parsed = parse_date_text(raw)
        if parsed is None:
            raise FieldError("invalid_date", spec=spec)
        return parsed

    def check_rules(self, value: date, spec: FieldSpec) -> None:
        low = _bound(spec.rules, "min_value") or _EARLIEST
        high = _bound(spec.rules, "max_value") or _LATEST
        if not low <= value <= high:
            raise FieldError(
                "date_out_of_range", spec=spec, min=low.isoformat(), max=high.isoformat()
            )

    def check_rule_definition(self, rules: Mapping[str, Any], spec: FieldSpec) -> list[FieldError]:
        errors = super().check_rule_definition(rules, spec)
        for name in ("min_value", "max_value"):
            if rules.get(name) not in (None, "") and _bound(rules, name) is None:
                errors.append(
                    FieldError(
                        "invalid_rule", spec=spec, rule=name, reason="must be a date or 'today'"
                    )
                )
        return errors

    def describe_rule(self, name: str, value: Any, spec: FieldSpec, language: str) -> str:
        if name in ("min_value", "max_value", "not_less_than"):
            return describe(f"date_{name}", language, TODAY if value == "today" else value)
        return super().describe_rule(name, value, spec, language)

    def to_storage(self, value: date) -> str:
        return value.isoformat()

    def from_storage(self, stored: Any) -> date:
        return date.fromisoformat(str(stored))


@register
class DateTimeField(FieldType):
    name = "datetime"
    label = ("日期时间", "Date and time")
    widget = "datetime-local"
    allowed_rules = frozenset({"not_less_than"})
    order = "time"

    def describe_rule(self, name: str, value: Any, spec: FieldSpec, language: str) -> str:
        if name == "not_less_than":
            return describe("date_not_less_than", language, value)
        return super().describe_rule(name, value, spec, language)

    def parse(self, raw: Any, spec: FieldSpec) -> datetime:
        if isinstance(raw, datetime):
            moment = raw
        elif isinstance(raw, str):
            text = fold_width(raw).strip().replace("/", "-")
            if text.endswith("Z"):
                text = text[:-1] + "+00:00"
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise FieldError("invalid_datetime", spec=spec) from None
        else:
            raise FieldError("invalid_datetime", spec=spec)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=DEFAULT_ZONE)
        if not 1900 <= moment.year <= 2199:
            raise FieldError("date_out_of_range", spec=spec, min="1900-01-01", max="2199-12-31")
        moment = moment.astimezone(UTC)
        # checked again in UTC, so the stored value validates again (1900-01-01 08:00+08 is
        # 1899 in UTC)
        if not 1900 <= moment.year <= 2199:
            raise FieldError("date_out_of_range", spec=spec, min="1900-01-01", max="2199-12-31")
        return moment

    def to_storage(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat()

    def from_storage(self, stored: Any) -> datetime:
        return datetime.fromisoformat(str(stored))
