"""The programme's sums, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from dossier.loyalty.arithmetic import (
    CODE_ALPHABET,
    add_months,
    display_code,
    new_code,
    normalise_code,
    points_for,
    points_kept,
    points_to_expire,
)


@pytest.mark.parametrize(
    ("amount", "rate", "points"),
    [
        ("123.99", "1", 123),
        ("0.99", "1", 0),
        ("100", "0.5", 50),
        ("99.99", "2", 199),
        ("-5", "1", 0),
    ],
)
def test_points_for_an_amount_are_rounded_down(amount: str, rate: str, points: int) -> None:
    assert points_for(Decimal(amount), Decimal(rate)) == points


@pytest.mark.parametrize(
    ("still_paid", "kept"), [("200", 200), ("150", 150), ("0.01", 0), ("0", 0), ("199.99", 199)]
)
def test_points_kept_are_in_proportion_to_what_is_still_paid(still_paid: str, kept: int) -> None:
    assert points_kept(200, Decimal("200"), Decimal(still_paid)) == kept


def test_points_to_expire_never_below_nothing() -> None:
    assert points_to_expire(100, 30) == 70
    assert points_to_expire(100, 130) == 0


def test_months_are_added_to_the_same_day_or_the_months_last() -> None:
    moment = datetime(2026, 1, 31, 10, 30, tzinfo=UTC)
    assert add_months(moment, 1) == datetime(2026, 2, 28, 10, 30, tzinfo=UTC)
    assert add_months(moment, 12) == datetime(2027, 1, 31, 10, 30, tzinfo=UTC)
    assert add_months(datetime(2027, 11, 15, tzinfo=UTC), 3) == datetime(2028, 2, 15, tzinfo=UTC)


def test_codes_are_random_readable_and_read_back_as_typed() -> None:
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set(CODE_ALPHABET) & set("01OIL")
    code = next(iter(codes))
    assert normalise_code(display_code(code).lower()) == code
    assert normalise_code(" abcd-efgh ") == "ABCDEFGH"
