"""Field types one by one: good inputs normalise, bad inputs name the field and the code."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from stdnum.cn import ric

from dossier.templates.fields import (
    FieldSpec,
    check_spec,
    get_type,
    registered_types,
    validate_values,
)

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


# ---- 身份证 ----------------------------------------------------------------------------------


def test_id_card_valid_and_upper_cased() -> None:
    assert clean("cn_id_card", "11010519491231002x") == "11010519491231002X"
    assert clean("cn_id_card", " 110105 19491231 002X ") == "11010519491231002X"
    assert clean("cn_id_card", "１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


def test_id_card_derives_birthday_and_gender() -> None:
    kind = get_type("cn_id_card")
    assert kind.derive("11010519491231002X") == {
        "birthday": date(1949, 12, 31),
        "gender": "female",
    }
    assert kind.derive(id_number("11010519800101001"))["gender"] == "male"


def test_id_card_district_created_after_birth_is_accepted() -> None:
    # 110115 (大兴区) exists since 2001; someone born in 1980 gets it when they move there.
    number = id_number("11011519800101123")
    with pytest.raises(Exception):  # noqa: B017 - python-stdnum alone would refuse it
        ric.validate(number)
    assert clean("cn_id_card", number) == number


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id_card_checksum"),
        ("110105491231002", "id_card_old_format"),
        ("1101051949123100", "id_card_length"),
        ("11010519491231002XX", "id_card_length"),
        ("1101051949123100AX", "id_card_format"),
        ("110105١٩٤٩1231002X", "id_card_format"),
        (id_number("99010519491231002"), "id_card_province"),
        (id_number("00010519491231002"), "id_card_province"),
        (id_number("11010519490230002"), "id_card_birth_date"),
        (id_number("11010518991231002"), "id_card_birth_date"),
        (id_number("11010521990101002"), "id_card_birth_date"),
        (110105194912310021, "id_card_checksum"),
        (True, "invalid_text"),
    ],
)
def test_id_card_rejects(raw: Any, code: str) -> None:
    assert error("cn_id_card", raw) == code


def test_id_card_wrong_check_digit_says_which_is_right() -> None:
    spec = FieldSpec("f", "cn_id_card", "身份证号", "ID number")
    [err] = validate_values({"f": "110105194912310021"}, [spec]).errors
    assert "X" in err.message("en")
    assert "X" in err.message("zh-hans")


# ---- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "１３８００１３８０００",
        "+86 138 0013 8000",
        "+86-13800138000",
        "0086 13800138000",
        "008613800138000",
        "8613800138000",
        "(+86) 138-0013-8000",
        13800138000,
    ],
)
def test_phone_forms_normalise_to_e164(raw: Any) -> None:
    assert clean("phone", raw) == "+8613800138000"
    assert clean("phone", raw, mobile_only=True) == "+8613800138000"


def test_landline_is_a_phone_but_not_a_mobile() -> None:
    assert clean("phone", "010-6552 9988") == "+861065529988"
    assert clean("phone", "+86 10 6552 9988") == "+861065529988"
    assert error("phone", "010-6552 9988", mobile_only=True) == "not_mobile"


def test_phone_in_another_region() -> None:
    assert clean("phone", "+852 6123 4567") == "+85261234567"
    assert clean("phone", "6123 4567", region="HK") == "+85261234567"


@pytest.mark.parametrize("raw", ["12345", "1380013800", "138001380001", "abc", "+86", "9" * 30])
def test_phone_rejects_invalid_numbers(raw: str) -> None:
    assert error("phone", raw) == "invalid_phone"


def test_phone_rejects_non_text() -> None:
    assert error("phone", [13800138000]) == "invalid_text"


# ---- e-mail ----------------------------------------------------------------------------------


def test_email_domain_lower_cased_and_width_folded() -> None:
    assert clean("email", " Zhang.San@Example.COM ") == "Zhang.San@example.com"
    assert clean("email", "ｌｉ＠ｅｘａｍｐｌｅ．ｃｎ") == "li@example.cn"
    assert clean("email", "王@例子.中国") == "王@例子.中国"


@pytest.mark.parametrize(
    "raw", ["zhang", "zhang@", "@example.com", "a b@example.com", "a@b", "x" * 300 + "@a.cn"]
)
def test_email_rejects(raw: str) -> None:
    assert error("email", raw) == "invalid_email"


def test_email_error_says_why() -> None:
    spec = FieldSpec("f", "email", "邮箱", "E-mail")
    [err] = validate_values({"f": "zhang"}, [spec]).errors
    assert err.message("en").startswith("E-mail is not a valid e-mail address: ")
    assert len(err.message("en")) > len("E-mail is not a valid e-mail address: ")


# ---- 统一社会信用代码 --------------------------------------------------------------------------


def test_uscc_valid_compacted_and_upper_cased() -> None:
    assert clean("cn_uscc", "91110000600037341L") == "91110000600037341L"
    assert clean("cn_uscc", "9111 0000 6000 3734 1l") == "91110000600037341L"
    assert clean("cn_uscc", "９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91110000600037341M", "uscc_checksum"),
        ("9111000060003734", "uscc_length"),
        ("9111000060003734IL", "uscc_format"),
        ("A1110000600037341L", "uscc_format"),
    ],
)
def test_uscc_rejects(raw: str, code: str) -> None:
    assert error("cn_uscc", raw) == code


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
        (10**16, {}, "invalid_integer"),
        (float("nan"), {}, "invalid_integer"),
        (float("inf"), {}, "invalid_integer"),
        (-1, {"min_value": 0}, "too_small"),
        (101, {"max_value": 100}, "too_large"),
    ],
)
def test_integer_rejects(raw: Any, rules: dict[str, Any], code: str) -> None:
    assert error("integer", raw, **rules) == code


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


# ---- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2024-05-01",
        "2024/5/1",
        "2024.5.1",
        "2024年5月1日",
        "2024 年 5 月 1 日",
        "２０２４年５月１日",
        "20240501",
    ],
)
def test_date_forms(raw: str) -> None:
    assert clean("date", raw) == date(2024, 5, 1)


@pytest.mark.parametrize(
    ("raw", "rules", "code"),
    [
        ("2024-02-30", {}, "invalid_date"),
        ("2024年13月1日", {}, "invalid_date"),
        ("yesterday", {}, "invalid_date"),
        (20240501, {}, "invalid_date"),
        ("1899-12-31", {}, "date_out_of_range"),
        ("2999-01-01", {"max_value": "today"}, "date_out_of_range"),
        ("2020-01-01", {"min_value": "2021-01-01"}, "date_out_of_range"),
    ],
)
def test_date_rejects(raw: Any, rules: dict[str, Any], code: str) -> None:
    assert error("date", raw, **rules) == code


def test_date_stored_as_iso_text() -> None:
    assert get_type("date").to_storage(date(2024, 5, 1)) == "2024-05-01"
    assert get_type("date").from_storage("2024-05-01") == date(2024, 5, 1)


def test_datetime_without_zone_is_china_time() -> None:
    assert clean("datetime", "2024-05-01 14:30") == datetime(2024, 5, 1, 6, 30, tzinfo=UTC)
    assert clean("datetime", "2024/05/01T14:30:00Z") == datetime(2024, 5, 1, 14, 30, tzinfo=UTC)
    assert error("datetime", "2024-05-01 25:00") == "invalid_datetime"
    assert error("datetime", "1900-01-01 07:00") == "date_out_of_range"


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


# ---- url -------------------------------------------------------------------------------------


def test_url() -> None:
    assert clean("url", "example.com/a") == "https://example.com/a"
    assert clean("url", "http://例子.中国") == "http://例子.中国"
    for bad in ["ftp://example.com", "localhost", "http://exa mple.com", "http://[oops"]:
        assert error("url", bad) == "invalid_url"


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


def test_id_card_fills_birthday_and_gender_and_checks_given_ones() -> None:
    specs = [
        FieldSpec("id", "cn_id_card", "身份证号", "ID number"),
        FieldSpec("birthday", "date", "生日", "Birthday"),
        FieldSpec("gender", "choice", "性别", "Gender", rules={"choices": ["male", "female"]}),
    ]
    result = validate_values({"id": "11010519491231002X"}, specs)
    assert result.ok
    assert result.clean["birthday"] == date(1949, 12, 31)
    assert result.clean["gender"] == "female"

    result = validate_values(
        {"id": "11010519491231002X", "birthday": "1950-01-01", "gender": "male"}, specs
    )
    assert {(e.field, e.code) for e in result.errors} == {
        ("birthday", "id_card_mismatch"),
        ("gender", "id_card_mismatch"),
    }
    assert "ID number" in result.errors[0].message("en")
    assert "身份证号" in result.errors[0].message("zh-hans")


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


def test_stored_phones_are_shown_as_people_write_them() -> None:
    from dossier.templates.fields.contact import display_phone

    assert display_phone("+8613800138000") == "138 0013 8000"
    assert display_phone("+861065529988") == "010 6552 9988"
    assert display_phone("+16502530000") == "+1 650-253-0000"
    assert display_phone("138****8000") == "138****8000"  # a masked value is left alone
