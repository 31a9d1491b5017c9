"""Scoring a pair (weights, exact rules, vetoes), scanning a data set, grouping matches. Pure."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
from stdnum.cn import ric

from dossier.matching.engine.blocking import candidate_array
from dossier.matching.engine.explain import Match, Reason
from dossier.matching.engine.forking import forked_map
from dossier.matching.engine.levels import (
    ADDRESS,
    BIRTHDAY,
    BIRTHDAY_FAR,
    CITY,
    EMAIL,
    FIELDS,
    ID_NUMBER,
    NAME,
    NAME_CLOSE,
    NAME_DIFFERS,
    NAME_EQUAL,
    PHONE,
    POSTCODE,
    NameComparison,
    compare_levels,
)
from dossier.matching.engine.model import Model, estimate, probability
from dossier.matching.engine.records import Prepared
from dossier.matching.engine.union_find import DisjointSets

#: at or above this match probability a pair is a duplicate: more likely one person than two
DEFAULT_THRESHOLD = 0.5
#: at or above this (and below the threshold) a pair is worth a person's look
POSSIBLE_THRESHOLD = 0.1
#: an exact rule lifts a pair's probability to at least this; a veto caps it at VETO_SCORE
RULE_SCORE, VETO_SCORE = 0.99, 0.01
#: a far-off birthday stops a merge unless the other fields agree beyond this evidence
#: (log2 Bayes factor: about a million to one), as when a birthday was typed over
VETO_OVERRIDE_BITS = 20.0
_DEFAULT_MODEL = Model()


class Verdict(NamedTuple):
    """What the rules make of one pair, before the explanation is written out."""

    score: float
    rule: str | None
    veto: tuple[str, dict[str, Any]] | None
    levels: tuple[int, ...]
    name: NameComparison
    address_similarity: float


def _checked_id(number: str) -> bool:
    """An ID number with a check digit that holds (身份证): a differing one is another person."""
    # the check digit alone: region codes change over the years, typos hardly keep it valid
    return (
        len(number) == 18
        and number[:17].isdigit()
        and ric.calc_check_digit(number[:17]) == number[17]
    )


#: evidence (log2 Bayes factor, all fields) above which two latin-script names that differ at
#: one address are taken for one person typed badly rather than a household
LATIN_OVERRIDE_BITS = 20.0


def _veto(
    a: Prepared,
    b: Prepared,
    levels: tuple[int, ...],
    name: NameComparison,
    rest: float,
    everything: float = 0.0,
    others: float = 0.0,
) -> tuple[str, dict[str, Any]] | None:
    """Why two records must not be merged, whatever their score; `rest` is the evidence (log2
    Bayes factor) of every field but the birthday, `others` of every field but the name."""
    if levels[BIRTHDAY] == BIRTHDAY_FAR and rest < VETO_OVERRIDE_BITS:
        return "birthday", {}
    if levels[ID_NUMBER] == 2 and _checked_id(a.id_number) and _checked_id(b.id_number):
        return "id_number", {}
    shared = [
        label
        for label, agrees in (
            (("phone", "电话"), levels[PHONE] == 0),
            (("address", "地址"), 0 <= levels[ADDRESS] <= 1),
            (("e-mail", "邮箱"), levels[EMAIL] == 0),
        )
        if agrees
    ]
    # twins and households have ID numbers of their own; one typo away is the same person's.
    # Names in characters differ reliably; latin spellings get mangled, so for them only
    # short of overwhelming agreement elsewhere
    latin = not (a.han or b.han)
    if (
        name.given_differs
        and shared
        and levels[ID_NUMBER] not in (0, 1)
        and not (latin and everything >= LATIN_OVERRIDE_BITS)
    ):
        return "household", {
            "shared": " and ".join(en for en, _ in shared),
            "shared_zh": "和".join(zh for _, zh in shared),
        }
    # latin names also change (marriage, nicknames, badly typed): what their comparison says
    # yields to overwhelming agreement of the other fields, as for households above
    name_yields = latin and others >= LATIN_OVERRIDE_BITS
    if (
        levels[NAME] == NAME_DIFFERS
        and not name_yields
        and name.complete
        and 0 not in (levels[PHONE], levels[EMAIL])
        and levels[ID_NUMBER] not in (0, 1)
        and not 0 <= levels[ADDRESS] <= 1
    ):
        return "name", {}
    agreeing = (
        levels[PHONE] == 0
        or levels[EMAIL] == 0
        or levels[ID_NUMBER] in (0, 1)
        or levels[BIRTHDAY] in (0, 1)
        or 0 <= levels[ADDRESS] <= 1
        # one postcode and a street address partly alike: not a namesake from elsewhere
        or (levels[POSTCODE] == 0 and 0 <= levels[ADDRESS] <= 2)
    )
    differing = sum(levels[f] == 2 for f in (PHONE, EMAIL, ID_NUMBER, CITY)) + (
        levels[ADDRESS] == 3
    )
    if 0 <= levels[NAME] <= NAME_CLOSE and not agreeing and differing >= 1 and not name_yields:
        return "namesake", {}
    return None


def _rule(levels: tuple[int, ...], name: NameComparison, vetoed: bool) -> str | None:
    compatible = levels[NAME] != NAME_DIFFERS and not name.given_differs
    # a changed name (marriage, a nickname, a field typed into another) still goes with the
    # same ID number when a second identifier agrees too
    if levels[ID_NUMBER] == 0 and (
        levels[NAME] != NAME_DIFFERS
        or not name.complete
        or name.surname_agrees
        or 0 in (levels[BIRTHDAY], levels[PHONE], levels[EMAIL])
    ):
        return "same_id_number"
    if vetoed:
        return None
    if levels[PHONE] == 0 and 0 <= levels[NAME] <= NAME_CLOSE and not name.given_differs:
        return "same_phone_compatible_name"
    if levels[EMAIL] == 0 and compatible:
        return "same_email"
    return None


def judge(a: Prepared, b: Prepared, model: Model) -> Verdict:
    """Score one pair: Fellegi–Sunter weights, then vetoes and exact rules."""
    levels, name, address_similarity = compare_levels(a, b)
    total = model.total(levels)
    score = probability(total)
    prior_weight = model.prior_weight  # a property that computes: asked once
    rest = total - prior_weight
    if levels[BIRTHDAY] >= 0:
        rest -= model.weights[BIRTHDAY][levels[BIRTHDAY]]
    others = total - prior_weight
    if levels[NAME] >= 0:
        others -= model.weights[NAME][levels[NAME]]
    veto = _veto(a, b, levels, name, rest, total - prior_weight, others)
    rule = _rule(levels, name, veto is not None)
    if rule is not None:
        score, veto = max(score, RULE_SCORE), None
    elif veto is not None:
        score = min(score, VETO_SCORE)
    return Verdict(score, rule, veto, levels, name, address_similarity)


def _decision(score: float, threshold: float) -> str:
    if score >= threshold:
        return "duplicate"
    return "possible" if score >= min(POSSIBLE_THRESHOLD, threshold) else "distinct"


def _values(field: str, p: Prepared) -> str:
    return p.name if field == "name" else str(getattr(p, field))


def _reasons(a: Prepared, b: Prepared, verdict: Verdict, model: Model) -> tuple[Reason, ...]:
    reasons = []
    if verdict.rule is not None:
        reasons.append(Reason(verdict.rule.split("_", 1)[1], "rule", 0.0, {"rule": verdict.rule}))
    if verdict.veto is not None:
        reasons.append(Reason(verdict.veto[0], "veto", 0.0, verdict.veto[1]))
    for f, (field, _) in enumerate(FIELDS):
        level = verdict.levels[f]
        value_a, value_b = _values(field, a), _values(field, b)
        if level < 0:
            if value_a or value_b:
                reasons.append(Reason(field, "missing", 0.0, {"a": value_a, "b": value_b}))
            continue
        weight = round(model.weights[f][level], 3)
        detail: dict[str, Any] = {"a": value_a, "b": value_b}
        outcome = (
            "equal" if level == 0 else "differs" if level == len(FIELDS[f][1]) - 1 else "similar"
        )
        if f == NAME:
            detail["via"] = verdict.name.via or "spelling"
            detail["similarity"] = round(verdict.name.similarity, 2)
            if level == NAME_EQUAL and value_a.replace(" ", "") != value_b.replace(" ", ""):
                # 張偉 / 张伟, "Wei Zhang" / "Zhang Wei": the same name written another way
                outcome = "similar"
                detail["via"] = "traditional" if a.han else (verdict.name.via or "spelling")
        elif f == ADDRESS and outcome == "similar":
            detail["similarity"] = round(verdict.address_similarity, 2)
        elif outcome == "similar":
            detail["via"] = "spelling"
            detail["similarity"] = 0.9
        reasons.append(Reason(field, outcome, weight, detail))
    return tuple(reasons)


def compare(
    a: Prepared, b: Prepared, model: Model | None = None, *, threshold: float = DEFAULT_THRESHOLD
) -> Match:
    """Compare two records: probability, decision, exact rule and explanation."""
    model = model or _DEFAULT_MODEL
    if b.id < a.id:
        a, b = b, a
    verdict = judge(a, b, model)
    return Match(
        a=a.id,
        b=b.id,
        score=verdict.score,
        decision=_decision(verdict.score, threshold),
        rule=verdict.rule,
        reasons=_reasons(a, b, verdict, model),
    )


class _Job(NamedTuple):
    """What the worker processes score or explain against (inherited when forked)."""

    prepared: Sequence[Prepared]
    model: Model
    threshold: float


_job: _Job | None = None
#: pairs per chunk sent to a worker (explaining a pair costs about ten times scoring it)
SCORE_CHUNK, EXPLAIN_CHUNK = 20_000, 4_000
#: fewer pairs than this are scored in the calling process (forking costs more)
FORK_FROM = 50_000


class Scored(NamedTuple):
    """The pairs a scan keeps (score ≥ the possible-duplicate floor), highest score first: record
    indexes (k, 2) ordered as their matches' ids (a < b), scores, and the model used."""

    pairs: np.ndarray
    scores: np.ndarray
    model: Model


def _ordered(prepared: Sequence[Prepared], i: int, j: int) -> tuple[Prepared, Prepared]:
    a, b = prepared[i], prepared[j]
    return (b, a) if b.id < a.id else (a, b)


def _score_chunk(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    assert _job is not None
    prepared, model, threshold = _job
    floor = min(POSSIBLE_THRESHOLD, threshold)
    kept: list[int] = []
    scores: list[float] = []
    for k, (i, j) in enumerate(pairs.tolist()):
        # in id order, as compare() judges it: the kept score is the match's score
        score = judge(*_ordered(prepared, i, j), model).score
        if score >= floor:
            kept.append(k)
            scores.append(score)
    return pairs[kept], np.array(scores, dtype=np.float64)


def _explain_chunk(pairs: np.ndarray) -> list[Match]:
    assert _job is not None
    prepared, model, threshold = _job
    return [
        compare(prepared[i], prepared[j], model, threshold=threshold) for i, j in pairs.tolist()
    ]


def _workers(count: int, processes: int, fork_from: int) -> int:
    return processes if count >= fork_from else 1


def score_pairs(
    prepared: Sequence[Prepared],
    *,
    model: Model | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    processes: int = 1,
) -> Scored:
    """Scan records for duplicates (blocking, scoring, rules and vetoes) without explaining:
    the kept pairs as arrays, compact enough for millions of records."""
    global _job
    pairs = candidate_array(prepared, processes=processes)
    if model is None:
        model = estimate(prepared, candidates=pairs)
    _job = _Job(prepared, model, threshold)
    try:
        chunks = np.array_split(pairs, max(1, len(pairs) // SCORE_CHUNK))
        workers = _workers(len(pairs), processes, FORK_FROM)
        parts = list(forked_map(_score_chunk, chunks, processes=workers))
    finally:
        _job = None
    kept = np.concatenate([p for p, _ in parts]) if parts else np.empty((0, 2), np.int64)
    scores = np.concatenate([s for _, s in parts]) if parts else np.empty(0, np.float64)

    def rank(k: int) -> tuple[float, str, str]:
        a, b = _ordered(prepared, int(kept[k, 0]), int(kept[k, 1]))
        return -float(scores[k]), a.id, b.id

    order = np.array(sorted(range(len(kept)), key=rank), dtype=np.int64)
    return Scored(kept[order].reshape(-1, 2), scores[order], model)


def explain(
    prepared: Sequence[Prepared],
    scored: Scored,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    processes: int = 1,
) -> Generator[Match, None, None]:
    """The explained match of every scored pair, in the scan's order, a chunk at a time (so a
    caller writing them out never holds them all); ``threshold`` as given to score_pairs."""
    global _job
    _job = _Job(prepared, scored.model, threshold)
    try:
        chunks = np.array_split(scored.pairs, max(1, len(scored.pairs) // EXPLAIN_CHUNK))
        workers = _workers(len(scored.pairs), processes, FORK_FROM // 5)
        for part in forked_map(_explain_chunk, chunks, processes=workers):
            yield from part
    finally:
        _job = None


def find_matches(
    prepared: Sequence[Prepared],
    *,
    model: Model | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    processes: int = 1,
) -> list[Match]:
    """Scan records for duplicates: blocking, scoring, rules and vetoes. Returns duplicates and
    possible duplicates (score ≥ POSSIBLE_THRESHOLD), highest score first."""
    scored = score_pairs(prepared, model=model, threshold=threshold, processes=processes)
    return list(explain(prepared, scored, threshold=threshold, processes=processes))


def match_against(
    new: Prepared,
    existing: Sequence[Prepared],
    *,
    model: Model | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """Entry-time check: the existing records the new one may duplicate, highest score first."""
    model = model or _DEFAULT_MODEL
    found = [compare(new, other, model, threshold=threshold) for other in existing]
    return sorted((m for m in found if m.decision != "distinct"), key=lambda m: -m.score)


def clusters(matches: Iterable[Match]) -> list[list[str]]:
    """Connected groups of ids (union-find over the matched pairs), each sorted."""
    sets: DisjointSets[str] = DisjointSets()
    for match in matches:
        sets.join(match.a, match.b)
    return sorted(sorted(g) for g in sets.groups().values())
