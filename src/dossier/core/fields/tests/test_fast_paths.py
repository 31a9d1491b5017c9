"""The fast paths agree with the full library checks: same value, same error, same params.

Every test runs the same input twice, with the fast paths on and off, over generated input
that sits near the shapes the fast paths take (right length and wrong prefix, full-width,
spaced, +86/0086, upper-case domains, reserved names …) as well as arbitrary text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from dossier.core.fields import (
    FieldError,
    FieldSpec,
    fast,
    get_type,
    validate_rows,
    validate_values,
)
from dossier.core.fields.base import fold_width
from dossier.core.fields.cn import PROVINCE_CODES
from dossier.core.fields.fast_contact import mainland_type

AGREEMENT = settings(max_examples=400, deadline=None)
FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


@contextmanager
def fast_paths(on: bool) -> Iterator[None]:
    before = fast.ENABLED
    fast.ENABLED = on
    try:
        yield
    finally:
        fast.ENABLED = before


def outcome(type_name: str, raw: Any, spec: FieldSpec, *, on: bool) -> tuple[Any, ...]:
    """What validating ``raw`` gives: the value, or the error's code, field and params."""
    with fast_paths(on):
        try:
            return ("value", get_type(type_name).validate(raw, spec))
        except FieldError as exc:
            return ("error", exc.code, exc.field, exc.params)


def assert_agree(type_name: str, raw: Any, spec: FieldSpec) -> tuple[Any, ...]:
    quick = outcome(type_name, raw, spec, on=True)
    assert quick == outcome(type_name, raw, spec, on=False), raw
    return quick


# ---- phones ---------------------------------------------------------------------------------

PHONE_SPECS = [
    FieldSpec("phone", "phone"),
    FieldSpec("mobile", "phone", rules={"mobile_only": True}),
    FieldSpec("hk", "phone", rules={"region": "HK"}),
]


@st.composite
def phone_texts(draw: st.DrawFn) -> str:
    """Mainland-looking numbers: any prefix of 1, any length near 11, written many ways."""
    national = draw(st.sampled_from(["1", "0", "86", "861", "10", "11", "12", "179"])) + draw(
        st.text(alphabet="0123456789", min_size=7, max_size=12)
    )
    lead = draw(st.sampled_from(["", "", "+86", "+86 ", "0086", "86", "+", "00", "+1 ", "0"]))
    text = lead + national
    if draw(st.booleans()):  # separators where people put them
        cut = draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=3))
        separator = draw(st.sampled_from([" ", "-", "(", ")", ".", "\u3000", "·", "—", "/"]))
        for at in sorted(set(cut), reverse=True):
            text = text[:at] + separator + text[at:]
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return draw(st.sampled_from([text, f" {text} ", text + "x", "tel:" + text, text]))


@AGREEMENT
@given(phone_texts(), st.sampled_from(PHONE_SPECS))
@example("13800138000", PHONE_SPECS[1])
@example("+86 138 0013 8000", PHONE_SPECS[1])
@example("１３８００１３８０００", PHONE_SPECS[1])
@example("12300138000", PHONE_SPECS[1])  # no such mobile prefix
@example("11200138000", PHONE_SPECS[0])  # 112xx: a carrier prefix to the parser
@example("17951138000", PHONE_SPECS[0])
@example("01065529988", PHONE_SPECS[1])  # a Beijing landline: not a mobile
@example("008613800138000", PHONE_SPECS[0])
def test_phone_fast_path_agrees_with_phonenumbers(text: str, spec: FieldSpec) -> None:
    assert_agree("phone", text, spec)


@pytest.mark.parametrize("prefix", [f"1{n:03d}" for n in range(1000)])
def test_every_mainland_prefix_agrees(prefix: str) -> None:
    # every 4-digit start of an 11-digit number, in both spellings, with both rules
    for suffix in ("0000000", "5038127", "9999999"):
        for lead in ("", "+86"):
            for spec in PHONE_SPECS[:2]:
                assert_agree("phone", lead + prefix + suffix, spec)


@settings(max_examples=2000, deadline=None)
@given(st.integers(10**10, 2 * 10**10 - 1))
@example(13800138000)
@example(17400012345)  # the 1740[0-5] satellite block
@example(10101234567)
def test_mainland_type_is_phonenumbers_number_type(national: int) -> None:
    number = phonenumbers.PhoneNumber(country_code=86, national_number=national)
    assert mainland_type(str(national)) == phonenumbers.number_type(number)


def test_bad_phones_keep_their_error_codes() -> None:
    mobile = PHONE_SPECS[1]
    assert assert_agree("phone", "12300138000", mobile)[1] == "invalid_phone"
    assert assert_agree("phone", "010 6552 9988", mobile)[1] == "not_mobile"
    assert assert_agree("phone", "+86 138 0013 8000", mobile) == ("value", "+8613800138000")


# ---- e-mails --------------------------------------------------------------------------------

LOCAL_PARTS = st.sampled_from(
    ["user", "User.Name", "a", "x+tag", "first_last", "Info", "postmaster", "a..b", ".a",
     "a.", "zhang-san", "用户", "o'neil", "a b", "" , "ab%c", "a" * 64, "a" * 65]
)  # fmt: skip
DOMAINS = st.sampled_from(
    ["example.com", "Example.COM", "qq.com", "sub.mail.163.com", "a.b", "x.test",
     "host.local", "mail.invalid", "x.onion", "arpa", "localhost", "exa--mple.com",
     "xn--fiqs8s.cn", "-bad.com", "bad-.com", "a.123", "a.c1", "例子.中国", "a.com.",
     "a_b.com", "b" * 63 + ".com", "b" * 64 + ".com", ("c" * 60 + ".") * 4 + "com"]
)  # fmt: skip


@st.composite
def email_texts(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(alphabet="aZ09.@-_+ 　＠", max_size=30))
    text = draw(LOCAL_PARTS) + draw(st.sampled_from(["@", "@", "@@", "＠"])) + draw(DOMAINS)
    return draw(st.sampled_from([text, text.upper(), f" {text} ", text.translate(FULL_WIDTH)]))


@AGREEMENT
@given(email_texts())
@example("user.1@Example.COM")
@example("Info@example.com")  # a mailbox name the library lower-cases
@example("a@b.test")
def test_email_fast_path_agrees_with_email_validator(text: str) -> None:
    assert_agree("email", text, FieldSpec("email", "email"))


def test_bad_emails_keep_their_error_code_and_reason() -> None:
    spec = FieldSpec("email", "email")
    for text in ("user@@example.com", "user@example", "a@x.local", "a..b@example.com"):
        quick = assert_agree("email", text, spec)
        assert quick[1] == "invalid_email" and quick[3]["reason"]


# ---- 身份证 ---------------------------------------------------------------------------------


@st.composite
def id_texts(draw: st.DrawFn) -> str:
    """ID numbers near valid: any province, date, check digit; spelt as people do."""
    province = draw(st.sampled_from([*sorted(PROVINCE_CODES), "00", "99", "10"]))
    born = draw(st.dates(min_value=date(1890, 1, 1), max_value=date(2100, 1, 1)))
    birth = draw(st.sampled_from([f"{born:%Y%m%d}", f"{born:%Y}0230", f"{born:%Y}1301"]))
    first17 = province + draw(st.text("0123456789", min_size=4, max_size=4)) + birth
    first17 += draw(st.text("0123456789", min_size=3, max_size=3))
    check = draw(st.sampled_from([ric.calc_check_digit(first17 + "0"), "X", "x", "0", "5"]))
    text = draw(st.sampled_from([first17 + check, first17[:15], first17 + check + "1"]))
    if draw(st.booleans()):
        text = text[:6] + draw(st.sampled_from([" ", "-", "\u3000", "\u200b"])) + text[6:]
    return text.translate(FULL_WIDTH) if draw(st.booleans()) else text


@AGREEMENT
@given(id_texts())
def test_id_card_fast_path_agrees(text: str) -> None:
    assert_agree("cn_id_card", text, FieldSpec("id_number", "cn_id_card"))


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_folds_to_itself(text: str) -> None:
    assert fold_width(text) == unicodedata.normalize("NFKC", text) == text


# ---- template patterns (RE2) -----------------------------------------------------------------

PATTERNS = st.sampled_from(
    [r"M\d{7}", r"[A-Z]{2}-\d+", r"张.", r"(?i)vip\w*", r"\w+", r".{2,3}", r"[^a]*", r"\s?x",
     r"a|ab", r"(\d{3})-(\d{4})", r"\p{Han}+", r"[α-ω]+", r"\bx\b"]
)  # fmt: skip
PATTERN_TEXT = st.text(alphabet="M0123-张三AZvipVIPxab αω_\n\t\u00e9\U0001f600", max_size=9)


@AGREEMENT
@given(PATTERNS, PATTERN_TEXT | st.sampled_from(["M0001234", "张三", "VIP_9", "ab", "123-4567"]))
def test_pattern_rule_agrees_on_bytes_and_text(pattern: str, text: str) -> None:
    assert_agree("text", text, FieldSpec("code", "text", rules={"regex": pattern}))


# ---- numbers, yes/no, dates, choices ----------------------------------------------------------

NUMBERISH = st.sampled_from(
    ["0", "-0", "+12", "007", "1,234", "１２", "999999999999999", "1000000000000000", "12.0",
     "1e3", " 42 ", "4 2", "٣", "是", "Y", "yes", "TRUE", "True", "ｙｅｓ", "否", "N", "0.5",
     "2024-05-01", "2024/5/1", "1990年3月7日", "19900307", "2024-02-30", "1899-12-31", "2024-5-1 ",
     "2024年2月30日", "2024年13月1日", "0000-01-01", "２０２４-05-01", "2024年05月01日",
     "2024-05-01\n", "1990年3月7", "2200-01-01"]
)  # fmt: skip
OTHER_SPECS = [
    FieldSpec("points", "integer", rules={"min_value": 0, "max_value": 10**6}),
    FieldSpec("count", "integer"),
    FieldSpec("vip", "boolean"),
    FieldSpec("joined", "date", rules={"min_value": "2000-01-01", "max_value": "today"}),
    FieldSpec("born", "date"),
    FieldSpec("level", "choice", rules={"choices": ["a", "A", {"value": "b", "label_en": "A"}]}),
    FieldSpec(
        "gender",
        "choice",
        rules={"choices": [{"value": "male", "label_zh": "男", "label_en": "Male"}, "unknown"]},
    ),
    FieldSpec("hobbies", "multi_choice", rules={"choices": ["run", "read"], "max_items": 1}),
]


@AGREEMENT
@given(
    NUMBERISH | st.text(max_size=12) | st.integers() | st.booleans() | st.none(),
    st.sampled_from(OTHER_SPECS),
)
def test_number_date_and_choice_fast_paths_agree(raw: Any, spec: FieldSpec) -> None:
    assert_agree(spec.type, raw, spec)


# ---- whole rows ---------------------------------------------------------------------------------

# the shape of a member template: kind and name required, a gender and birthday that an ID
# number implies, a join date that must not be before the birthday
ROW_SPECS = [
    FieldSpec("kind", "choice", required=True, default="person", rules={"choices": ["person"]}),
    FieldSpec("display_name", "text", required=True, rules={"max_length": 200}),
    FieldSpec("gender", "choice", rules={"choices": ["male", "female", "unknown"]}),
    FieldSpec("birthday", "date", rules={"max_value": "today"}),
    FieldSpec("email", "email"),
    FieldSpec("city", "text", rules={"max_length": 50}),
    FieldSpec("phone", "phone", required=True, rules={"mobile_only": True}),
    FieldSpec("id_number", "cn_id_card", classification="sensitive", unique=True),
    FieldSpec("member_no", "text", unique=True, rules={"regex": r"M\d{7}"}),
    FieldSpec("points", "integer", rules={"min_value": 0}),
    FieldSpec("vip", "boolean", default=False),
    FieldSpec("joined", "date", rules={"not_less_than": "birthday"}),
    FieldSpec("note", "long_text"),
]
ROW_KEYS = [spec.key for spec in ROW_SPECS]
row_values = (
    phone_texts() | email_texts() | id_texts() | NUMBERISH | st.text(max_size=8) | st.none()
)
rows = st.dictionaries(st.sampled_from([*ROW_KEYS, "unknown"]), row_values, max_size=14)


def _row_outcome(values: dict[str, Any], on: bool, apply_defaults: bool) -> tuple[Any, ...]:
    with fast_paths(on):
        result = validate_values(values, ROW_SPECS, apply_defaults=apply_defaults, row=3)
    return result.clean, [(e.field, e.code, e.params, e.row) for e in result.errors]


@AGREEMENT
@given(rows, st.booleans())
def test_prepared_rows_agree_with_the_general_path(values: dict[str, Any], defaults: bool) -> None:
    assert _row_outcome(values, True, defaults) == _row_outcome(values, False, defaults)


@settings(max_examples=50, deadline=None)
@given(st.lists(rows, max_size=5))
def test_validate_rows_agrees_with_the_general_path(batch: list[dict[str, Any]]) -> None:
    def run(on: bool) -> list[Any]:
        with fast_paths(on):
            results = validate_rows(batch, ROW_SPECS)
        return [(r.row, r.clean, [(e.field, e.code, e.params) for e in r.errors]) for r in results]

    assert run(True) == run(False)


def test_specs_with_a_repeated_key_take_the_general_path() -> None:
    specs = [FieldSpec("a", "integer"), FieldSpec("a", "text", required=True)]
    values = {"a": "12"}
    with fast_paths(True):
        quick = validate_values(values, specs)
    with fast_paths(False):
        full = validate_values(values, specs)
    assert quick.clean == full.clean == {"a": "12"}
    assert quick.errors == full.errors == []
