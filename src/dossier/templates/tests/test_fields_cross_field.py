"""Rules between two fields (budget max not less than budget min; end not before start), and
every rule described in words."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.core.fields import (
    FieldSpec,
    check_field_references,
    check_spec,
    describe_rules,
    validate_values,
)
from dossier.templates.core_fields import core_spec

BUDGET = [
    FieldSpec("budget_min", "money", "预算下限", "Lowest budget"),
    FieldSpec(
        "budget_max", "money", "预算上限", "Highest budget", rules={"not_less_than": "budget_min"}
    ),
]
DATES = [
    FieldSpec("start", "date", "开始日期", "Start"),
    FieldSpec("end", "datetime", "结束时间", "End", rules={"not_less_than": "start"}),
]


def errors_of(values: dict[str, Any], specs: list[FieldSpec]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in validate_values(values, specs).errors]


@pytest.mark.parametrize(
    ("low", "high"),
    [("100", "100"), ("100", "250.5"), ("¥1,000", "1000.00"), (None, "5"), ("5", None)],
)
def test_budget_max_not_less_than_min_accepts(low: Any, high: Any) -> None:
    assert errors_of({"budget_min": low, "budget_max": high}, BUDGET) == []


def test_budget_max_less_than_min_is_an_error_on_max_naming_min() -> None:
    result = validate_values({"budget_min": "500", "budget_max": "499.99"}, BUDGET)
    [err] = result.errors
    assert (err.field, err.code) == ("budget_max", "less_than_other")
    assert err.message("zh-hans") == "预算上限不能小于预算下限。"
    assert err.message("en") == "Highest budget must not be less than Lowest budget."


def test_integer_may_be_compared_with_decimal() -> None:
    specs = [
        FieldSpec("seats", "integer", "座位", "Seats"),
        FieldSpec("guests", "decimal", "来宾", "Guests", rules={"not_less_than": "seats"}),
    ]
    assert errors_of({"seats": 3, "guests": "2.5"}, specs) == [("guests", "less_than_other")]
    assert errors_of({"seats": 3, "guests": "3.0"}, specs) == []


def test_end_before_start_is_an_error_saying_earlier() -> None:
    assert errors_of({"start": "2024-05-02", "end": "2024-05-02 09:00"}, DATES) == []
    # 2024-05-01 23:30 in China is 15:30 UTC: the day that counts is the local one
    assert errors_of({"start": "2024-05-02", "end": "2024-05-01T15:30:00Z"}, DATES) == [
        ("end", "earlier_than_other")
    ]
    [err] = validate_values({"start": "2024-05-02", "end": "2024-05-01 23:30"}, DATES).errors
    assert err.message("zh-hans") == "结束时间不能早于开始日期。"
    assert err.message("en") == "End must not be earlier than Start."


def test_a_value_that_is_itself_wrong_is_reported_once() -> None:
    result = validate_values({"budget_min": "500", "budget_max": "abc"}, BUDGET)
    assert [(e.field, e.code) for e in result.errors] == [("budget_max", "invalid_money")]
    result = validate_values({"budget_min": "abc", "budget_max": "1"}, BUDGET)
    assert [(e.field, e.code) for e in result.errors] == [("budget_min", "invalid_money")]


def test_rows_carry_their_number() -> None:
    result = validate_values({"budget_min": 2, "budget_max": 1}, BUDGET, row=7)
    assert [e.as_dict()["row"] for e in result.errors] == [7]


# ---- the rule in a template definition ---------------------------------------------------------


def test_well_formed_references_pass() -> None:
    assert check_field_references(BUDGET) == []
    assert check_field_references(DATES) == []
    specs = [core_spec("birthday"), FieldSpec("wed", "date", rules={"not_less_than": "birthday"})]
    assert check_field_references(specs) == []
    assert all(check_spec(spec) == [] for spec in BUDGET + DATES)


@pytest.mark.parametrize(
    ("other", "reason_en", "reason_zh"),
    [
        ("nope", "no field “nope”", "没有字段“nope”"),
        ("budget_max", "compared with itself", "不能与自身比较"),
        ("note", "cannot be compared", "无法比较"),
        ("start", "cannot be compared", "无法比较"),
    ],
)
def test_bad_references_are_rule_errors_in_both_languages(
    other: str, reason_en: str, reason_zh: str
) -> None:
    specs = [
        FieldSpec("note", "text", "备注", "Note"),
        FieldSpec("start", "date", "开始", "Start"),
        FieldSpec("budget_max", "money", "预算上限", "Budget", rules={"not_less_than": other}),
    ]
    [err] = check_field_references(specs)
    assert (err.field, err.code, err.params["rule"]) == (
        "budget_max",
        "invalid_rule",
        "not_less_than",
    )
    assert reason_en in err.message("en")
    assert reason_zh in err.message("zh-hans")


def test_the_rule_belongs_to_ordered_types_only() -> None:
    spec = FieldSpec("note", "text", rules={"not_less_than": "x"})
    assert [e.params["rule"] for e in check_spec(spec)] == ["not_less_than"]
    # the reference check leaves it to check_spec, so the rule is refused once
    assert check_field_references([spec, FieldSpec("x", "text")]) == []


# ---- rules in words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "zh", "en"),
    [
        (
            FieldSpec("d", "date", rules={"max_value": "today"}),
            ["不晚于今天"],
            ["not after today"],
        ),
        (
            FieldSpec("d", "date", rules={"min_value": "2000-01-01"}),
            ["不早于2000-01-01"],
            ["not before 2000-01-01"],
        ),
        (
            FieldSpec("t", "text", rules={"min_length": 2, "max_length": 20}),
            ["至少2个字符", "最多20个字符"],
            ["at least 2 characters", "at most 20 characters"],
        ),
        (
            FieldSpec("n", "integer", rules={"min_value": 0, "max_value": 100}),
            ["不小于0", "不大于100"],
            ["at least 0", "at most 100"],
        ),
        (
            FieldSpec("m", "text", rules={"regex": r"M\d{6}"}),
            ["须匹配自定义格式"],
            ["must match a custom pattern"],
        ),
        (
            FieldSpec(
                "m", "text", rules={"regex": r"M\d{6}", "regex_description": "M 加 6 位数字"}
            ),
            ["须匹配格式：M 加 6 位数字"],
            ["must match a pattern: M 加 6 位数字"],
        ),
        (
            FieldSpec("p", "phone", rules={"mobile_only": True}),
            ["仅限手机号码"],
            ["mobile numbers only"],
        ),
        (
            FieldSpec("h", "multi_choice", rules={"choices": ["a"], "max_items": 2}),
            ["可选：a", "最多选2项"],
            ["one of: a", "choose at most 2"],
        ),
    ],
)
def test_rules_are_described_in_words(spec: FieldSpec, zh: list[str], en: list[str]) -> None:
    assert describe_rules(spec, "zh-hans") == zh
    assert describe_rules(spec, "en") == en


def test_a_rule_naming_a_field_is_described_by_its_label() -> None:
    assert describe_rules(BUDGET[1], "zh-hans", BUDGET) == ["不小于预算下限"]
    assert describe_rules(BUDGET[1], "en", BUDGET) == ["not less than Lowest budget"]
    assert describe_rules(DATES[1], "zh-hans", DATES) == ["不早于开始日期"]
    assert describe_rules(DATES[1], "en", DATES) == ["not earlier than Start"]
