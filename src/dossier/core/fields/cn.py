"""Chinese identifiers: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from dossier.core.fields import fast
from dossier.core.fields.base import FieldError, FieldSpec, FieldType, as_text, fold_width, register
from dossier.core.fields.masking import mask_id_number

#: province-level prefixes of GB/T 2260, plus 83 (Taiwan residents' residence permits)
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


# spaces of every width, zero-width spaces and dashes (ASCII, Unicode and full-width) that
# people and office software put between the groups of an identifier
_IDENTIFIER_SEPARATORS = re.compile(
    r"[\s\u200b\u2060\ufeff\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]"
)


def compact_identifier(text: str) -> str:
    """An identifier as written (full-width, spaced, dashed, lower-case) in its compact form."""
    if fast.ENABLED and text.isascii() and text.isalnum():  # nothing to fold or remove
        return text.upper()
    return _IDENTIFIER_SEPARATORS.sub("", fold_width(text)).upper()


def parse_id_card(raw: str, *, today: date | None = None) -> tuple[str, date]:
    """Check an 18-character ID number; return it compacted (upper-case X) and the birth date.

    Checks the format, the province prefix, the birth date and the check digit. Unlike
    ``stdnum.cn.ric.validate`` it does not reject a district code created after the birth
    date: people are issued their ID where they live at the time.
    Raises FieldError with a bare code (the caller places it on a field).
    """
    number = compact_identifier(raw)
    if len(number) == 15 and number.isdigit():
        raise FieldError("id_card_old_format")
    if len(number) != 18:
        raise FieldError("id_card_length", length=len(number))
    # isdigit() alone would let through other scripts' digits (e.g. Arabic-Indic) and ①
    if not (
        number.isascii() and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")
    ):
        raise FieldError("id_card_format")
    if number[:2] not in PROVINCE_CODES:
        raise FieldError("id_card_province", prefix=number[:2])
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise FieldError("id_card_birth_date", value=number[6:14]) from None
    if born.year < 1900 or born > (today or date.today()):
        raise FieldError("id_card_birth_date", value=number[6:14])
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise FieldError("id_card_checksum", expected=expected)
    return number, born


def id_card_gender(number: str) -> str:
    """'male' or 'female' from the sequence digit of an 18-character ID number."""
    return "male" if int(number[16]) % 2 else "female"


class _ChineseIdentifier(FieldType):
    """A national identifier: personal at least, found by its exact value, masked like an ID."""

    search_by = frozenset({"exact"})
    minimum_classification = "personal"
    widget = "text"
    identifying = True

    def mask(self, value: Any) -> Any:
        return mask_id_number(str(value))

    def lookup_form(self, value: Any) -> str:
        return str(value).upper()


@register
class ChineseIdCard(_ChineseIdentifier):
    name = "cn_id_card"
    label = ("身份证号", "ID card number")

    def parse(self, raw: Any, spec: FieldSpec) -> str:
        try:
            number, _ = parse_id_card(as_text(raw, spec))
        except FieldError as exc:
            raise exc.at(spec=spec) from None
        return number

    def derive(self, value: str) -> dict[str, Any]:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        return {"birthday": born, "gender": id_card_gender(value)}


@register
class ChineseCreditCode(_ChineseIdentifier):
    name = "cn_uscc"
    label = ("统一社会信用代码", "Unified social credit code")

    def parse(self, raw: Any, spec: FieldSpec) -> str:
        code = compact_identifier(as_text(raw, spec))
        try:
            return str(uscc.validate(code))
        except stdnum_errors.InvalidLength:
            raise FieldError("uscc_length", spec=spec, length=len(code)) from None
        except stdnum_errors.InvalidChecksum:
            raise FieldError("uscc_checksum", spec=spec) from None
        except stdnum_errors.ValidationError:
            raise FieldError("uscc_format", spec=spec) from None
