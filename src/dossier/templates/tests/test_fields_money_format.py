"""Amounts typed as people write them: ¥, full-width digits and thousands separators."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dossier.core.fields import FieldError, FieldSpec, get_type
from dossier.core.fields.numbers import display_money


def clean(type_name: str, raw: str) -> object:
    return get_type(type_name).validate(raw, FieldSpec("x", type_name))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("¥1,234.50", Decimal("1234.50")),
        ("1,234.5", Decimal("1234.50")),
        ("￥1,234", Decimal("1234.00")),
        ("１，２３４．５", Decimal("1234.50")),
        ("-¥12,345,678.9", Decimal("-12345678.90")),
        ("1,234元", Decimal("1234.00")),
    ],
)
def test_money_accepts_yen_and_thousands_separators(raw: str, expected: Decimal) -> None:
    assert clean("money", raw) == expected


@pytest.mark.parametrize("raw", ["1,2,3", "12,34", "1.234,5", ",123", "1234,567", "1,23.4"])
@pytest.mark.parametrize("type_name", ["money", "decimal", "integer"])
def test_misplaced_separators_are_refused_not_read_as_another_number(
    type_name: str, raw: str
) -> None:
    with pytest.raises(FieldError):
        clean(type_name, raw)


def test_decimal_and_integer_accept_thousands_separators_but_no_yen() -> None:
    assert clean("decimal", "1,234.5") == Decimal("1234.5")
    assert clean("integer", "1,234,567") == 1234567
    with pytest.raises(FieldError):
        clean("decimal", "¥1,234")


@pytest.mark.parametrize(
    ("stored", "currency", "shown"),
    [
        ("1234567.50", "CNY", "¥1,234,567.50"),
        ("0.00", "", "¥0.00"),
        ("-1234.50", "CNY", "-¥1,234.50"),
        ("12.00", "usd", "USD 12.00"),
        ("not a number", "CNY", "not a number"),
    ],
)
def test_display_money(stored: str, currency: str, shown: str) -> None:
    assert display_money(stored, currency) == shown
