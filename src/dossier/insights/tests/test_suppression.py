"""Analysts' small-group suppression: a rate never tells a part that its count hides."""

from __future__ import annotations

import pytest

from dossier.insights.report_tables import Report
from dossier.insights.reports import suppressed


@pytest.mark.parametrize("key", ["repurchase", "cohorts", "churn_trend"])
def test_a_share_of_a_large_whole_is_hidden_with_its_small_part(key: str) -> None:
    # month, whole (≥ 5), part, share of the whole
    rows = [["2026-01", 200, 3, 1.5], ["2026-02", 200, 80, 40.0], ["2026-03", 200, 0, 0.0]]
    if key == "churn_trend":  # month, scored, at high risk, share %, mean risk
        rows = [[*row, 31.0] for row in rows]
    report = Report(key, "t", ["m", "whole", "part", "share"], rows)
    hidden = suppressed(report).rows
    assert hidden[0][2] is None and hidden[0][3] is None  # 1.5% of 200 would tell the 3
    assert hidden[1][1:4] == [200, 80, 40.0]
    assert hidden[2][1:4] == [200, 0, 0.0]  # none is not a small group of someone


def test_a_share_of_a_small_whole_is_hidden_with_it() -> None:
    report = Report("repurchase", "t", ["m", "b", "r", "%"], [["2026-01", 4, 4, 100.0]])
    assert suppressed(report).rows[0][1:] == [None, None, None]
