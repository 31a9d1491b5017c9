"""Lifetime value of each buyer from the kept figures, through the pure models of ``clv``.

The figures keep each customer's first and last purchase and their count, which is what
BG/NBD needs (repeat purchases, their span, the customer's age); Gamma-Gamma needs the mean
value of a purchase, taken as spend ÷ orders. When the models cannot be fitted (too few
repeat buyers), every value is NaN and the summary says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class Lifetime:
    p_alive: NDArray[np.float64]
    expected: NDArray[np.float64]
    clv: NDArray[np.float64]
    summary: dict[str, Any] = field(default_factory=dict)


def unknown(n: int, reason: str) -> Lifetime:
    nan = np.full(n, np.nan)
    return Lifetime(nan, nan.copy(), nan.copy(), {"fitted": False, "reason": reason})


def lifetime_values(
    *,
    orders: NDArray[np.float64],
    spend: NDArray[np.float64],
    first: NDArray[np.float64],
    last: NDArray[np.float64],
    now: float,
) -> Lifetime:
    """P(alive), purchases expected in the next year and 12-month CLV of each buyer."""
    return unknown(len(orders), "the purchase model is not available yet")
