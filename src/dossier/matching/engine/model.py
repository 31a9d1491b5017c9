"""Fellegi–Sunter weights, estimated without labels by expectation–maximisation.

``u`` (how often a level occurs between two different people) is counted on random pairs,
nearly all of which are different people; ``m`` (how often it occurs for one person) and the
share of true matches among candidate pairs come from EM over the blocked pairs, as
recordlinkage's ECM and Splink do. Small data keeps the prior weights below.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dossier.matching.engine.compare import FIELDS, LEVELS, MISSING, compare_fields
from dossier.matching.engine.records import Prepared

#: prior m and u per field, by level (index 0 = differs): used until the data says otherwise
_PRIOR_M = {
    "name": (0.02, 0.04, 0.10, 0.24, 0.60),
    "birthday": (0.03, 0.07, 0.90),
    "phone": (0.25, 0.05, 0.70),
    "email": (0.25, 0.05, 0.70),
    "id_number": (0.02, 0.08, 0.90),
    "address": (0.30, 0.20, 0.50),
    "city": (0.20, 0.80),
    "postcode": (0.15, 0.85),
    "company": (0.10, 0.20, 0.70),
}
_PRIOR_U = {
    "name": (0.950, 0.040, 0.007, 0.002, 0.001),
    "birthday": (0.9960, 0.0035, 0.0005),
    "phone": (0.99990, 0.00005, 0.00005),
    "email": (0.99990, 0.00005, 0.00005),
    "id_number": (0.99990, 0.00005, 0.00005),
    "address": (0.990, 0.009, 0.001),
    "city": (0.90, 0.10),
    "postcode": (0.995, 0.005),
    "company": (0.990, 0.009, 0.001),
}
MIN_PAIRS = 500
FLOOR = 1e-6


@dataclass(frozen=True)
class Model:
    """m and u per field and level, and the share of matches among candidate pairs."""

    m: dict[str, tuple[float, ...]]
    u: dict[str, tuple[float, ...]]
    prior: float = 0.01

    def weight(self, field: str, level: int) -> float:
        """The log2 Bayes factor of a field at a level (0 when the value is missing)."""
        if level == MISSING:
            return 0.0
        return math.log2(max(self.m[field][level], FLOOR) / max(self.u[field][level], FLOOR))

    def probability(self, levels: Sequence[int]) -> tuple[float, list[float]]:
        """The match probability of a pair and each field's weight."""
        weights = [self.weight(f, lvl) for f, lvl in zip(FIELDS, levels, strict=True)]
        odds = math.log2(self.prior / (1 - self.prior)) + sum(weights)
        return 1 / (1 + 2 ** (-odds)) if odds > -60 else 0.0, weights


def default_model() -> Model:
    """The prior weights (small data, an entry check against a few candidates)."""
    return Model(m=dict(_PRIOR_M), u=dict(_PRIOR_U), prior=0.01)


def _frequencies(levels: np.ndarray, field_index: int, size: int) -> np.ndarray:
    column = levels[:, field_index]
    counts = np.bincount(column[column >= 0], minlength=size).astype(float) + 1.0
    return counts / counts.sum()


def estimate(
    prepared: Sequence[Prepared],
    pairs: Sequence[tuple[int, int]],
    *,
    max_pairs: int = 200_000,
    random_pairs: int = 50_000,
    iterations: int = 25,
    seed: int = 7,
) -> Model:
    """Weights estimated on the data itself; the priors when there is too little of it."""
    if len(pairs) < MIN_PAIRS or len(prepared) < 100:
        return default_model()
    chance = random.Random(seed)
    sample = pairs if len(pairs) <= max_pairs else chance.sample(list(pairs), max_pairs)
    blocked = np.array([compare_fields(prepared[i], prepared[j]).levels for i, j in sample])
    n = len(prepared)
    unrelated = np.array(
        [
            compare_fields(prepared[chance.randrange(n)], prepared[chance.randrange(n)]).levels
            for _ in range(random_pairs)
        ]
    )
    u = {f: tuple(_frequencies(unrelated, k, LEVELS[f])) for k, f in enumerate(FIELDS)}
    m = {f: np.array(_PRIOR_M[f]) for f in FIELDS}
    prior = 0.1
    log_u = {f: np.log(np.maximum(np.array(u[f]), FLOOR)) for f in FIELDS}
    for _ in range(iterations):
        log_m = {f: np.log(np.maximum(m[f], FLOOR)) for f in FIELDS}
        match_ll = np.full(len(blocked), math.log(prior))
        other_ll = np.full(len(blocked), math.log(1 - prior))
        for k, f in enumerate(FIELDS):
            column = blocked[:, k]
            present = column >= 0
            match_ll[present] += log_m[f][column[present]]
            other_ll[present] += log_u[f][column[present]]
        share = 1 / (1 + np.exp(np.clip(other_ll - match_ll, -50, 50)))
        prior = float(np.clip(share.mean(), 1e-4, 0.9))
        for k, f in enumerate(FIELDS):
            column = blocked[:, k]
            present = column >= 0
            weights = (
                np.bincount(column[present], weights=share[present], minlength=LEVELS[f]) + 0.5
            )
            m[f] = weights / weights.sum()
    return Model(m={f: tuple(m[f]) for f in FIELDS}, u=u, prior=prior)
