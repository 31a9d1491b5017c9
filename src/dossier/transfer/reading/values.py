"""Pre-cleaning what a spreadsheet adds before the one validator sees a value.

The validator (:mod:`dossier.core.fields`) already folds full-width characters (NFKC) in
dates, numbers and phones; turns +86 / 0086 / separators into E.164; reads dates written
1990-03-07, 1990/3/7, 1990.3.7, 1990年3月7日 and 19900307; and reads 是/否/Y/N/yes/no/1/0/
对/true/false as booleans. None of that is repeated here. What spreadsheets add is:
dates stored as serial numbers (and Excel's invented 1900-02-29), dates with a midnight
time tacked on ("1990/3/7 0:00:00"), tick marks for booleans, and integral floats.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from dossier.core.fields import FieldSpec, get_type
from dossier.core.fields.base import FieldError
from dossier.core.fields.dates import parse_date_text

#: the largest serial Excel shows as a date (9999-12-31)
MAX_SERIAL = 2_958_465
_EPOCH_1900 = datetime(1899, 12, 31)  # serial 1 is 1900-01-01 ...
_EPOCH_1900_AFTER_BUG = datetime(1899, 12, 30)  # ... and from 61 on, one day less
_EPOCH_1904 = datetime(1904, 1, 1)
# as text only five digits (1927-05-18 … 2173-10-14) count as a serial: "1990" is a year
_SERIAL_TEXT = re.compile(r"^\d{5}(\.\d+)?$")
_MIDNIGHT = re.compile(r"\s+0{1,2}:00(:00(\.0+)?)?$")
_TRUE_MARKS = frozenset("✓✔√☑☒✅")
_FALSE_MARKS = frozenset("✗✘×☐❌错")
_HALF = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


class ValueRefused(ValueError):
    """A cell that cannot be what its column asks for; ``code`` names the reason."""

    def __init__(self, code: str, value: Any) -> None:
        super().__init__(f"{code}: {value!r}")
        self.code = code
        self.value = value


def half_width(text: str) -> str:
    """Full-width ASCII (Ａ１，) and the ideographic space to half-width; nothing else.

    Narrower than NFKC (which also rewrites ① or ㎡): for keys and headers where only
    the IME's width should not matter.
    """
    return text.translate(_HALF)


def serial_to_datetime(serial: float, *, epoch_1904: bool = False) -> datetime:
    """An Excel serial as the date-time Excel shows for it.

    In the 1900 system Excel counts a 29 February 1900 that never was (serial 60, kept
    from Lotus 1-2-3): serials 1–59 are 1900-01-01…1900-02-28, 61 is 1900-03-01. Serial
    60 and anything outside 1…2958465 is refused. Times are rounded to the second.
    """
    if isinstance(serial, bool) or not math.isfinite(serial):
        raise ValueRefused("invalid_serial", serial)
    low = 0 if epoch_1904 else 1
    if not low <= serial < MAX_SERIAL + 1:
        raise ValueRefused("serial_out_of_range", serial)
    days = math.floor(serial)
    if not epoch_1904 and days == 60:
        raise ValueRefused("serial_not_a_date", serial)
    seconds = round((serial - days) * 86400)
    epoch = _EPOCH_1904 if epoch_1904 else _EPOCH_1900 if days < 60 else _EPOCH_1900_AFTER_BUG
    return epoch + timedelta(days=days, seconds=seconds)


def serial_to_iso(serial: float, *, with_time: bool = False, epoch_1904: bool = False) -> str:
    """ISO date (or date-time) of an Excel serial; see :func:`serial_to_datetime`."""
    moment = serial_to_datetime(serial, epoch_1904=epoch_1904)
    if with_time:
        return moment.isoformat()
    # the day Excel shows: 23:59:59.9 rounds up to the next second, not the next day
    return serial_to_datetime(math.floor(serial), epoch_1904=epoch_1904).date().isoformat()


def clean_date(cell: Any) -> Any:
    """A date cell as an ISO date where a spreadsheet hid it; other values unchanged.

    Serial numbers (32939, 32939.5, "32939"; as text five digits only) and text with a midnight time
    ("1990/3/7 0:00:00") become "1990-03-07"; date and datetime cells become their ISO
    date. Anything else (including 1990年3月7日, which the validator reads) passes on,
    so the validator gives the reason if it is no date.
    """
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int) and 10_000_000 <= cell <= 99_999_999:
        return str(cell)  # 19900307 typed as a number: the validator reads the text
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        try:
            return serial_to_iso(cell)
        except ValueRefused:
            return cell
    if isinstance(cell, str):
        text = half_width(cell).strip()
        if _SERIAL_TEXT.match(text):
            try:
                return serial_to_iso(float(text))
            except ValueRefused:
                return cell
        stripped = _MIDNIGHT.sub("", text)
        if stripped != text and parse_date_text(stripped) is not None:
            return stripped
    return cell


def to_iso_date(cell: Any) -> str:
    """The ISO date of a cell or :class:`ValueRefused`: :func:`clean_date`, then the
    validator's own date reading (Chinese forms included)."""
    cleaned = clean_date(cell)
    parsed = parse_date_text(cleaned) if isinstance(cleaned, str) else None
    if parsed is None:
        raise ValueRefused("invalid_date", cell)
    return parsed.isoformat()


def clean_boolean(cell: Any) -> Any:
    """Tick and cross marks (✓ √ ✗ × 错) as True/False; other values unchanged, for the
    validator (是/否, Y/N, yes/no, 1/0, 对, true/false) to read or refuse."""
    if isinstance(cell, str):
        text = cell.strip()
        if text in _TRUE_MARKS:
            return True
        if text in _FALSE_MARKS:
            return False
    return cell


_BOOLEAN_SPEC = FieldSpec("value", "boolean", "值", "Value")


def to_boolean(cell: Any) -> bool:
    """A cell as a bool or :class:`ValueRefused`: :func:`clean_boolean`, then the
    validator's boolean words."""
    try:
        return bool(get_type("boolean").parse(clean_boolean(cell), _BOOLEAN_SPEC))
    except FieldError:
        raise ValueRefused("invalid_boolean", cell) from None


def clean_cell(cell: Any, field_type: str) -> Any:
    """What the import hands the validator for a cell of a column of ``field_type``."""
    if field_type == "date":
        return clean_date(cell)
    if field_type == "boolean":
        return clean_boolean(cell)
    if isinstance(cell, time | timedelta):
        return str(cell)
    return cell
