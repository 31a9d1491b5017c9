"""Helpers of the field type tests: choice rules, one value cleaned or refused, ID numbers."""

from __future__ import annotations

from typing import Any

from stdnum.cn import ric

from dossier.core.fields import FieldSpec, validate_values

LEVELS = {
    "choices": [
        {"value": "normal", "label_zh": "普通", "label_en": "Normal"},
        {"value": "gold", "label_zh": "金卡", "label_en": "Gold"},
    ]
}


HOBBIES = {
    "choices": [
        {"value": "a", "label_zh": "阅读", "label_en": "Reading"},
        {"value": "b", "label_zh": "跑步", "label_en": "Running"},
        {"value": "c", "label_zh": "游泳", "label_en": "Swimming"},
    ]
}


def clean(field_type: str, raw: Any, **rules: Any) -> Any:
    """The normalised value, asserting there was no error."""
    spec = FieldSpec("f", field_type, "字段", "Field", rules=rules)
    result = validate_values({"f": raw}, [spec])
    assert result.errors == [], [e.as_dict() for e in result.errors]
    return result.clean["f"]


def error(field_type: str, raw: Any, **rules: Any) -> str:
    """The code of the single error the value causes, checking it names the field."""
    spec = FieldSpec("f", field_type, "字段", "Field", rules=rules)
    result = validate_values({"f": raw}, [spec])
    assert len(result.errors) == 1, result.clean
    err = result.errors[0]
    assert err.field == "f"
    assert "Field" in err.message("en")
    assert "字段" in err.message("zh-hans")
    assert "f" not in result.clean or result.clean["f"] is None
    return err.code


def id_number(first17: str) -> str:
    """An 18-character ID number with the right check digit."""
    return first17 + ric.calc_check_digit(first17 + "0")


def fields_with_classes(template: Any, **classes: str) -> list[dict[str, Any]]:
    """The template's current own fields as plain dicts, with some classifications changed."""
    fields = []
    for spec in template.current_version.own_specs():
        data = {**spec.__dict__, "rules": dict(spec.rules)}
        data["classification"] = classes.get(spec.key, spec.classification)
        fields.append(data)
    return fields
