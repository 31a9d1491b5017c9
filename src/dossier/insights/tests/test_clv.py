"""The CLV core: summaries, BG/NBD, Gamma-Gamma and discounted value (pure, no database)."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from dossier.insights import clv
from dossier.insights.tests import cdnow

# lifetimes 0.11.3 on the same data, for the first five CDNOW customers (x = 2, 1, 0, 0, 0)
LIFETIMES_ALIVE = [0.72660914, 0.21222739, 1.0, 1.0, 1.0]
LIFETIMES_EXPECTED_10_WEEKS = [0.35693101, 0.05820268, 0.0542101, 0.0542101, 0.0542101]
LIFETIMES_SPEND = [24.65861619, 18.91147987, 71.4628508, 18.91147987, 27.28240758]
LIFETIMES_CLV_12_MONTHS = [33.443661, 7.743565, 8.344093, 8.344093, 8.344093]


@cache
def cdnow_bgnbd() -> tuple[clv.BGNBD, list[np.ndarray]]:
    columns = cdnow.summary_columns("cdnow_customers_summary.csv", "frequency", "recency", "T")
    return clv.fit_bgnbd(*columns), columns


@cache
def cdnow_gamma_gamma() -> tuple[clv.GammaGamma, list[np.ndarray]]:
    columns = cdnow.summary_columns("cdnow_customers_summary_with_transactions.csv", "x", "zbar")
    return clv.fit_gamma_gamma(*columns), columns


def test_bgnbd_reproduces_the_published_cdnow_estimates() -> None:
    model, _columns = cdnow_bgnbd()
    for name, published in cdnow.PUBLISHED_BGNBD.items():
        assert getattr(model, name) == pytest.approx(published, rel=0.01), name
        assert getattr(model, name) == pytest.approx(published, rel=1e-3), name
    assert model.log_likelihood == pytest.approx(-9582.4, abs=0.1)  # as in the paper


def test_gamma_gamma_reproduces_the_published_cdnow_estimates() -> None:
    model, _columns = cdnow_gamma_gamma()
    for name, published in cdnow.PUBLISHED_GAMMA_GAMMA.items():
        assert getattr(model, name) == pytest.approx(published, rel=0.01), name
        assert getattr(model, name) == pytest.approx(published, rel=1e-3), name


def test_predictions_agree_with_lifetimes() -> None:
    model, (x, t_x, age) = cdnow_bgnbd()
    spend, _columns = cdnow_gamma_gamma()
    first = slice(0, 5)
    alive = clv.probability_alive(model, x[first], t_x[first], age[first])
    assert alive == pytest.approx(LIFETIMES_ALIVE, rel=1e-4)
    expected = clv.expected_purchases(model, 10, x[first], t_x[first], age[first])
    assert expected == pytest.approx(LIFETIMES_EXPECTED_10_WEEKS, rel=1e-4)
    repeat_x, zbar = cdnow.summary_columns(
        "cdnow_customers_summary_with_transactions.csv", "x", "zbar"
    )
    buyers = repeat_x > 0
    mean = clv.expected_spend(spend, repeat_x[buyers][:5], zbar[buyers][:5])
    assert mean == pytest.approx(LIFETIMES_SPEND, rel=1e-4)
    summary = clv.Summary(
        customer_ids=np.arange(5),
        frequency=x[first],
        recency=t_x[first],
        T=age[first],
        monetary_value=np.array([20.0, 30.0, 0.0, 10.0, 5.0]),
        unit="weeks",
    )
    value = clv.lifetime_value(model, spend, summary, months=12, discount_rate=0.01)
    assert value == pytest.approx(LIFETIMES_CLV_12_MONTHS, rel=1e-4)


def test_the_analytic_gradients_match_finite_differences() -> None:
    _model, (x, t_x, age) = cdnow_bgnbd()
    weight = np.ones_like(x)
    for point in ([0.1, 1.2, -0.3, 0.8], [-1.0, 2.0, 0.5, -0.2]):
        error = optimize.check_grad(
            lambda p: clv._bgnbd_objective(p, x, t_x, age, weight)[0],
            lambda p: clv._bgnbd_objective(p, x, t_x, age, weight)[1],
            np.array(point),
        )
        assert error < 1e-5
    _spend, (repeat_x, zbar) = cdnow_gamma_gamma()
    keep = repeat_x > 0
    args = (repeat_x[keep], zbar[keep], np.ones(int(keep.sum())))
    error = optimize.check_grad(
        lambda p: clv._gg_objective(p, *args)[0],
        lambda p: clv._gg_objective(p, *args)[1],
        np.array([1.5, 1.0, 2.5]),
    )
    assert error < 1e-5


def test_raw_cdnow_transactions_summarise_to_the_published_summary() -> None:
    ids, days, amounts = cdnow.transactions()
    calibration = days <= np.datetime64(cdnow.CALIBRATION_END)
    summary = clv.summarise(
        ids[calibration], days[calibration], amounts[calibration], until=cdnow.CALIBRATION_END
    )
    published_id, x, t_x, age, zbar = cdnow.summary_columns(
        "cdnow_customers_summary_with_transactions.csv", "ID", "x", "t_x", "T", "zbar"
    )
    assert list(summary.customer_ids) == list(published_id.astype(int))
    assert list(summary.frequency) == list(x)
    rounding = 0.005 + 1e-9  # the file rounds to 2 decimals
    assert np.abs(summary.recency - t_x).max() <= rounding
    assert np.abs(summary.T - age).max() <= rounding
    assert np.abs(summary.monetary_value - zbar).max() <= rounding
    model = clv.fit_bgnbd(summary.frequency, summary.recency, summary.T)
    assert model.r == pytest.approx(cdnow.PUBLISHED_BGNBD["r"], rel=0.01)
    assert model.b == pytest.approx(cdnow.PUBLISHED_BGNBD["b"], rel=0.01)


def test_summary_counts_purchase_days_and_averages_repeat_spend() -> None:
    summary = clv.summarise(
        ["ann", "bob", "ann", "ann", "ann", "cy"],
        ["2024-01-01", "2024-01-05", "2024-01-08", "2024-01-08", "2024-01-15", "2024-01-15"],
        [10.0, 7.0, 4.0, 6.0, 30.0, 2.5],
        until=dt.date(2024, 1, 29),
        unit="days",
    )
    assert list(summary.customer_ids) == ["ann", "bob", "cy"]
    assert list(summary.frequency) == [2, 0, 0]  # the two purchases of 8 January count once
    assert list(summary.recency) == [14, 0, 0]
    assert list(summary.T) == [28, 24, 14]
    assert list(summary.monetary_value) == [20.0, 0.0, 0.0]  # (4 + 6 + 30) / 2; first left out
    weeks = clv.summarise(
        ["ann", "ann"], [dt.date(2024, 1, 1), dt.date(2024, 1, 15)], [1, 2], unit="weeks"
    )
    assert (weeks.frequency[0], weeks.recency[0], weeks.T[0]) == (1, 2.0, 2.0)
    assert weeks.monetary_value[0] == 2.0


def test_a_customer_without_repeat_purchases_is_surely_alive() -> None:
    model, _columns = cdnow_bgnbd()
    alive = clv.probability_alive(model, [0, 0, 0], [0, 0, 0], [1.0, 30.0, 300.0])
    assert list(alive) == [1.0, 1.0, 1.0]
    assert clv.probability_alive(model, [3], [5.0], [300.0])[0] < 0.05


def test_predictions_move_the_right_way() -> None:
    model, _columns = cdnow_bgnbd()
    spend, _columns = cdnow_gamma_gamma()
    ages = np.linspace(20.0, 200.0, 10)
    silent = clv.probability_alive(model, [4] * 10, [20.0] * 10, ages)
    assert np.all(np.diff(silent) < 0)  # the longer the silence, the likelier gone
    recent = clv.probability_alive(model, [4] * 10, np.linspace(2.0, 38.0, 10), [39.0] * 10)
    assert np.all(np.diff(recent) > 0)
    horizons = [clv.expected_purchases(model, t, [2], [30.0], [39.0])[0] for t in (0, 5, 20, 52)]
    assert horizons[0] == 0 and np.all(np.diff(horizons) > 0)
    busy = clv.expected_purchases(model, 10, [1, 3, 6], [30.0, 30.0, 30.0], [39.0] * 3)
    assert np.all(np.diff(busy) > 0)
    mean = clv.expected_spend(spend, [1, 1, 1], [5.0, 50.0, 500.0])
    assert np.all(np.diff(mean) > 0)
    assert mean[0] > 5.0 and mean[2] < 500.0  # shrunk toward the population mean

    def value(money: float, rate: float, months: int) -> float:
        one = clv.Summary(
            np.array([1]),
            np.array([3.0]),
            np.array([30.0]),
            np.array([39.0]),
            np.array([money]),
            unit="weeks",
        )
        return float(clv.lifetime_value(model, spend, one, months=months, discount_rate=rate)[0])

    assert value(10, 0.01, 12) < value(100, 0.01, 12)
    assert value(50, 0.05, 12) < value(50, 0.01, 12) < value(50, 0.0, 12)
    assert value(50, 0.01, 6) < value(50, 0.01, 12)


def test_day_and_week_units_give_the_same_prediction() -> None:
    model, _columns = cdnow_bgnbd()
    days = clv.BGNBD(r=model.r, alpha=model.alpha * 7, a=model.a, b=model.b)
    in_weeks = clv.expected_purchases(model, 4, [2, 0], [30.0, 0.0], [38.0, 10.0])
    in_days = clv.expected_purchases(days, 28, [2, 0], [210.0, 0.0], [266.0, 70.0])
    assert in_days == pytest.approx(in_weeks, rel=1e-9)


@pytest.mark.parametrize(
    ("ids", "dates", "amounts", "until", "message"),
    [
        ([], [], [], None, "no transactions"),
        (["a"], ["2024-01-01"], [-1.0], None, "negative"),
        (["a"], ["2024-01-01"], [float("nan")], None, "missing or infinite"),
        (["a"], ["2024-01-01"], ["ten"], None, "must be numbers"),
        (["a", "b"], ["2024-01-01"], [1.0], None, "same length"),
        (["a"], ["not a date"], [1.0], None, "dates must be dates"),
        (
            np.array(["a", None], dtype=object),
            ["2024-01-01", "2024-01-02"],
            [1.0, 2.0],
            None,
            "all numbers or all text",
        ),
        (["a", "a"], ["2024-01-01", "2024-03-01"], [1.0, 2.0], "2024-02-01", "after the end"),
    ],
)
def test_summary_rejects_bad_transactions(ids, dates, amounts, until, message) -> None:
    with pytest.raises(ValueError, match=message):
        clv.summarise(ids, dates, amounts, until=until)


def test_summary_rejects_an_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unit must be one of days, weeks"):
        clv.summarise(["a"], ["2024-01-01"], [1.0], unit="months")  # type: ignore[arg-type]


def test_fits_name_what_is_missing_in_the_data() -> None:
    with pytest.raises(ValueError, match="no customer has a repeat purchase: BG/NBD"):
        clv.fit_bgnbd([0, 0], [0, 0], [5, 9])
    with pytest.raises(ValueError, match="no customers"):
        clv.fit_bgnbd([], [], [])
    with pytest.raises(ValueError, match="recency must not exceed T"):
        clv.fit_bgnbd([1, 2], [5, 12], [10, 11])
    with pytest.raises(ValueError, match="must not be negative"):
        clv.fit_bgnbd([1, -2], [5, 1], [10, 11])
    with pytest.raises(ValueError, match="no customer has a repeat purchase: Gamma-Gamma"):
        clv.fit_gamma_gamma([0, 0], [0, 0])
    with pytest.raises(ValueError, match="mean spend of 0"):
        clv.fit_gamma_gamma([1, 2], [10.0, 0.0])
    with pytest.raises(ValueError, match="must not be negative"):
        clv.fit_gamma_gamma([1, 2], [10.0, -3.0])
    with pytest.raises(ValueError, match="Gamma-Gamma fit has no maximum: p runs off to infinity"):
        clv.fit_gamma_gamma([1, 1, 0], [5.0, 5.0, 0.0])  # every repeat buyer spends alike
    model, _columns = cdnow_bgnbd()
    spend, _columns = cdnow_gamma_gamma()
    one = clv.Summary(
        np.array([1]), np.array([1.0]), np.array([2.0]), np.array([3.0]), np.array([4.0])
    )
    with pytest.raises(ValueError, match="months must be at least 1"):
        clv.lifetime_value(model, spend, one, months=0)
    with pytest.raises(ValueError, match="horizon t must not be negative"):
        clv.expected_purchases(model, -1, [1], [2.0], [3.0])


transactions = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(min_value=0, max_value=60),
        st.floats(min_value=0, max_value=1000, allow_nan=False),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(rows=transactions, extra_days=st.integers(min_value=0, max_value=30), seed=st.integers())
def test_summary_invariants(rows, extra_days, seed) -> None:
    ids = [row[0] for row in rows]
    dates = [np.datetime64("2024-01-01") + row[1] for row in rows]
    amounts = [row[2] for row in rows]
    until = max(dates) + extra_days
    summary = clv.summarise(ids, dates, amounts, until=until.astype(dt.date), unit="days")
    assert np.all((summary.recency >= 0) & (summary.recency <= summary.T))
    assert np.all(summary.recency[summary.frequency == 0] == 0)
    assert np.all(summary.monetary_value[summary.frequency == 0] == 0)
    purchase_days = {(row[0], row[1]) for row in rows}
    assert int(summary.frequency.sum() + len(summary)) == len(purchase_days)
    for i, customer in enumerate(summary.customer_ids):
        own = sorted(row[1] for row in rows if row[0] == customer)
        assert summary.T[i] == (until - np.datetime64("2024-01-01")).astype(int) - own[0]
        first_day_spend = sum(row[2] for row in rows if row[0] == customer and row[1] == own[0])
        total = sum(row[2] for row in rows if row[0] == customer)
        repeat = summary.monetary_value[i] * summary.frequency[i]
        assert repeat + first_day_spend == pytest.approx(total, rel=1e-9, abs=1e-9)
    order = np.random.default_rng(seed % 2**32).permutation(len(rows))
    shuffled = clv.summarise(
        np.array(ids)[order],
        np.array(dates)[order],
        np.array(amounts)[order],
        until=until.astype(dt.date),
        unit="days",
    )
    assert list(shuffled.frequency) == list(summary.frequency)
    assert shuffled.monetary_value == pytest.approx(summary.monetary_value, rel=1e-9, abs=1e-9)
