"""The scan's large-data path: scored pairs, explanations in chunks, forked workers.

Worker processes are forced on small sets by lowering the sizes from which they are used, so
these tests check that forking changes nothing, not how fast it is.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from dossier.matching.engine import (
    POSSIBLE_THRESHOLD,
    Model,
    Person,
    blocking,
    compare,
    explain,
    find_matches,
    prepare,
    prepare_many,
    records,
    scan,
    score_pairs,
)
from dossier.matching.engine.blocking import candidate_array

SURNAMES = ["张", "李", "王", "刘", "欧阳", "Zhang", "Li"]
GIVEN = ["伟", "娜", "芳", "静", "丽", "Wei", "Na"]


def _people(count: int, seed: int = 7) -> list[Person]:
    """Customers typed several times over, with near-misses of name, phone and birthday."""
    rng = random.Random(seed)
    people = []
    for n in range(count):
        base = n // 3  # about three records a person
        surname, given = SURNAMES[base % len(SURNAMES)], GIVEN[(base // 7) % len(GIVEN)]
        phone = f"139{base:08d}"
        if rng.random() < 0.2:
            phone = phone[:-1] + str(rng.randrange(10))
        people.append(
            Person(
                id=f"r{count - n:05d}",  # ids run against the list order
                name=f"{surname}{given}" if rng.random() < 0.7 else f"{given} {surname}",
                phone=phone if rng.random() < 0.8 else "",
                birthday=f"19{60 + base % 30}-0{1 + base % 9}-1{base % 10}",
                city=rng.choice(["北京", "上海", ""]),
                postcode=rng.choice(["100000", "200000", ""]),
            )
        )
    return people


# two records whose judged score depends on which comes first, their ids against list order
ORDER_DEPENDENT = [
    Person(
        id="2",
        name="汪林",
        phone="19966338093",
        email="simalin3762@gmail.com",
        address="南开区人民路16号24栋3单元601室",
        city="天津",
        province="天津",
        postcode="300310",
    ),
    Person(
        id="1",
        name="林文琳",
        phone="19440313302",
        birthday="1990-01-12",
        address="和平区东风路280号15栋6单元2703室",
        city="天津",
        province="天津",
        postcode="300310",
    ),
]


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes from a handful of records and pairs on."""
    monkeypatch.setattr(records, "PREPARE_FORK_FROM", 10)
    monkeypatch.setattr(records, "PREPARE_CHUNK", 37)
    monkeypatch.setattr(blocking, "CHUNK", 50)
    monkeypatch.setattr(scan, "FORK_FROM", 10)
    monkeypatch.setattr(scan, "SCORE_CHUNK", 40)
    monkeypatch.setattr(scan, "EXPLAIN_CHUNK", 7)


def _rows(matches: list) -> list[tuple]:  # type: ignore[type-arg]
    return [
        (m.a, m.b, m.score, m.decision, m.rule, tuple((r.field, r.outcome) for r in m.reasons))
        for m in matches
    ]


def test_forked_workers_prepare_and_scan_exactly_as_one_process(forking: None) -> None:
    people = _people(400)
    alone = [prepare(p) for p in people]
    assert prepare_many(people, processes=2) == alone
    assert np.array_equal(candidate_array(alone, processes=2), candidate_array(alone))
    one = find_matches(alone, processes=1)
    two = find_matches(alone, processes=2)
    assert len(one) > 50
    assert _rows(two) == _rows(one)


def test_scored_pairs_are_explained_as_compare_explains_them() -> None:
    prepared = [prepare(p) for p in _people(240)]
    model = Model()
    scored = score_pairs(prepared, model=model)
    matches = list(explain(prepared, scored))
    assert len(matches) == len(scored.pairs) > 20
    for (i, j), score, match in zip(scored.pairs.tolist(), scored.scores, matches, strict=True):
        assert match == compare(prepared[i], prepared[j], model)
        assert match.score == score
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_the_scan_keeps_exactly_the_candidates_compare_puts_above_the_floor() -> None:
    # ids against list order: the scan must judge each pair as compare() does (in id order),
    # or a pair whose score depends on the order is kept below the floor, or missed above it
    people = [*_people(300), *ORDER_DEPENDENT]
    prepared = [prepare(p) for p in people]
    model, threshold = Model(), 0.001
    floor = min(POSSIBLE_THRESHOLD, threshold)
    expected = set()
    for i, j in candidate_array(prepared).tolist():
        match = compare(prepared[i], prepared[j], model, threshold=threshold)
        if match.score >= floor:
            expected.add((match.a, match.b))
    found = find_matches(prepared, model=model, threshold=threshold)
    assert {(m.a, m.b) for m in found} == expected
    assert all(m.decision != "distinct" for m in found)
