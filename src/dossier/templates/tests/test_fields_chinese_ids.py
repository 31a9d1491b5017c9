"""Field types: 身份证 (resident ID numbers) and 统一社会信用代码 (unified social credit codes)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from stdnum.cn import ric

from dossier.core.fields import FieldSpec, get_type, validate_values
from dossier.templates.core_fields import core_spec
from dossier.templates.tests.field_helpers import clean, error, id_number

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


# ---- identifiers written the way people write them --------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "91 110000 600037341L",  # python-stdnum's own test vector
        "91-110000-600037341L",
        "91–110000—600037341l",  # en and em dashes, lower case
        "91\t110000\u00a0600037341L",  # tab and no-break space
        "91\u3000110000\u200b600037341L",  # ideographic and zero-width spaces
        "９１－１１００００－６０００３７３４１ｌ",  # full-width digits, dash and letter
        "91‐110000−600037341L",  # Unicode hyphen and minus sign
    ],
)
def test_uscc_folds_spaces_dashes_and_widths(raw: str) -> None:
    assert clean("cn_uscc", raw) == "91110000600037341L"


@pytest.mark.parametrize(
    "raw",
    [
        "110105 19491231 002x",
        "110105–19491231–002X",
        "110105\t19491231\u00a0002X",
        "１１０１０５－１９４９１２３１－００２ｘ",
        "110105‐19491231−002X",
    ],
)
def test_id_card_folds_spaces_dashes_and_widths(raw: str) -> None:
    assert clean("cn_id_card", raw) == "11010519491231002X"


def test_id_card_mismatch_says_what_the_id_implies_once_per_disagreeing_field() -> None:
    specs = [
        FieldSpec("id", "cn_id_card", "身份证号", "ID number"),
        core_spec("birthday"),
        core_spec("gender"),
    ]
    values = {"id": "11010519491231002X", "birthday": "1950-01-01", "gender": "male"}
    result = validate_values(values, specs)
    assert [(e.field, e.code) for e in result.errors] == [
        ("birthday", "id_card_mismatch"),
        ("gender", "id_card_mismatch"),
    ]
    for err in result.errors:
        assert (
            err.message("zh-hans") == "身份证号显示出生日期 1949-12-31、性别 女，与填写的不一致。"
        )
        assert err.message("en") == (
            "The ID number says born 1949-12-31, female; that differs from what was entered."
        )

    # only the field that disagrees carries the message
    values["birthday"] = "1949-12-31"
    [err] = validate_values(values, specs).errors
    assert err.field == "gender"
    assert "male" not in err.message("zh-hans")  # the choice's label, not its stored value
