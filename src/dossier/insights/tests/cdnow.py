"""The CDNOW data shipped in the lifetimes wheel (a dev dependency), read without importing it."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pytest

#: Fader, Hardie & Lee (2005): BG/NBD on the CDNOW sample (weeks), Gamma-Gamma on its spend
PUBLISHED_BGNBD = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
PUBLISHED_GAMMA_GAMMA = {"p": 6.2488, "q": 3.7446, "v": 15.4477}
CALIBRATION_END = dt.date(1997, 9, 30)  # 39 weeks after 1997-01-01


def datasets() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the CDNOW data comes with lifetimes: pip install -e '.[dev]'")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets"


def summary_columns(name: str, *columns: str) -> list[np.ndarray]:
    """Columns of one of the CDNOW summary CSV files, as arrays of floats."""
    with (datasets() / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [np.array([float(row[column]) for row in rows]) for column in columns]


def transactions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CDNOW_sample.txt: customer id, purchase day and amount of each of its 6,919 rows."""
    ids, days, amounts = [], [], []
    for line in (datasets() / "CDNOW_sample.txt").read_text(encoding="ascii").splitlines():
        _original, customer, day, _quantity, amount = line.split()
        ids.append(int(customer))
        days.append(f"{day[:4]}-{day[4:6]}-{day[6:]}")
        amounts.append(float(amount))
    return np.array(ids), np.array(days, dtype="datetime64[D]"), np.array(amounts)
