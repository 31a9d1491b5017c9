"""Churn risk 0–100 with its reasons, from purchase rhythm and service signals (pure numpy).

The base is the model's chance that the customer has stopped buying, ``1 − P(alive)`` of
BG/NBD, where it was fitted and the customer bought twice or more; otherwise how overdue
the next purchase is against the customer's own rhythm (one-time buyers: the repeat
buyers' median gap, or a year). Service signals add to it. Each reason that contributed is
returned as a code of :data:`REASONS`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: reason code → (English, 简体中文)
REASONS: dict[str, tuple[str, str]] = {
    "model": ("likely to have stopped buying (purchase model)", "购买模型显示很可能已停止购买"),
    "overdue": ("next purchase more than twice overdue", "下次购买已超出平时间隔两倍以上"),
    "inactive_180": ("no purchase for 180 days", "180 天未购买"),
    "complained": ("has complained", "有过投诉"),
    "open_ticket": ("service ticket still open", "有未关闭的服务工单"),
    "low_csat": ("average satisfaction below 3", "平均满意度低于 3"),
    "detractor": ("last NPS 6 or lower", "最近一次 NPS 不高于 6"),
}
POINTS = {"complained": 10, "open_ticket": 10, "low_csat": 15, "detractor": 15}


def churn_risk(
    *,
    recency_days: NDArray[np.float64],
    order_count: NDArray[np.float64],
    tenure_days: NDArray[np.float64],
    complaints: NDArray[np.float64],
    open_tickets: NDArray[np.float64],
    average_csat: NDArray[np.float64],
    last_nps: NDArray[np.float64],
    p_alive: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.int16], list[list[str]]]:
    """Risk 0–100 and reason codes of each buyer (NaN where a figure is unknown)."""
    n = len(recency_days)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(order_count >= 2, tenure_days / np.maximum(order_count - 1, 1), np.nan)
        # one-time buyers have no rhythm of their own: the repeat buyers' typical one
        typical = float(np.nanmedian(gap)) if np.isfinite(gap).any() else 365.0
        usual = np.where(np.isfinite(gap), gap, typical)
        overdue = recency_days / np.maximum(usual, 1.0)
    # on time (ratio ≤ 0.5) no risk; twice overdue 75; from about 2.3 times on, 90
    rhythm = np.clip((overdue - 0.5) * 50.0, 0.0, 90.0)
    if p_alive is not None:
        # BG/NBD holds a one-time buyer alive (P = 1) whatever the wait: rhythm for them
        modelled = np.isfinite(p_alive) & (order_count >= 2)
        base = np.where(modelled, (1.0 - np.nan_to_num(p_alive)) * 100.0, rhythm)
    else:
        base = rhythm
    flags = {
        "model": (p_alive is not None) & (base >= 50.0)
        if p_alive is not None
        else np.zeros(n, bool),
        "overdue": overdue > 2.0,
        "inactive_180": recency_days >= 180,
        "complained": complaints > 0,
        "open_ticket": open_tickets > 0,
        "low_csat": np.nan_to_num(average_csat, nan=5.0) < 3.0,
        "detractor": np.nan_to_num(last_nps, nan=10.0) <= 6.0,
    }
    extra = sum(flags[code].astype(float) * points for code, points in POINTS.items())
    risk = np.clip(np.rint(base + extra), 0, 100).astype(np.int16)
    # each customer's reasons as a bit mask; the few distinct masks decoded once each
    codes = list(REASONS)
    masks = np.zeros(n, dtype=np.int64)
    for bit, code in enumerate(codes):
        masks |= flags[code].astype(np.int64) << bit
    distinct, each = np.unique(masks, return_inverse=True)
    decoded = [[c for bit, c in enumerate(codes) if int(m) >> bit & 1] for m in distinct]
    return risk, [decoded[i] for i in each.ravel()]
