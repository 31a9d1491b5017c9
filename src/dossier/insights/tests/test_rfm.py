"""RFM scores and segments on hand-built customers (pure: no database)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.insights.rfm import SEGMENT_NAMES, SEGMENT_RULES, quintile_scores, score, segment_of


def test_ten_customers_split_into_quintiles_of_two() -> None:
    values = np.array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], dtype=float)
    assert quintile_scores(values).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(values, higher_is_better=False).tolist() == [
        5,
        5,
        4,
        4,
        3,
        3,
        2,
        2,
        1,
        1,
    ]


def test_equal_values_score_alike_even_when_they_are_most_customers() -> None:
    # six one-time buyers of ten: all F = 1, not cut in two at random
    frequency = np.array([1, 1, 1, 1, 1, 1, 2, 3, 5, 8], dtype=float)
    assert quintile_scores(frequency).tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]


@pytest.mark.parametrize(
    ("r", "f", "segment"),
    [
        (5, 5, "champions"),
        (5, 4, "champions"),
        (4, 5, "loyal"),
        (3, 4, "loyal"),
        (5, 3, "potential_loyalist"),
        (4, 2, "potential_loyalist"),
        (5, 1, "new"),
        (4, 1, "promising"),
        (3, 3, "need_attention"),
        (3, 1, "about_to_sleep"),
        (3, 2, "about_to_sleep"),
        (2, 5, "cant_lose"),
        (1, 5, "cant_lose"),
        (2, 4, "at_risk"),
        (1, 3, "at_risk"),
        (1, 1, "lost"),
        (2, 1, "hibernating"),
        (1, 2, "hibernating"),
    ],
)
def test_the_segment_of_each_r_and_f(r: int, f: int, segment: str) -> None:
    assert segment_of(r, f) == segment


def test_every_segment_of_the_table_has_a_name_in_both_languages() -> None:
    assert {key for key, _r, _f in SEGMENT_RULES} == set(SEGMENT_NAMES)
    assert all(en and zh for en, zh in SEGMENT_NAMES.values())


def test_hand_built_customers_land_in_their_segments() -> None:
    # a: bought yesterday, often, much; b: long ago, often, much; c: yesterday, once;
    # d: long ago, once; e: middling
    recency = np.array([1, 400, 2, 500, 100], dtype=float)
    frequency = np.array([12, 10, 1, 1, 3], dtype=float)
    monetary = np.array([9000, 8000, 50, 30, 600], dtype=float)
    scores = score(recency, frequency, monetary)
    assert scores.r.tolist() == [5, 2, 4, 1, 3]
    assert scores.f.tolist() == [5, 4, 1, 1, 3]
    assert scores.segment.tolist() == [
        "champions",
        "at_risk",
        "promising",
        "lost",
        "need_attention",
    ]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="one value per customer"):
        score(np.array([1.0]), np.array([1.0, 2.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="frequency 1 or more"):
        score(np.array([1.0]), np.array([0.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="1 to 5"):
        segment_of(0, 3)


@given(st.lists(st.integers(0, 50), min_size=1, max_size=60))
def test_scores_are_1_to_5_ordered_with_the_values_and_equal_for_equal_values(
    values: list[int],
) -> None:
    array = np.array(values, dtype=float)
    scores = quintile_scores(array)
    assert scores.min() >= 1 and scores.max() <= 5
    for i in range(len(values)):
        for j in range(len(values)):
            if values[i] <= values[j]:
                assert scores[i] <= scores[j]
    if len(set(values)) >= 5 and len(values) == len(set(values)):
        assert scores.max() == 5 and scores.min() == 1
