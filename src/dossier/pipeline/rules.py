"""What an opportunity's and a stage's values must be: checked by the core field types.

The same validator that checks customers' template values checks these, so the rules (a
money amount, a date, a percentage) and their messages in both languages live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldLabel, FieldSpec, validate_values

#: the largest amount the column holds (14 digits, 2 of them after the point)
MAX_AMOUNT = "999999999999.99"
REASON_LENGTH = 2000


def _spec(key: str, type_name: str, zh: str, en: str, **more: Any) -> FieldSpec:
    return FieldSpec(key=key, type=type_name, label_zh=zh, label_en=en, **more)


OPPORTUNITY_FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        _spec("title", "text", "标题", "Title", required=True, rules={"max_length": 200}),
        _spec("amount", "money", "金额", "Amount", rules={"min_value": 0, "max_value": MAX_AMOUNT}),
        _spec("currency", "text", "币种", "Currency", rules={"regex": "[A-Z]{3}"}),
        _spec(
            "probability",
            "integer",
            "成交概率",
            "Probability",
            rules={"min_value": 0, "max_value": 100},
        ),
        _spec("expected_close", "date", "预计成交日期", "Expected close"),
        _spec("next_step", "long_text", "下一步", "Next step", rules={"max_length": 2000}),
        _spec(
            "won_reason", "long_text", "赢单原因", "Won reason", rules={"max_length": REASON_LENGTH}
        ),
        _spec(
            "lost_reason",
            "long_text",
            "输单原因",
            "Lost reason",
            rules={"max_length": REASON_LENGTH},
        ),
    )
}

STAGE_FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        _spec("name_zh", "text", "中文名称", "Name (Chinese)", required=True,
              rules={"max_length": 50}),
        _spec("name_en", "text", "英文名称", "Name (English)", rules={"max_length": 50}),
        _spec("position", "integer", "顺序", "Position", rules={"min_value": 0, "max_value": 1000}),
        _spec(
            "probability",
            "integer",
            "成交概率",
            "Probability",
            rules={"min_value": 0, "max_value": 100},
        ),
    )
}  # fmt: skip

CUSTOMER = FieldLabel("customer_id", "客户", "Customer")
STAGE = FieldLabel("stage_id", "阶段", "Stage")
OWNER = FieldLabel("owner", "负责人", "Owner")


def clean(
    values: Mapping[str, Any], fields: Mapping[str, FieldSpec], message: str = ""
) -> dict[str, Any]:
    """``values`` checked by their fields' types (only the keys given); all errors at once."""
    specs = [fields[key] for key in values if key in fields]
    result = validate_values(values, specs, apply_defaults=False)
    if result.errors:
        raise ValidationFailed(
            message or _("The opportunity could not be saved."), errors=result.errors
        )
    return result.clean
