"""The Fellegi–Sunter model: m and u per comparison level, a prior, and its EM estimate. Pure.

u (how often two different people agree at a level) comes from random pairs of the data, m
(how often one person's two records do) and the prior from expectation–maximisation on the
blocked candidate pairs with u held fixed — the way Splink trains. Both are pulled towards
sane defaults by pseudo-counts, so a handful of records still gives a usable model.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dossier.matching.engine.levels import (
    ADDRESS,
    BIRTHDAY,
    BIRTHDAY_FAR,
    EMAIL,
    FIELDS,
    ID_NUMBER,
    NAME,
    NAME_ONE_PART,
    PHONE,
    compare_levels,
    one_part_possible,
)
from dossier.matching.engine.records import Prepared

# fmt: off
DEFAULT_M: tuple[tuple[float, ...], ...] = (
    (0.70, 0.05, 0.02, 0.13, 0.07, 0.02, 0.01),  # name
    (0.92, 0.04, 0.02, 0.02),               # birthday
    (0.80, 0.04, 0.16),                     # phone
    (0.80, 0.05, 0.15),                     # email
    (0.95, 0.03, 0.02),                     # id_number
    (0.60, 0.15, 0.10, 0.15),               # address
    (0.85, 0.03, 0.12),                     # city
    (0.95, 0.05),                           # province
    (0.85, 0.05, 0.10),                     # postcode
)
DEFAULT_U: tuple[tuple[float, ...], ...] = (
    (0.001, 0.0002, 0.001, 0.004, 0.03, 0.02, 0.9438),
    (0.0003, 0.005, 0.03, 0.9647),
    (0.0001, 0.001, 0.9989),
    (0.0001, 0.0005, 0.9994),
    (0.00001, 0.0005, 0.99949),
    (0.0005, 0.002, 0.03, 0.9675),
    (0.05, 0.01, 0.94),
    (0.2, 0.8),
    (0.01, 0.05, 0.94),
)
# fmt: on
#: the chance that two records picked at random are one customer, before any data says
#: otherwise (a few thousand records, a few percent of them duplicated)
DEFAULT_PRIOR = 1e-4
#: the share of blocked candidate pairs that are matches, where EM starts
CANDIDATE_PRIOR = 0.1
#: how many pairs' worth of weight the defaults carry against the data
M_PSEUDO_PAIRS, U_PSEUDO_PAIRS = 20.0, 2000.0
#: fewer candidate pairs than this and EM is not run: the defaults stand for m and the prior
MIN_EM_PAIRS = 50
EM_ROUNDS = 30


@dataclass(frozen=True)
class Model:
    """m and u probabilities per field and level, and the prior match share of candidates."""

    m: tuple[tuple[float, ...], ...] = DEFAULT_M
    u: tuple[tuple[float, ...], ...] = DEFAULT_U
    prior: float = DEFAULT_PRIOR
    #: log2(m/u) per field and level, derived
    weights: tuple[tuple[float, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = tuple(
            tuple(math.log2(mi / ui) for mi, ui in zip(ms, us, strict=True))
            for ms, us in zip(self.m, self.u, strict=True)
        )
        object.__setattr__(self, "weights", table)

    @property
    def prior_weight(self) -> float:
        """log2 of the prior odds."""
        return math.log2(self.prior / (1.0 - self.prior))

    def total(self, levels: Sequence[int]) -> float:
        """log2 posterior odds of a pair with these levels."""
        weights = self.weights
        return self.prior_weight + sum(
            weights[f][level] for f, level in enumerate(levels) if level >= 0
        )


def probability(log2_odds: float) -> float:
    """Posterior probability from log2 odds."""
    if log2_odds > 60:
        return 1.0
    if log2_odds < -60:
        return 0.0
    return 1.0 / (1.0 + 2.0 ** (-log2_odds))


def _level_matrix(prepared: Sequence[Prepared], pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    rows = [compare_levels(prepared[i], prepared[j])[0] for i, j in pairs]
    return np.array(rows, dtype=np.int8).reshape(len(rows), len(FIELDS))


def _trainable(prepared: Sequence[Prepared], pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Level rows of the candidate pairs no veto rules out: households and twins (shared
    phone or address, other given names) and far-off birthdays are a third kind of pair that
    a two-class EM would otherwise take for matches."""
    rows = []
    for i, j in pairs:
        levels, name, _ = compare_levels(prepared[i], prepared[j])
        shared = levels[PHONE] == 0 or 0 <= levels[ADDRESS] <= 1 or levels[EMAIL] == 0
        household = name.given_differs and shared and levels[ID_NUMBER] not in (0, 1)
        if not household and levels[BIRTHDAY] != BIRTHDAY_FAR:
            rows.append(levels)
    return np.array(rows, dtype=np.int8).reshape(len(rows), len(FIELDS))


def _frequencies(
    matrix: np.ndarray, weights: np.ndarray, pseudo: float, default: Sequence[Sequence[float]]
) -> tuple[tuple[float, ...], ...]:
    """Weighted level frequencies per field, with `pseudo` pairs' worth of the defaults."""
    result = []
    for f, (_, level_names) in enumerate(FIELDS):
        column = matrix[:, f].astype(np.int64)
        present = column >= 0
        counts = np.bincount(column[present], weights=weights[present], minlength=len(level_names))
        prior = np.asarray(default[f]) * pseudo
        shares = (counts + prior) / (counts.sum() + pseudo)
        result.append(tuple(float(max(s, 1e-9)) for s in shares))
    return tuple(result)


def _one_part_u(
    u: tuple[tuple[float, ...], ...],
    prepared: Sequence[Prepared],
    pairs: Sequence[tuple[int, int]],
    levels: np.ndarray,
) -> tuple[tuple[float, ...], ...]:
    """u of "one part of the name alike" among the pairs that can reach it (latin names of two
    parts). Over all pairs, names in characters (which never reach it) would make sharing a
    part look rarer, and so stronger evidence, than it is where it happens."""
    able = np.array([one_part_possible(prepared[i], prepared[j]) for i, j in pairs], dtype=bool)
    hits = float(np.count_nonzero(levels[able, NAME] == NAME_ONE_PART)) if len(pairs) else 0.0
    default = DEFAULT_U[NAME][NAME_ONE_PART]
    share = (hits + default * U_PSEUDO_PAIRS) / (int(able.sum()) + U_PSEUDO_PAIRS)
    row = tuple(share if i == NAME_ONE_PART else v for i, v in enumerate(u[NAME]))
    return (row, *u[1:])


def _random_pairs(n: int, count: int, rng: random.Random) -> list[tuple[int, int]]:
    if n < 2:
        return []
    if n * (n - 1) // 2 <= count:
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < count:
        i, j = rng.randrange(n), rng.randrange(n)
        if i != j:
            pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def estimate(
    prepared: Sequence[Prepared],
    *,
    max_pairs: int = 100_000,
    seed: int = 0,
    candidates: np.ndarray | None = None,
) -> Model:
    """A model fitted to the data itself, unsupervised: u from random pairs, m and the prior by
    EM on up to `max_pairs` blocked candidate pairs. Few records → mostly the defaults."""
    from dossier.matching.engine.blocking import candidate_array

    rng = random.Random(seed)
    random_pairs = _random_pairs(len(prepared), max_pairs, rng)
    random_levels = _level_matrix(prepared, random_pairs)
    u = _frequencies(random_levels, np.ones(len(random_levels)), U_PSEUDO_PAIRS, DEFAULT_U)
    u = _one_part_u(u, prepared, random_pairs, random_levels)
    if candidates is None:
        candidates = candidate_array(prepared)
    candidate_count = len(candidates)
    if len(candidates) > max_pairs:
        chosen = np.random.default_rng(seed).choice(len(candidates), max_pairs, replace=False)
        candidates = candidates[np.sort(chosen)]
    n = len(prepared)
    all_pairs = max(n * (n - 1) // 2, 1)
    if len(candidates) < MIN_EM_PAIRS:
        # a few percent of the records duplicated: about 0.1 / n of all pairs match
        return Model(m=DEFAULT_M, u=u, prior=min(max(0.1 / max(n, 1), 1e-7), 0.01))
    matrix = _trainable(prepared, [(int(i), int(j)) for i, j in candidates])
    m, share = DEFAULT_M, CANDIDATE_PRIOR
    for _ in range(EM_ROUNDS):
        posterior = _posteriors(matrix, Model(m=m, u=u, prior=share))
        # The name's m stays at its default: what one person's names look like (pinyin,
        # traditional, typos) is a property of the matcher; left to EM, pairs agreeing on
        # birthday and city would teach it that one customer's names often differ.
        m = (DEFAULT_M[0], *_frequencies(matrix, posterior, M_PSEUDO_PAIRS, DEFAULT_M)[1:])
        share = float(
            (posterior.sum() + CANDIDATE_PRIOR * M_PSEUDO_PAIRS) / (len(posterior) + M_PSEUDO_PAIRS)
        )
        share = min(max(share, 1e-4), 0.99)
    # The prior of a pair is the share of all pairs that match: the matches EM found among
    # the candidates (blocking lets through nearly all of them) over every pair there is.
    prior = share * candidate_count / all_pairs
    m = _with_default_level(m, BIRTHDAY, BIRTHDAY_FAR)
    return Model(m=m, u=u, prior=float(min(max(prior, 1e-9), 0.5)))


def _with_default_level(
    m: tuple[tuple[float, ...], ...], f: int, level: int
) -> tuple[tuple[float, ...], ...]:
    """m with one level of one field set back to its default, the others scaled to fill the
    rest. EM trains without far-off birthdays (see _trainable), so it cannot learn how often
    one person's records have them: left alone it would be the pseudo-counts' crumb, a
    birthday typed over would weigh like ten thousand to one against a match."""
    kept = DEFAULT_M[f][level]
    others = sum(share for i, share in enumerate(m[f]) if i != level)
    row = tuple(
        kept if i == level else share * (1.0 - kept) / others for i, share in enumerate(m[f])
    )
    return (*m[:f], row, *m[f + 1 :])


def _posteriors(matrix: np.ndarray, model: Model) -> np.ndarray:
    odds = np.full(len(matrix), model.prior_weight)
    for f in range(len(FIELDS)):
        table = np.asarray((*model.weights[f], 0.0))  # index -1 (missing) weighs nothing
        odds += table[matrix[:, f]]
    return 1.0 / (1.0 + np.exp2(-np.clip(odds, -60, 60)))
