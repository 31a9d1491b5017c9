"""Lifetime value of each buyer from the kept figures, through the pure models of ``clv``.

The figures keep each customer's first and last purchase and how many purchases they made,
which is what BG/NBD needs, in weeks: repeat purchases (orders − 1), the span from first to
last purchase, and the customer's age since the first. Two differences from a fit on raw
transactions, accepted for a nightly refresh that reads one row per customer: two orders on
one day count as two purchases, and Gamma-Gamma's mean purchase value is spend ÷ orders
(the first order included). When the models cannot be fitted (too few repeat buyers, data
too uniform), every value is NaN and the summary says why; the churn risk then falls back
to the purchase rhythm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dossier.insights import clv

DAY = 86400.0
HORIZON_WEEKS = 52.0
MONTHS = 12
MONTHLY_DISCOUNT = 0.01
#: fewer repeat buyers than this and the models are not fitted (their estimates would be noise)
MIN_REPEAT_BUYERS = 20


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
    """P(alive), purchases expected in the next 52 weeks and 12-month CLV of each buyer."""
    n = len(orders)
    frequency = np.maximum(orders - 1.0, 0.0)
    repeat = frequency > 0
    if int(repeat.sum()) < MIN_REPEAT_BUYERS:
        return unknown(n, f"fewer than {MIN_REPEAT_BUYERS} repeat buyers")
    # whole days, as a fit on dated transactions sees them: customers with the same history
    # then share one term of the likelihood (the fit weighs each distinct history once)
    recency = np.round(np.maximum(last - first, 0.0) / DAY) / 7.0
    age = np.round(np.maximum(now - first, 0.0) / DAY) / 7.0
    recency = np.minimum(recency, age)
    mean_value = np.where(orders > 0, spend / np.maximum(orders, 1.0), 0.0)
    summary = clv.Summary(
        customer_ids=np.arange(n),
        frequency=frequency,
        recency=recency,
        T=age,
        monetary_value=mean_value,
        unit="weeks",
    )
    try:
        bgnbd = clv.fit_bgnbd(frequency, recency, age)
        paying = repeat & (mean_value > 0)
        gamma_gamma = clv.fit_gamma_gamma(frequency[paying], mean_value[paying])
        alive = clv.probability_alive(bgnbd, frequency, recency, age)
        expected = clv.expected_purchases(bgnbd, HORIZON_WEEKS, frequency, recency, age)
        value = clv.lifetime_value(
            bgnbd, gamma_gamma, summary, months=MONTHS, discount_rate=MONTHLY_DISCOUNT
        )
    except ValueError as error:  # data the models cannot describe: say so, score the rest
        return unknown(n, str(error))
    return Lifetime(
        alive,
        expected,
        np.where(np.isfinite(value), value, np.nan),
        {
            "fitted": True,
            "bgnbd": {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b},
            "gamma_gamma": {"p": gamma_gamma.p, "q": gamma_gamma.q, "v": gamma_gamma.v},
            "buyers": n,
            "repeat_buyers": int(repeat.sum()),
            "unit": "weeks",
        },
    )
