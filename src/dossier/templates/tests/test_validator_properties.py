"""Properties of the validator over generated input (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from dossier.core.fields import FieldSpec, get_type, validate_rows, validate_values
from dossier.core.fields.cn import PROVINCE_CODES
from dossier.templates.core_fields import CORE_FIELDS

PROPERTIES = settings(max_examples=200, deadline=None)

SPECS = [
    *CORE_FIELDS,
    FieldSpec("member_no", "text", "会员号", "Member no", unique=True, rules={"regex": r"M\d{6}"}),
    FieldSpec("note", "long_text", "备注", "Note"),
    FieldSpec("id_number", "cn_id_card", "身份证号", "ID number", classification="sensitive"),
    FieldSpec("credit_code", "cn_uscc", "信用代码", "Credit code"),
    FieldSpec("mobile", "phone", "手机", "Mobile", required=True, rules={"mobile_only": True}),
    FieldSpec("points", "integer", "积分", "Points", rules={"min_value": 0, "max_value": 10**6}),
    FieldSpec("ratio", "decimal", "比例", "Ratio", rules={"places": 3}),
    FieldSpec("spent", "money", "消费", "Spent", rules={"min_value": 0}),
    FieldSpec("vip", "boolean", "贵宾", "VIP", default=False),
    FieldSpec("joined", "date", "入会", "Joined", rules={"min_value": "2000-01-01"}),
    FieldSpec("seen", "datetime", "最近到访", "Last seen"),
    FieldSpec("site", "url", "网址", "Website"),
    FieldSpec("level", "choice", "等级", "Level", default="a", rules={"choices": ["a", "b", "c"]}),
    FieldSpec(
        "hobbies",
        "multi_choice",
        "爱好",
        "Hobbies",
        rules={
            "choices": [{"value": "run", "label_zh": "跑步", "label_en": "Running"}, "read"],
            "max_items": 2,
        },
    ),
]
KEYS = [spec.key for spec in SPECS]

# JSON-ish values, plus strings that look like what the fields expect
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "13800138000",
            "+86 138 0013 8000",
            "010-65529988",
            "11010519491231002X",
            "91110000600037341L",
            "¥1,234.5",
            "2024年5月1日",
            "2024-05-01 14:30",
            "a、b",
            "跑步,read",
            "example.com",
            "http://[x",
            "zhang@example.com",
            "M123456",
            "是",
            "NaN",
            "１３８００１３８０００",
        ]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
field_keys = st.sampled_from(KEYS) | st.text(min_size=1, max_size=12)
value_maps = st.dictionaries(field_keys, json_values, max_size=12)


def _check_errors(errors: list[Any], row: int | None = None) -> None:
    for err in errors:
        assert err.field, err
        assert err.code, err
        assert err.row == row
        for language in ("en", "zh-hans"):
            message = err.message(language)
            assert isinstance(message, str)
            assert message.strip()
            assert "{" not in message or "{" in str(err.params) + err.field
            data = err.as_dict(language)
            assert data["field"] == err.field
            assert data["code"] == err.code
            assert data["message"] == message


@PROPERTIES
@given(value_maps)
def test_validate_values_never_raises_and_errors_are_readable(values: dict[str, Any]) -> None:
    result = validate_values(values, SPECS)
    _check_errors(result.errors)
    assert set(result.clean) <= set(KEYS)
    for key in values:
        if key not in KEYS:
            assert any(e.field == key and e.code == "unknown_field" for e in result.errors)


# ---- generated valid phones, ID numbers and credit codes -------------------------------------

MOBILE_PREFIXES = ["130", "133", "135", "136", "138", "139", "150", "152", "158", "186", "188"]


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """A Chinese mobile number in some everyday spelling, and its E.164 form."""
    national = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(
        st.text(alphabet="0123456789", min_size=8, max_size=8)
    )
    spelling = draw(
        st.sampled_from(
            [
                national,
                f"{national[:3]} {national[3:7]} {national[7:]}",
                f"{national[:3]}-{national[3:7]}-{national[7:]}",
                f"+86 {national}",
                f"0086{national}",
                f"86{national}",
                national.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            ]
        )
    )
    return spelling, "+86" + national


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """A valid 18-character ID number (any district digits, a real birth date)."""
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    district = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date.today() - timedelta(days=1)))
    sequence = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    first17 = f"{province}{district}{born:%Y%m%d}{sequence}"
    return first17 + ric.calc_check_digit(first17 + "0")


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = draw(st.text(alphabet="0123456789", min_size=8, max_size=8)) + draw(
        st.text(alphabet=alphabet, min_size=9, max_size=9)
    )
    return first17 + uscc.calc_check_digit(first17)


@PROPERTIES
@given(mobiles())
def test_generated_mobiles_normalise_and_round_trip(case: tuple[str, str]) -> None:
    spelling, e164 = case
    spec = FieldSpec("mobile", "phone", rules={"mobile_only": True})
    kind = get_type("phone")
    assert kind.validate(spelling, spec) == e164
    assert kind.validate(e164, spec) == e164


@PROPERTIES
@given(id_numbers(), st.booleans())
def test_generated_id_numbers_round_trip_and_derive(number: str, lower: bool) -> None:
    spec = FieldSpec("id_number", "cn_id_card")
    kind = get_type("cn_id_card")
    clean = kind.validate(number.lower() if lower else number, spec)
    assert clean == number
    assert kind.validate(clean, spec) == clean
    derived = kind.derive(clean)
    assert derived["birthday"].strftime("%Y%m%d") == number[6:14]
    assert derived["gender"] == ("male" if int(number[16]) % 2 else "female")


@PROPERTIES
@given(id_numbers(), st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_changing_one_digit_of_an_id_number_is_caught(number: str, at: int, delta: int) -> None:
    changed = number[:at] + str((int(number[at]) + delta) % 10) + number[at + 1 :]
    result = validate_values({"id": changed}, [FieldSpec("id", "cn_id_card")])
    assert [e.code for e in result.errors] != []


@PROPERTIES
@given(credit_codes())
def test_generated_credit_codes_round_trip(code: str) -> None:
    spec = FieldSpec("credit_code", "cn_uscc")
    kind = get_type("cn_uscc")
    assert kind.validate(code.lower(), spec) == code
    assert kind.validate(code, spec) == code


# separators people and office software put between groups, and full-width forms
SEPARATORS = [" ", "  ", "-", "\t", "\u00a0", "\u3000", "\u200b", "－", "‐", "–", "—", "−"]


@st.composite
def written_as_people_write(draw: st.DrawFn, code: str) -> str:
    """``code`` with separators inserted anywhere, some characters full-width, some lower-case."""
    out = []
    for char in code:
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(SEPARATORS)))
        if draw(st.booleans()):
            char = chr(ord(char) + 0xFEE0)  # the full-width form of an ASCII digit or letter
        if draw(st.booleans()):
            char = char.lower()
        out.append(char)
    if draw(st.booleans()):
        out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


@PROPERTIES
@given(st.data(), credit_codes())
def test_credit_codes_written_with_spaces_dashes_and_widths_normalise(
    data: st.DataObject, code: str
) -> None:
    written = data.draw(written_as_people_write(code))
    result = validate_values({"credit_code": written}, [FieldSpec("credit_code", "cn_uscc")])
    assert result.errors == []
    assert result.clean["credit_code"] == code


@PROPERTIES
@given(st.data(), id_numbers())
def test_id_numbers_written_with_spaces_dashes_and_widths_normalise(
    data: st.DataObject, number: str
) -> None:
    written = data.draw(written_as_people_write(number))
    result = validate_values({"id": written}, [FieldSpec("id", "cn_id_card")])
    assert result.errors == []
    assert result.clean["id"] == number


# ---- rows ------------------------------------------------------------------------------------


@PROPERTIES
@given(st.lists(value_maps, max_size=5))
def test_validate_rows_matches_validate_values_row_by_row(rows: list[dict[str, Any]]) -> None:
    results = validate_rows(rows, SPECS)
    assert [r.row for r in results] == list(range(1, len(rows) + 1))
    for number, (values, result) in enumerate(zip(rows, results, strict=True), start=1):
        single = validate_values(values, SPECS)
        assert result.clean == single.clean
        assert [(e.field, e.code) for e in result.errors] == [
            (e.field, e.code) for e in single.errors
        ]
        _check_errors(result.errors, row=number)
        assert all(e.as_dict()["row"] == number for e in result.errors)


# inputs each field may well accept, so most generated rows are valid
PLAUSIBLE: dict[str, list[Any]] = {
    "gender": ["男", "female", "Unknown"],
    "birthday": ["1990-01-02", "1990年1月2日", "19900102"],
    "phone": ["13800138000", "010-6552 9988", "+852 6123 4567"],
    "email": ["Zhang@Example.com", "li@例子.中国"],
    "province": ["北京", " 广东 "],
    "address": ["朝阳区建国路88号"],
    "source": ["门店", "web", "Mini program"],
    "lifecycle": ["线索", "active"],
    "member_no": ["M123456"],
    "note": ["多行\n备注"],
    "id_number": ["11010519491231002x", "110115198001011230"],
    "credit_code": ["91110000600037341l"],
    "points": [0, "1,000", 999999.0],
    "ratio": ["0.125", 2, 0.5],
    "spent": ["¥1,234.5", 0, "12元"],
    "vip": ["是", False, 1],
    "joined": ["2024/5/1", "２０２４年５月１日"],
    "seen": ["2024-05-01 14:30", "2024-05-01T06:30:00Z", "1900-01-01 09:00"],
    "site": ["example.com", "http://例子.中国/a"],
    "level": ["b", "C"],
    "hobbies": ["跑步、read", ["read"], "Running"],
}
plausible_rows = st.fixed_dictionaries(
    {
        "display_name": st.text(min_size=1, max_size=20).filter(str.strip),
        "mobile": mobiles().map(lambda case: case[0]),
    },
    optional={key: st.sampled_from(options) for key, options in PLAUSIBLE.items()},
)


@PROPERTIES
@given(plausible_rows | value_maps)
def test_clean_values_validate_again_to_themselves(values: dict[str, Any]) -> None:
    result = validate_values(values, SPECS)
    if not result.ok:
        return
    again = validate_values(result.clean, SPECS)
    assert again.errors == []
    assert again.clean == result.clean
    # the stored (JSON) form validates to the same values as well
    stored = {
        spec.key: get_type(spec.type).to_storage(result.clean[spec.key])
        for spec in SPECS
        if result.clean[spec.key] is not None
    }
    assert validate_values(stored, SPECS).clean == result.clean
