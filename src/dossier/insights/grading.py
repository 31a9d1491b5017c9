"""Grades A–D by value (spend) and potential (lifetime value), per template scenario.

A buyer gets the best grade whose spend threshold *or* lifetime-value threshold they reach,
D otherwise. Thresholds come from ``settings.DOSSIER_GRADE_THRESHOLDS``: a scenario's own, or
``"*"`` for every other scenario (see :data:`DEFAULT_THRESHOLDS`). Pure numpy.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

#: grade → (minimum spend, minimum lifetime value), best grade first
Thresholds = Mapping[str, tuple[float, float]]
DEFAULT_THRESHOLDS: dict[str, dict[str, tuple[float, float]]] = {
    "*": {"A": (20000.0, 20000.0), "B": (5000.0, 5000.0), "C": (1000.0, 1000.0)},
    "b2b_account": {"A": (500000.0, 500000.0), "B": (100000.0, 100000.0), "C": (20000.0, 20000.0)},
}


def check_thresholds(thresholds: Mapping[str, Thresholds]) -> None:
    """ValueError naming the scenario and grade whose thresholds are not A ≥ B ≥ C ≥ 0."""
    for scenario, grades in thresholds.items():
        if set(grades) != {"A", "B", "C"}:
            raise ValueError(f"grade thresholds of {scenario}: give A, B and C")
        for column in (0, 1):
            try:
                a, b, c = (float(grades[g][column]) for g in "ABC")
            except (TypeError, ValueError, IndexError) as error:
                raise ValueError(
                    f"grade thresholds of {scenario}: each grade takes [spend, lifetime value]"
                ) from error
            if not a >= b >= c >= 0:
                raise ValueError(f"grade thresholds of {scenario}: need A ≥ B ≥ C ≥ 0")


def grades(
    spend: NDArray[np.float64], clv: NDArray[np.float64], thresholds: Thresholds
) -> NDArray[np.str_]:
    """The grade of each buyer (NaN lifetime value: graded by spend alone)."""
    value = np.nan_to_num(clv, nan=-1.0)
    found = np.full(len(spend), "D", dtype="<U1")
    for grade in ("C", "B", "A"):  # better grades overwrite
        min_spend, min_clv = thresholds[grade]
        found[(spend >= min_spend) | (value >= min_clv)] = grade
    return found
