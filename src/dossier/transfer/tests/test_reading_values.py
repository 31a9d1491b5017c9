"""Spreadsheet value pre-cleaning, with properties against the validator."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.core.fields import FieldSpec, validate_values
from dossier.transfer.reading.values import (
    ValueRefused,
    clean_boolean,
    clean_cell,
    clean_date,
    half_width,
    serial_to_datetime,
    serial_to_iso,
    to_boolean,
    to_iso_date,
)

# an independent serial count: Excel's day 61 is 1900-03-01; 1 to 59 precede its false 60
DAY_61 = datetime.date(1900, 3, 1)


@pytest.mark.parametrize(
    ("serial", "iso"),
    [
        (1, "1900-01-01"),
        (59, "1900-02-28"),
        (61, "1900-03-01"),
        (32939, "1990-03-07"),
        (45658, "2025-01-01"),
        (2958465, "9999-12-31"),
    ],
)
def test_known_excel_serials(serial: int, iso: str) -> None:
    assert serial_to_iso(serial) == iso


@pytest.mark.parametrize("serial", [60, 0, -1, 2958466, float("nan"), float("inf"), True])
def test_serials_that_are_no_date_are_refused(serial: float) -> None:
    with pytest.raises(ValueRefused):
        serial_to_iso(serial)


def test_the_1904_system_starts_on_its_own_epoch() -> None:
    assert serial_to_iso(0, epoch_1904=True) == "1904-01-01"
    assert serial_to_iso(31477, epoch_1904=True) == serial_to_iso(32939)


def test_date_time_serials_keep_their_time() -> None:
    assert serial_to_iso(32939.5, with_time=True) == "1990-03-07T12:00:00"
    assert serial_to_iso(32939.999999) == "1990-03-07"
    assert serial_to_iso(32939.999999, with_time=True) == "1990-03-08T00:00:00"
    assert serial_to_datetime(32939.25).time() == datetime.time(6, 0)


@given(st.dates(min_value=DAY_61, max_value=datetime.date(9999, 12, 31)))
def test_serials_from_day_61_count_days_from_1_march_1900(day: datetime.date) -> None:
    serial = 61 + (day - DAY_61).days
    assert serial_to_iso(serial) == day.isoformat()


@given(st.integers(1, 59))
def test_serials_before_the_false_leap_day_count_from_1_january(serial: int) -> None:
    assert (
        serial_to_iso(serial)
        == (datetime.date(1900, 1, 1) + datetime.timedelta(serial - 1)).isoformat()
    )


@given(st.integers(61, 2958465), st.integers(0, 86399))
def test_a_date_time_serial_is_its_day_plus_its_seconds(days: int, seconds: int) -> None:
    moment = serial_to_datetime(days + seconds / 86400)
    assert moment.date().isoformat() == serial_to_iso(days)
    assert (
        abs(
            (moment - datetime.datetime.fromisoformat(serial_to_iso(days))).total_seconds()
            - seconds
        )
        <= 1
    )


@pytest.mark.parametrize(
    "cell",
    [
        32939,
        32939.0,
        32939.5,
        "32939",
        "３２９３９",
        datetime.date(1990, 3, 7),
        datetime.datetime(1990, 3, 7, 0, 0),
        "1990-03-07",
        "1990年3月7日",
        "1990.3.7",
        "1990/03/07",
        "19900307",
        19900307,
        "1990/3/7 0:00:00",
        "1990-03-07 00:00",
        "１９９０年３月７日",
    ],
)
def test_every_way_a_spreadsheet_writes_a_date_reads_the_same(cell: object) -> None:
    assert to_iso_date(cell) == "1990-03-07"


@pytest.mark.parametrize("cell", ["1990", "明天", "1990-02-30", "", None, True, "1990/3/7 8:30:00"])
def test_what_is_no_date_is_refused(cell: object) -> None:
    with pytest.raises(ValueRefused):
        to_iso_date(cell)


def test_clean_date_leaves_what_the_validator_reads_or_refuses() -> None:
    # Chinese forms pass unchanged: the validator reads them; junk passes on for its reason
    assert clean_date("1990年3月7日") == "1990年3月7日"
    assert clean_date("hello") == "hello"
    assert clean_date(60) == 60


@given(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2199, 12, 31)),
    st.sampled_from(
        [
            "{y}年{m}月{d}日",
            "{y}.{m}.{d}",
            "{y}/{m:02d}/{d:02d}",
            "{y}{m:02d}{d:02d}",
            "{y}-{m}-{d} 0:00:00",
        ]
    ),
)
def test_the_validator_accepts_what_clean_date_hands_it(day: datetime.date, form: str) -> None:
    text = form.format(y=day.year, m=day.month, d=day.day)
    spec = FieldSpec("birthday", "date", "生日", "Birthday")
    result = validate_values({"birthday": clean_cell(text, "date")}, [spec])
    assert result.ok, result.errors
    assert result.clean["birthday"] == day


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("yes", True),
        ("No", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        ("✓", True),
        ("√", True),
        ("✗", False),
        ("×", False),
        ("对", True),
        ("错", False),
        ("TRUE", True),
        ("false", False),
        (True, True),
        (" ✔ ", True),
        ("Ｙ", True),
    ],
)
def test_boolean_words_and_marks(cell: object, value: bool) -> None:
    assert to_boolean(cell) is value


@pytest.mark.parametrize("cell", ["maybe", "2", 2, "", None, "是的吧", 0.5])
def test_other_booleans_are_refused(cell: object) -> None:
    with pytest.raises(ValueRefused) as refused:
        to_boolean(cell)
    assert refused.value.code == "invalid_boolean"


@given(st.text())
def test_clean_boolean_changes_only_marks(text: str) -> None:
    cleaned = clean_boolean(text)
    assert cleaned == text or isinstance(cleaned, bool)


@given(st.text())
def test_half_width_only_narrows_full_width_ascii_and_the_ideographic_space(text: str) -> None:
    narrow = half_width(text)
    assert len(narrow) == len(text)
    for before, after in zip(text, narrow, strict=True):
        if before != after:
            assert ord(before) == 0x3000 or 0xFF01 <= ord(before) <= 0xFF5E
            assert after.isascii()
    assert half_width(narrow) == narrow


def test_half_width_digits_letters_and_spaces() -> None:
    assert half_width("１３８　００１３　８０００ＡＢｃ，") == "138 0013 8000ABc,"
    assert half_width("①㎡张三") == "①㎡张三"
