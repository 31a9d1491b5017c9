"""The programme's sums as plain functions (no Django): points for money, expiry, codes.

Expiry is first in, first out: points that lapse soonest are spent first. Positive entries
are lots; every negative entry (redeemed, expired, taken away) uses up the lots in order of
their expiry (lots that never lapse last). So at any moment the lots already past their
expiry are the first ones, and what is left of them to expire is their points less
everything ever spent, never below nothing: :func:`points_to_expire`.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

#: coupon codes: capitals and digits without the ones read for another (0 O, 1 I L)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12: about 59 bits, far beyond guessing through a rate-limited API


def points_for(amount: Decimal, per_unit: Decimal) -> int:
    """Points earned on ``amount`` spent, at ``per_unit`` points per unit, rounded down."""
    if amount <= 0 or per_unit <= 0:
        return 0
    return int((amount * per_unit).to_integral_value(rounding=ROUND_FLOOR))


def points_kept(earned: int, earned_on: Decimal, still_paid: Decimal) -> int:
    """What an order's ``earned`` points become once part of ``earned_on`` was paid back.

    In proportion to what is still paid, rounded down, so a refund of the whole order keeps
    nothing and the points taken back never exceed those earned.
    """
    if earned_on <= 0 or still_paid <= 0:
        return 0
    if still_paid >= earned_on:
        return earned
    kept = (Decimal(earned) * still_paid / earned_on).to_integral_value(rounding=ROUND_FLOOR)
    return int(kept)


def points_to_expire(lapsed: int, spent: int) -> int:
    """Points to expire now: the lapsed lots' points less everything spent (FIFO)."""
    return max(0, lapsed - spent)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` later; the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def new_code() -> str:
    """A coupon code nobody can guess (the system's cryptographic random source)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """A code as typed (dashes, spaces, lower case) in the form it is stored."""
    return "".join(ch for ch in str(raw).upper() if ch not in " -\t")[:32]


def display_code(code: str) -> str:
    """A code in groups of four for reading aloud: ``K7MX-Q4TA-9RHZ``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
