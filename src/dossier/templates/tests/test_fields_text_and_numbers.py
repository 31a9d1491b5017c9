"""Field types: text, numbers, money, yes/no, choices; validate_values and field definitions."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from dossier.core.fields import (
    FieldSpec,
    check_spec,
    get_type,
    registered_types,
    validate_values,
)
from dossier.templates.tests.field_helpers import HOBBIES, LEVELS, clean, error

# ---- text, long text, address -------------------------------------------------------------


def test_text_is_stripped_and_numbers_become_text() -> None:
    assert clean("text", "  张三  ") == "张三"
    assert clean("text", 42) == "42"


@pytest.mark.parametrize(
    ("raw", "rules", "code"),
    [
        ("x" * 201, {}, "too_long"),
        ("abc", {"max_length": 2}, "too_long"),
        ("a", {"min_length": 2}, "too_short"),
        ("M12345", {"regex": r"M\d{6}"}, "pattern"),
        ("bad\x00value", {}, "control_characters"),
        (True, {}, "invalid_text"),
        ({"a": 1}, {}, "invalid_text"),
        (["a"], {}, "invalid_text"),
    ],
)
def test_text_rejects(raw: Any, rules: dict[str, Any], code: str) -> None:
    assert error("text", raw, **rules) == code


def test_text_regex_must_match_whole_value() -> None:
    assert clean("text", "M123456", regex=r"M\d{6}") == "M123456"
    assert error("text", "M1234567", regex=r"M\d{6}") == "pattern"


def test_long_text_and_address_allow_more_than_text() -> None:
    assert len(clean("long_text", "字" * 5000)) == 5000
    assert clean("address", "北京市朝阳区建国路88号\n2单元") == "北京市朝阳区建国路88号\n2单元"
    assert error("address", "字" * 501) == "too_long"


# ---- numbers and money -----------------------------------------------------------------------


def test_integer() -> None:
    assert clean("integer", "1,200") == 1200
    assert clean("integer", "１２") == 12
    assert clean("integer", 7.0) == 7
    assert clean("integer", 0, min_value=0) == 0


@pytest.mark.parametrize(
    ("raw", "rules", "code"),
    [
        ("1.5", {}, "invalid_integer"),
        ("abc", {}, "invalid_integer"),
        (True, {}, "invalid_integer"),
        (10**16, {}, "too_large"),
        (float("nan"), {}, "invalid_integer"),
        (float("inf"), {}, "invalid_integer"),
        (-1, {"min_value": 0}, "too_small"),
        (101, {"max_value": 100}, "too_large"),
    ],
)
def test_integer_rejects(raw: Any, rules: dict[str, Any], code: str) -> None:
    assert error("integer", raw, **rules) == code


@pytest.mark.parametrize("type_name", ["integer", "decimal", "money"])
@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1e1000000", "too_large"),
        ("-1e999999999", "too_small"),
        ("1E+99999999999999999", "too_large"),
        (10**15, "too_large"),
        ("9" * 5000, None),
    ],
)
def test_number_fields_refuse_absurd_exponents_and_digits(
    type_name: str, raw: Any, code: str | None
) -> None:
    # Decimal("1e1000000") is finite, but abs() or quantize() on it overflowed into a 500
    assert error(type_name, raw) == (code or f"invalid_{type_name}")


@pytest.mark.parametrize("type_name", ["integer", "decimal", "money"])
def test_number_fields_read_zero_with_any_exponent_as_zero(type_name: str) -> None:
    assert clean(type_name, "0e1000000") == 0
    assert str(clean(type_name, "0e1000000")) in ("0", "0.00")


def test_decimal() -> None:
    assert clean("decimal", "42.5", places=1) == Decimal("42.5")
    assert clean("decimal", 0.1) == Decimal("0.1")
    assert error("decimal", "42.55", places=1) == "too_many_decimals"
    assert error("decimal", "29.5", min_value=30) == "too_small"
    assert error("decimal", float("nan")) == "invalid_decimal"
    assert error("decimal", "Infinity") == "invalid_decimal"
    assert error("decimal", "1e20") == "too_large"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("¥1,234.5", Decimal("1234.50")),
        ("￥1,234.50", Decimal("1234.50")),
        ("1234.5元", Decimal("1234.50")),
        ("RMB 1 234", Decimal("1234.00")),
        ("CNY 0.5", Decimal("0.50")),
        (99, Decimal("99.00")),
        ("-3", Decimal("-3.00")),
    ],
)
def test_money_strips_currency_and_separators(raw: Any, expected: Decimal) -> None:
    value = clean("money", raw)
    assert value == expected
    assert str(value) == str(expected)
    assert get_type("money").to_storage(value) == str(expected)


@pytest.mark.parametrize(
    ("raw", "rules", "code"),
    [
        ("¥1.234", {}, "too_many_decimals"),
        ("一千元", {}, "invalid_money"),
        ("¥", {}, "invalid_money"),
        ("-1", {"min_value": 0}, "too_small"),
        (float("nan"), {}, "invalid_money"),
    ],
)
def test_money_rejects(raw: Any, rules: dict[str, Any], code: str) -> None:
    assert error("money", raw, **rules) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        ("是", True),
        ("yes", True),
        (1, True),
        ("否", False),
        ("no", False),
        (0, False),
    ],
)
def test_boolean(raw: Any, expected: bool) -> None:
    assert clean("boolean", raw) is expected


@pytest.mark.parametrize("raw", ["maybe", 2, 0.5, ["yes"]])
def test_boolean_rejects(raw: Any) -> None:
    assert error("boolean", raw) == "invalid_boolean"


# ---- choices ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["gold", "GOLD", "金卡", "Gold", " gold "])
def test_choice_by_value_or_label(raw: str) -> None:
    assert clean("choice", raw, **LEVELS) == "gold"


def test_choice_plain_strings() -> None:
    assert clean("choice", "B", choices=["A", "B"]) == "B"


def test_choice_rejects_unknown_and_names_value() -> None:
    spec = FieldSpec("f", "choice", "等级", "Level", rules=LEVELS)
    [err] = validate_values({"f": "platinum"}, [spec]).errors
    assert err.code == "invalid_choice"
    assert "platinum" in err.message("en")
    assert "platinum" in err.message("zh-hans")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a、b", ["a", "b"]),
        ("阅读，跑步", ["a", "b"]),
        ("a,b;c", ["a", "b", "c"]),
        ("Reading | running", ["a", "b"]),
        (["c", "游泳", "a"], ["c", "a"]),
        ("a、", ["a"]),
    ],
)
def test_multi_choice(raw: Any, expected: list[str]) -> None:
    assert clean("multi_choice", raw, **HOBBIES) == expected


def test_multi_choice_rejects() -> None:
    assert error("multi_choice", "a、x", **HOBBIES) == "invalid_choice"
    assert error("multi_choice", 5, **HOBBIES) == "invalid_list"
    assert error("multi_choice", "a、b、c", max_items=2, **HOBBIES) == "too_large"
    assert error("multi_choice", "a", min_items=2, **HOBBIES) == "too_small"


# ---- validate_values as a whole --------------------------------------------------------------


def test_all_errors_at_once_and_unknown_fields() -> None:
    specs = [
        FieldSpec("name", "text", "名称", "Name", required=True),
        FieldSpec("phone", "phone", "手机", "Phone"),
        FieldSpec("level", "choice", "等级", "Level", rules=LEVELS, default="normal"),
    ]
    result = validate_values({"phone": "123", "colour": "red"}, specs)
    assert {(e.field, e.code) for e in result.errors} == {
        ("colour", "unknown_field"),
        ("phone", "invalid_phone"),
        ("name", "required"),
    }
    assert result.clean["level"] == "normal"


def test_default_only_when_key_missing() -> None:
    spec = FieldSpec("level", "choice", rules=LEVELS, default="normal")
    assert validate_values({}, [spec]).clean == {"level": "normal"}
    assert validate_values({"level": ""}, [spec]).clean == {"level": None}
    assert validate_values({}, [spec], apply_defaults=False).clean == {"level": None}


def test_empty_values_count_as_missing_for_required() -> None:
    spec = FieldSpec("name", "text", "名称", "Name", required=True)
    for empty in (None, "", "   ", []):
        [err] = validate_values({"name": empty}, [spec]).errors
        assert (err.field, err.code) == ("name", "required")
        assert err.message("zh-hans") == "名称为必填项。"
        assert err.message("en") == "Name is required."


def test_every_registered_type_has_a_widget() -> None:
    widgets = {"text", "textarea", "number", "date", "datetime-local", "email", "tel", "url"}
    widgets |= {"select", "checkboxes", "checkbox"}
    for name in registered_types():
        assert get_type(name).widget in widgets, name


# ---- field definitions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        (FieldSpec("Bad Key", "text"), "invalid_key"),
        (FieldSpec("f", "no_such_type"), "unknown_type"),
        (FieldSpec("f", "text", classification="secret"), "invalid_classification"),
        (FieldSpec("f", "text", rules={"colour": "red"}), "invalid_rule"),
        (FieldSpec("f", "text", rules={"regex": "("}), "invalid_rule"),
        (FieldSpec("f", "text", rules={"max_length": -1}), "invalid_rule"),
        (FieldSpec("f", "choice", rules={}), "invalid_rule"),
        (FieldSpec("f", "choice", rules={"choices": ["a", "a"]}), "invalid_rule"),
        (
            FieldSpec("f", "multi_choice", rules={"choices": ["a"], "max_items": "3"}),
            "invalid_rule",
        ),
        (FieldSpec("f", "money", rules={"places": 40}), "invalid_rule"),
        (FieldSpec("f", "integer", rules={"min_value": "lots"}), "invalid_rule"),
        (FieldSpec("f", "date", rules={"max_value": "soon"}), "invalid_rule"),
        (FieldSpec("f", "integer", default="abc"), "invalid_default"),
    ],
)
def test_check_spec_rejects(spec: FieldSpec, code: str) -> None:
    errors = check_spec(spec)
    assert code in [e.code for e in errors]
    for err in errors:
        assert err.field == spec.key
        assert err.message("en") and err.message("zh-hans")


def test_check_spec_accepts_good_definitions() -> None:
    assert check_spec(FieldSpec("level", "choice", rules=LEVELS, default="gold")) == []
    assert check_spec(FieldSpec("points", "integer", rules={"min_value": 0}, default=0)) == []
    assert check_spec(FieldSpec("due", "date", rules={"max_value": "today"})) == []


# ---- patterns run in linear time (RE2) -------------------------------------------------------


def test_catastrophic_pattern_on_a_long_value_answers_at_once() -> None:
    # (a+)+$ backtracks exponentially in Python's re: 25 characters took 2.6 s
    spec = FieldSpec("f", "long_text", "字段", "Field", rules={"regex": "(a+)+$"})
    started = time.perf_counter()
    result = validate_values({"f": "a" * 9_999 + "b"}, [spec])
    elapsed = time.perf_counter() - started
    assert [e.code for e in result.errors] == ["pattern"]
    assert elapsed < 1.0, elapsed  # a guard against backtracking, not a benchmark
    assert clean("long_text", "a" * 10_000, regex="(a+)+$") == "a" * 10_000


def test_pattern_is_not_matched_against_more_than_ten_thousand_characters() -> None:
    assert error("long_text", "a" * 10_001, regex="a*", max_length=20_000) == "too_long"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "backreferences"),
        (r"(?=a)a", "look-arounds"),
        ("a" * 501, "at most 500 characters"),
        (["a"], "must be text"),
    ],
)
def test_pattern_re2_cannot_run_is_refused_naming_field_and_rule(pattern: Any, reason: str) -> None:
    spec = FieldSpec("member_no", "text", "会员号", "Member number", rules={"regex": pattern})
    errors = check_spec(spec)
    assert [(e.field, e.code, e.params["rule"]) for e in errors] == [
        ("member_no", "invalid_rule", "regex")
    ]
    assert reason in errors[0].message("en")
    assert "Member number" in errors[0].message("en")
    assert "会员号" in errors[0].message("zh-hans") and "regex" in errors[0].message("zh-hans")


def test_stored_pattern_re2_refuses_is_an_error_not_a_crash() -> None:
    # a version published before patterns ran on RE2 may hold one
    assert error("text", "aa", regex=r"(a)\1") == "invalid_rule"
