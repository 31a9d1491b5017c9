"""Customer lifetime value: BG/NBD and Gamma-Gamma fitted by maximum likelihood (pure numpy/scipy).

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") predicts how many
more purchases each customer makes; Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV")
predicts how much each spends per purchase. Both work on a per-customer summary (frequency,
recency, T, mean repeat spend) built by :func:`summarise` from raw transactions, the same
summary the lifetimes package builds with ``freq="D"`` (and ``freq_multiplier=7`` for weeks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

Unit = Literal["days", "weeks"]
DAYS_PER_UNIT: dict[str, int] = {"days": 1, "weeks": 7}
#: units per month when discounting by month (the constants lifetimes uses: 30 days, 4.345 weeks)
UNITS_PER_MONTH: dict[str, float] = {"days": 30.0, "weeks": 4.345}

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Summary:
    """Per customer: repeat purchase days, last purchase and age in ``unit``, mean repeat spend."""

    customer_ids: NDArray[Any]
    frequency: Floats
    recency: Floats
    T: Floats
    monetary_value: Floats
    unit: str = "weeks"

    def __len__(self) -> int:
        return len(self.frequency)


@dataclass(frozen=True)
class BGNBD:
    """Fitted BG/NBD: purchase rates ~ Gamma(r, alpha), drop-out probability ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma: spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, v)."""

    p: float
    q: float
    v: float
    log_likelihood: float = float("nan")


def _floats(values: ArrayLike, name: str) -> Floats:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds a missing or infinite value")
    return array


def _days(values: ArrayLike | Iterable[dt.date]) -> NDArray[np.int64]:
    try:
        array = np.asarray(values, dtype="datetime64[D]")
    except (TypeError, ValueError):
        raise ValueError(
            "dates must be dates (datetime.date, numpy datetime64 or ISO text)"
        ) from None
    if np.any(np.isnat(array)):
        raise ValueError("dates holds a missing date")
    return array.astype(np.int64)


def summarise(
    customer_ids: ArrayLike,
    dates: ArrayLike | Iterable[dt.date],
    amounts: ArrayLike,
    *,
    until: dt.date | str | None = None,
    unit: Unit = "weeks",
) -> Summary:
    """Turn transactions (one row each) into the per-customer summary the models are fitted on.

    Purchases on the same day count once (their amounts add up). ``frequency`` is the number
    of purchase days after the first, ``recency`` the time from the first purchase to the last,
    ``T`` the time from the first purchase to ``until`` (default: the last date seen), and
    ``monetary_value`` the mean spend of the repeat days (0 for a one-time buyer).
    """
    if unit not in DAYS_PER_UNIT:
        raise ValueError(f"unit must be one of {', '.join(DAYS_PER_UNIT)}, not {unit!r}")
    ids = np.asarray(customer_ids)
    days = _days(dates)
    spend = _floats(amounts, "amounts")
    if not (len(ids) == len(days) == len(spend)):
        raise ValueError("customer ids, dates and amounts must have the same length")
    if len(ids) == 0:
        raise ValueError("no transactions to summarise")
    if np.any(spend < 0):
        raise ValueError(f"amounts must not be negative (row {int(np.argmax(spend < 0))})")
    end = int(days.max()) if until is None else int(_days(np.array([until]))[0])
    if np.any(days > end):
        late = int(np.argmax(days > end))
        raise ValueError(f"row {late} is dated after the end of the period ({until})")

    try:
        unique_ids, customer = np.unique(ids, return_inverse=True)
    except TypeError:
        raise ValueError("customer ids must be all numbers or all text") from None
    customer = customer.ravel()
    order = np.lexsort((days, customer))
    customer, days, spend = customer[order], days[order], spend[order]
    # one entry per (customer, day): the first row of each run, with the run's total spend
    starts = np.flatnonzero(np.r_[True, (customer[1:] != customer[:-1]) | (days[1:] != days[:-1])])
    day_customer, day, day_spend = customer[starts], days[starts], np.add.reduceat(spend, starts)

    count = np.bincount(day_customer, minlength=len(unique_ids))
    first_at = np.r_[0, np.cumsum(count)[:-1]]  # each customer's first purchase day
    last_at = first_at + count - 1
    first, last = day[first_at], day[last_at]
    frequency = (count - 1).astype(np.float64)
    repeat_spend = np.bincount(day_customer, weights=day_spend, minlength=len(unique_ids))
    repeat_spend -= day_spend[first_at]
    monetary = np.divide(
        repeat_spend, frequency, out=np.zeros_like(repeat_spend), where=frequency > 0
    )
    scale = float(DAYS_PER_UNIT[unit])
    return Summary(
        customer_ids=unique_ids,
        frequency=frequency,
        recency=(last - first) / scale,
        T=(end - first) / scale,
        monetary_value=monetary,
        unit=unit,
    )


def _rft(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[Floats, Floats, Floats]:
    x, t_x, age = (
        _floats(frequency, "frequency"),
        _floats(recency, "recency"),
        _floats(T, "T"),
    )
    if not (len(x) == len(t_x) == len(age)):
        raise ValueError("frequency, recency and T must have the same length")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(age < 0):
        raise ValueError("frequency, recency and T must not be negative")
    if np.any(t_x > age):
        raise ValueError("recency must not exceed T (a last purchase after the end of the period)")
    return x, t_x, age


def _dot(values: Floats, weight: Floats) -> float:
    # not `@`: BLAS threads on a busy machine made the fits several times slower
    return float(np.sum(values * weight))


def _compress(*columns: Floats) -> tuple[list[Floats], Floats]:
    """Identical rows once each, with their counts as weights (day-grained data repeats a lot)."""
    rows, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype(np.float64)


def _bgnbd_terms(params: Floats, x: Floats, t_x: Floats, age: Floats) -> tuple[Floats, Floats]:
    """Per-customer log-likelihood, and the log share of its "still alive" term (gradient)."""
    r, alpha, a, b = params
    head = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.betaln(a, b + x)
        - special.betaln(a, b)
    )
    alive = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    gone = np.full_like(x, -np.inf)
    gone[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    either = np.logaddexp(alive, gone)
    return head + either, alive - either


def _bgnbd_objective(
    log_params: Floats, x: Floats, t_x: Floats, age: Floats, weight: Floats
) -> tuple[float, Floats]:
    """Minus the mean log-likelihood and its gradient with respect to the log-parameters."""
    params = np.exp(log_params)
    r, alpha, a, b = params
    ll, log_share_alive = _bgnbd_terms(params, x, t_x, age)
    share_alive = np.exp(log_share_alive)
    share_gone = 1.0 - share_alive
    repeat = x > 0
    inv_bx1 = np.zeros_like(x)
    inv_bx1[repeat] = 1.0 / (b + x[repeat] - 1)
    safe_tx = np.where(repeat, t_x, 0.0)
    d_r = (
        special.digamma(r + x)
        - special.digamma(r)
        + np.log(alpha)
        - share_alive * np.log(alpha + age)
        - share_gone * np.log(alpha + safe_tx)
    )
    d_alpha = (
        r / alpha - share_alive * (r + x) / (alpha + age) - share_gone * (r + x) / (alpha + safe_tx)
    )
    ab_shift = special.digamma(a + b) - special.digamma(a + b + x)
    d_a = ab_shift + share_gone / a
    d_b = ab_shift + special.digamma(b + x) - special.digamma(b) - share_gone * inv_bx1
    total = float(weight.sum())
    grad = np.array([_dot(w, weight) for w in (d_r, d_alpha, d_a, d_b)]) * params / total
    return -_dot(ll, weight) / total, -grad


#: bounds on the log-parameters: far beyond any real data, and where exp() stays finite
LOG_BOUND = 30.0


def _fit(
    objective: Any, start: Floats, args: tuple[Any, ...], model: str, names: tuple[str, ...]
) -> Floats:
    result = optimize.minimize(
        objective,
        start,
        args=args,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
        options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-8},
    )
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise ValueError(f"the {model} fit did not converge: {result.message}")
    for name, value in zip(names, result.x, strict=True):
        if abs(value) > LOG_BOUND - 0.5:
            way = "infinity" if value > 0 else "0"
            raise ValueError(
                f"the {model} fit has no maximum: {name} runs off to {way} "
                "(too few customers, or too alike)"
            )
    return np.exp(result.x)


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BGNBD:
    """Fit BG/NBD by maximum likelihood to the customers' frequency, recency and T."""
    x, t_x, age = _rft(frequency, recency, T)
    if len(x) == 0:
        raise ValueError("no customers to fit")
    if not np.any(x > 0):
        raise ValueError("no customer has a repeat purchase: BG/NBD cannot be fitted")
    if not np.any(age > 0):
        raise ValueError("every customer is 0 time units old: BG/NBD cannot be fitted")
    (x, t_x, age), weight = _compress(x, t_x, age)
    start = np.log([1.0, max(float(np.mean(age)), 1e-3), 1.0, 1.0])
    params = _fit(
        _bgnbd_objective, start, (x, t_x, age, weight), "BG/NBD", ("r", "alpha", "a", "b")
    )
    ll = _dot(_bgnbd_terms(params, x, t_x, age)[0], weight)
    r, alpha, a, b = (float(v) for v in params)
    return BGNBD(r=r, alpha=alpha, a=a, b=b, log_likelihood=ll)


def probability_alive(
    model: BGNBD, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> Floats:
    """P(the customer has not dropped out by T); 1 for a customer with no repeat purchase."""
    x, t_x, age = _rft(frequency, recency, T)
    return _alive(model, x, t_x, age)


def _alive(model: BGNBD, x: Floats, t_x: Floats, age: Floats) -> Floats:
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    log_odds_gone = (
        np.log(a)
        - np.log(b + np.maximum(x, 1) - 1)
        + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
    )
    return np.where(x > 0, special.expit(-log_odds_gone), 1.0)


def expected_purchases(
    model: BGNBD, t: float | ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> Floats:
    """Expected purchases in the next ``t`` time units, given each customer's history."""
    x, t_x, age = _rft(frequency, recency, T)
    return _expected(model, np.asarray(t, dtype=np.float64), x, t_x, age)


def _expected(model: BGNBD, t: Floats, x: Floats, t_x: Floats, age: Floats) -> Floats:
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    if np.any(t < 0):
        raise ValueError("the horizon t must not be negative")
    if abs(a - 1.0) < 1e-9:
        raise ValueError("the BG/NBD expectation is undefined for a = 1")
    z = t / (alpha + age + t)
    grows = 1.0 - np.exp((r + x) * np.log1p(-z)) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * grows * _alive(model, x, t_x, age)


def _gg_objective(log_params: Floats, x: Floats, m: Floats, weight: Floats) -> tuple[float, Floats]:
    params = np.exp(log_params)
    p, q, v = params
    px = p * x
    log_total = np.log(x * m + v)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_total
    )
    psi_pq = special.digamma(px + q)
    d_p = x * (psi_pq - special.digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = psi_pq - special.digamma(q) + np.log(v) - log_total
    d_v = q / v - (px + q) / (x * m + v)
    total = float(weight.sum())
    grad = np.array([_dot(g, weight) for g in (d_p, d_q, d_v)]) * params / total
    return -_dot(ll, weight) / total, -grad


def fit_gamma_gamma(frequency: ArrayLike, monetary_value: ArrayLike) -> GammaGamma:
    """Fit Gamma-Gamma by maximum likelihood to repeat buyers' mean repeat spend."""
    x, m = _floats(frequency, "frequency"), _floats(monetary_value, "monetary_value")
    if len(x) != len(m):
        raise ValueError("frequency and monetary_value must have the same length")
    if np.any(m < 0):
        raise ValueError("monetary_value must not be negative")
    keep = x > 0
    x, m = x[keep], m[keep]
    if len(x) == 0:
        raise ValueError("no customer has a repeat purchase: Gamma-Gamma cannot be fitted")
    if np.any(m == 0):
        raise ValueError("a repeat buyer has a mean spend of 0: Gamma-Gamma needs spend above 0")
    (x, m), weight = _compress(x, m)
    start = np.log([1.0, 1.0, max(float(np.mean(m)), 1e-3)])
    params = _fit(_gg_objective, start, (x, m, weight), "Gamma-Gamma", ("p", "q", "v"))
    ll = -_gg_objective(np.log(params), x, m, weight)[0] * float(weight.sum())
    p, q, v = (float(value) for value in params)
    return GammaGamma(p=p, q=q, v=v, log_likelihood=ll)


def expected_spend(model: GammaGamma, frequency: ArrayLike, monetary_value: ArrayLike) -> Floats:
    """Expected mean spend per purchase: the customer's own mean shrunk to the population's."""
    x, m = _floats(frequency, "frequency"), _floats(monetary_value, "monetary_value")
    if model.q <= 1:
        raise ValueError("the Gamma-Gamma mean is undefined for q <= 1")
    weight = model.p * x / (model.p * x + model.q - 1)
    population = model.p * model.v / (model.q - 1)
    return (1 - weight) * population + weight * m


def lifetime_value(
    bgnbd: BGNBD,
    gamma_gamma: GammaGamma,
    summary: Summary,
    *,
    months: int = 12,
    discount_rate: float = 0.01,
) -> Floats:
    """Discounted value of each customer's expected purchases over the next ``months``.

    Each month's expected purchases times the expected spend, divided by
    ``(1 + discount_rate) ** month``, as lifetimes' ``customer_lifetime_value`` does.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    if discount_rate <= -1:
        raise ValueError("discount_rate must be above -1")
    x, t_x, age = _rft(summary.frequency, summary.recency, summary.T)
    spend = expected_spend(gamma_gamma, x, summary.monetary_value)
    # the purchase forecasts depend on (x, t_x, T) only: each distinct history once
    histories, each = np.unique(np.column_stack((x, t_x, age)), axis=0, return_inverse=True)
    hx, htx, hage = histories.T
    horizons = UNITS_PER_MONTH[summary.unit] * np.arange(0, months + 1)
    cumulative = np.column_stack(
        [np.zeros_like(hx)] + [_expected(bgnbd, np.asarray(h), hx, htx, hage) for h in horizons[1:]]
    )
    discount = (1.0 + discount_rate) ** -np.arange(1, months + 1, dtype=np.float64)
    return spend * (np.diff(cumulative, axis=1) * discount).sum(axis=1)[each.ravel()]
