"""Churn risk and its reasons on hand-built buyers (pure: no database)."""

from __future__ import annotations

import numpy as np

from dossier.insights.churn import churn_risk

NAN = np.nan


def _risk(**columns: list[float]) -> tuple[list[int], list[list[str]]]:
    n = len(columns["recency_days"])
    base = {k: [0.0] * n for k in ("complaints", "open_tickets")}
    base |= {"average_csat": [NAN] * n, "last_nps": [NAN] * n}
    arrays = {k: np.array(v, dtype=float) for k, v in (base | columns).items()}
    risk, reasons = churn_risk(**arrays)
    return risk.tolist(), reasons


def test_a_buyer_on_rhythm_is_safe_and_one_twice_overdue_is_at_risk() -> None:
    # both buy every 30 and 45 days; one bought 10 days ago, the other 120
    risk, reasons = _risk(recency_days=[10, 120], order_count=[5, 5], tenure_days=[120, 180])
    assert risk[0] == 0 and reasons[0] == []
    assert risk[1] >= 90 and "overdue" in reasons[1]


def test_one_time_buyers_are_measured_against_the_repeat_buyers_typical_gap() -> None:
    risk, _ = _risk(recency_days=[10, 20, 300], order_count=[4, 1, 1], tenure_days=[90, 20, 300])
    assert risk[1] < 50 < risk[2]


def test_service_signals_add_to_the_risk_and_are_named() -> None:
    risk, reasons = _risk(
        recency_days=[10, 10],
        order_count=[5, 5],
        tenure_days=[120, 120],
        complaints=[0, 2],
        open_tickets=[0, 1],
        average_csat=[NAN, 2.0],
        last_nps=[9, 4],
    )
    assert risk == [0, 50]
    assert reasons[1] == ["complained", "open_ticket", "low_csat", "detractor"]


def test_the_purchase_model_sets_the_base_where_it_was_fitted() -> None:
    risk, reasons = _risk(
        recency_days=[10, 10], order_count=[5, 5], tenure_days=[120, 120], p_alive=[0.2, NAN]
    )
    assert risk == [80, 0] and "model" in reasons[0] and reasons[1] == []


def test_risk_stays_within_0_and_100() -> None:
    risk, _ = _risk(
        recency_days=[5000], order_count=[20], tenure_days=[5010], complaints=[9],
        open_tickets=[9], average_csat=[1.0], last_nps=[0],
    )  # fmt: skip
    assert risk == [100]
