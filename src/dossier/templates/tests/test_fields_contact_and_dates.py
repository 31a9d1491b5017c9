"""Field types: phone, e-mail, url, dates and times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from dossier.core.fields import FieldSpec, get_type, validate_values
from dossier.templates.tests.field_helpers import clean, error

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


def test_stored_phones_are_shown_as_people_write_them() -> None:
    from dossier.core.fields.contact import display_phone

    assert display_phone("+8613800138000") == "138 0013 8000"
    assert display_phone("+861065529988") == "010 6552 9988"
    assert display_phone("+16502530000") == "+1 650-253-0000"
    assert display_phone("138****8000") == "138****8000"  # a masked value is left alone


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


# ---- url -------------------------------------------------------------------------------------


def test_url() -> None:
    assert clean("url", "example.com/a") == "https://example.com/a"
    assert clean("url", "http://例子.中国") == "http://例子.中国"
    for bad in ["ftp://example.com", "localhost", "http://exa mple.com", "http://[oops"]:
        assert error("url", bad) == "invalid_url"


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


@pytest.mark.parametrize(
    ("raw", "reason_en", "reason_zh"),
    [
        ("zhang", "it has no @ sign", "缺少 @ 符号"),
        ("@example.com", "nothing comes before the @ sign", "@ 前面没有内容"),
        ("zhang@", "nothing comes after the @ sign", "@ 后面没有内容"),
        ("a@b", "a domain such as example.com", "完整的域名"),
        ("a@@b.com", "characters a domain cannot have", "@ 后面含有不允许的字符"),
        ("a..b@example.com", "two dots in a row", "连续的两个点号"),
        ("x" * 300 + "@a.cn", "it is too long", "地址过长"),
    ],
)
def test_email_errors_speak_our_words_not_the_librarys(
    raw: str, reason_en: str, reason_zh: str
) -> None:
    spec = FieldSpec("f", "email", "邮箱", "E-mail")
    [err] = validate_values({"f": raw}, [spec]).errors
    english, chinese = err.message("en"), err.message("zh-hans")
    assert english.startswith("E-mail is not a valid e-mail address: ")
    assert reason_en in english
    assert chinese.startswith("邮箱不是有效的邮箱地址：")
    assert reason_zh in chinese
    # email-validator's own English ("The part after the @-sign …") reaches nobody
    for message in (english, chinese):
        assert "@-sign" not in message
        assert "email address" not in message.lower()
