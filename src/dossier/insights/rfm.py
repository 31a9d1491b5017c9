"""RFM: recency, frequency and monetary scores 1–5 by quintile, and the segment they name.

Pure numpy, no Django. Scores are quintiles of the customers scored together (buyers only):
a value's score is ``1 + floor(5 × (customers with a lower value) / customers)``, so equal
values always get equal scores (a 60 % block of one-time buyers all score F = 1, rather than
being cut at random), and for recency fewer days score higher.

The segment comes from R and F (M refines nothing here but is kept for reports), first
matching row of :data:`SEGMENT_RULES` wins:

==================== ======= =======
segment              R       F
==================== ======= =======
champions            5       4–5
loyal                3–5     4–5 (R 5 is champions first)
potential_loyalist   4–5     2–3
new                  5       1
promising            4       1
need_attention       3       3
about_to_sleep       3       1–2
cant_lose            1–2     5
at_risk              1–2     3–4
lost                 1       1
hibernating          1–2     1–2 (after lost)
==================== ======= =======
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: (segment key, R scores, F scores), first match wins
SEGMENT_RULES: tuple[tuple[str, frozenset[int], frozenset[int]], ...] = (
    ("champions", frozenset({5}), frozenset({4, 5})),
    ("loyal", frozenset({3, 4, 5}), frozenset({4, 5})),
    ("potential_loyalist", frozenset({4, 5}), frozenset({2, 3})),
    ("new", frozenset({5}), frozenset({1})),
    ("promising", frozenset({4}), frozenset({1})),
    ("need_attention", frozenset({3}), frozenset({3})),
    ("about_to_sleep", frozenset({3}), frozenset({1, 2})),
    ("cant_lose", frozenset({1, 2}), frozenset({5})),
    ("at_risk", frozenset({1, 2}), frozenset({3, 4})),
    ("lost", frozenset({1}), frozenset({1})),
    ("hibernating", frozenset({1, 2}), frozenset({1, 2})),
)
#: segment key → (English, 简体中文)
SEGMENT_NAMES: dict[str, tuple[str, str]] = {
    "champions": ("Champions", "冠军客户"),
    "loyal": ("Loyal", "忠诚客户"),
    "potential_loyalist": ("Potential Loyalist", "潜力客户"),
    "new": ("New", "新客户"),
    "promising": ("Promising", "有望客户"),
    "need_attention": ("Need Attention", "需要关注"),
    "about_to_sleep": ("About To Sleep", "即将沉睡"),
    "at_risk": ("At Risk", "流失风险"),
    "cant_lose": ("Can't Lose Them", "不能失去"),
    "hibernating": ("Hibernating", "沉睡客户"),
    "lost": ("Lost", "已流失"),
}


def _segment_table() -> NDArray[np.int8]:
    """The segment index (into SEGMENT_RULES) of every (R, F) pair, R and F 1–5."""
    table = np.full((6, 6), -1, dtype=np.int8)
    for r in range(1, 6):
        for f in range(1, 6):
            for index, (_key, rs, fs) in enumerate(SEGMENT_RULES):
                if r in rs and f in fs:
                    table[r, f] = index
                    break
    if (table[1:, 1:] < 0).any():
        raise AssertionError("SEGMENT_RULES leaves an (R, F) pair without a segment")
    return table


_TABLE = _segment_table()
SEGMENT_KEYS = np.array([key for key, _r, _f in SEGMENT_RULES])


def quintile_scores(
    values: NDArray[np.float64], *, higher_is_better: bool = True
) -> NDArray[np.int8]:
    """Scores 1–5: ``1 + floor(5 × share of customers with a worse value)``; ties score alike."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    keyed = values if higher_is_better else -values
    ordered = np.sort(keyed)
    below = np.searchsorted(ordered, keyed, side="left")  # how many are strictly worse
    return (1 + (5 * below) // n).astype(np.int8)


@dataclass(frozen=True)
class RfmScores:
    r: NDArray[np.int8]
    f: NDArray[np.int8]
    m: NDArray[np.int8]
    segment: NDArray[np.str_]


def score(
    recency_days: NDArray[np.float64],
    frequency: NDArray[np.float64],
    monetary: NDArray[np.float64],
) -> RfmScores:
    """RFM scores and segment of each buyer (arrays of equal length, one item per customer)."""
    if not len(recency_days) == len(frequency) == len(monetary):
        raise ValueError("recency, frequency and monetary must have one value per customer")
    if len(recency_days) and (np.min(recency_days) < 0 or np.min(frequency) < 1):
        raise ValueError("recency must be 0 or more days and frequency 1 or more purchases")
    r = quintile_scores(np.asarray(recency_days, dtype=float), higher_is_better=False)
    f = quintile_scores(np.asarray(frequency, dtype=float))
    m = quintile_scores(np.asarray(monetary, dtype=float))
    return RfmScores(r=r, f=f, m=m, segment=SEGMENT_KEYS[_TABLE[r, f]])


def segment_of(r: int, f: int) -> str:
    """The segment of one (R, F) pair."""
    if not (1 <= r <= 5 and 1 <= f <= 5):
        raise ValueError("R and F scores are 1 to 5")
    return str(SEGMENT_KEYS[_TABLE[r, f]])
