"""Finding duplicates: blocking, scoring with rules and vetoes, explained matches, groups."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from dossier.matching.engine.compare import FIELDS, MISSING, Comparison, Reason, compare_fields
from dossier.matching.engine.model import Model, default_model, estimate
from dossier.matching.engine.records import Prepared

#: a pair at or above this match probability is a duplicate; between POSSIBLE and it, a
#: candidate for review
DEFAULT_THRESHOLD = 0.9
POSSIBLE = 0.5
#: a block bigger than this (a shared switchboard number, a common name) is not compared
#: pair by pair: the other keys still bring its true duplicates together
MAX_BLOCK = 200
#: log2 odds of a match above which a differing birthday or ID number no longer vetoes it
OVERRIDE_BITS = 12.0
_INDEX = {f: k for k, f in enumerate(FIELDS)}


@dataclass(frozen=True)
class Match:
    """A compared pair: probability, decision, the exact rule that fired, the explanation."""

    a: str
    b: str
    score: float
    decision: str  # duplicate | possible | distinct
    rule: str | None
    reasons: tuple[Reason, ...]


def blocking_keys(record: Prepared) -> tuple[str, ...]:
    """The keys that put a record in the same block as its likely duplicates."""
    sorted_name = "".join(sorted(record.syllables))
    keys = [
        f"i{record.id_number}" if len(record.id_number) >= 5 else "",
        f"p{record.phone}" if len(record.phone) >= 7 else "",
        f"e{record.email}" if record.email else "",
        f"n{sorted_name}" if sorted_name else "",
        f"h{record.han}" if len(record.han) >= 2 else "",
        f"b{record.birthday}{sorted_name[:1]}" if record.birthday else "",
        f"c{record.postcode}{record.surname[:2]}" if record.postcode else "",
        f"d{record.birthday}{record.postcode[:2]}" if record.birthday and record.postcode else "",
        f"l{record.email_local}" if len(record.email_local) >= 5 else "",
    ]
    return tuple(keys)


def candidate_pairs(prepared: Sequence[Prepared]) -> Iterator[tuple[int, int]]:
    """Index pairs sharing a blocking key, each once; work grows with the records, not their
    square, as long as blocks stay small."""
    keys = [blocking_keys(r) for r in prepared]
    width = len(keys[0]) if keys else 0
    for position in range(width):
        blocks: dict[str, list[int]] = defaultdict(list)
        for index, record_keys in enumerate(keys):
            if record_keys[position]:
                blocks[record_keys[position]].append(index)
        for members in blocks.values():
            if len(members) < 2 or len(members) > MAX_BLOCK:
                continue
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    if not _seen_before(keys[i], keys[j], position):
                        yield i, j


def _seen_before(a: tuple[str, ...], b: tuple[str, ...], position: int) -> bool:
    return any(a[p] and a[p] == b[p] for p in range(position))


def _level(comparison: Comparison, field: str) -> int:
    return comparison.levels[_INDEX[field]]


def _veto(comparison: Comparison, odds: float, chinese: bool) -> Reason | None:
    name = _level(comparison, "name")
    # a differing birthday or ID number outweighs anything short of overwhelming agreement
    # elsewhere (a mistyped ID beside equal name, address, postcode and birthday)
    if odds < OVERRIDE_BITS:
        if _level(comparison, "birthday") == 0:
            return Reason("birthday", "veto", 0.0)
        if _level(comparison, "id_number") == 0:
            return Reason("id_number", "veto", 0.0)
    shared = [f for f in ("phone", "address") if _level(comparison, f) == 2]
    # Chinese names differ reliably: another name at the same phone or address is another
    # member of the household (twins too); latin spellings may be mangled, so only short of
    # overwhelming agreement
    if shared and name == 0 and (chinese or odds < OVERRIDE_BITS):
        return Reason("household", "veto", 0.0, {"shared": tuple(shared)})
    return None


def _rule(comparison: Comparison) -> str | None:
    name = _level(comparison, "name")
    if _level(comparison, "id_number") == 2 and name != 0:
        return "same_id_number"
    if _level(comparison, "phone") == 2 and name >= 2:
        return "same_phone_compatible_name"
    if _level(comparison, "email") == 2 and name != 0:
        return "same_email"
    return None


def _outcome(field: str, level: int) -> str:
    top = {"name": 4, "city": 1, "postcode": 1}.get(field, 2)
    if level == top or (field == "name" and level == 3):
        return "equal"
    return "similar" if level > 0 else "differs"


def score_pair(a: Prepared, b: Prepared, model: Model, threshold: float) -> Match:
    """One pair compared: probability, decision and explanation."""
    comparison = compare_fields(a, b)
    probability, weights = model.probability(comparison.levels)
    reasons = [
        Reason(f, _outcome(f, lvl), round(w, 3), comparison.details.get(f, {}))
        for f, lvl, w in zip(FIELDS, comparison.levels, weights, strict=True)
        if lvl != MISSING
    ]
    odds = (
        math.log2(probability / (1 - probability))
        if 0 < probability < 1
        else (60.0 if probability >= 1 else -60.0)
    )
    veto, rule = _veto(comparison, odds, bool(a.han and b.han)), _rule(comparison)
    if veto is not None:
        decision, rule = "distinct", None
        reasons.append(veto)
    elif rule is not None:
        probability = max(probability, 0.99)
        decision = "duplicate"
        reasons.insert(0, Reason("rule", "rule", 0.0, {"rule": rule}))
    elif probability >= threshold:
        decision = "duplicate"
    elif probability >= POSSIBLE:
        decision = "possible"
    else:
        decision = "distinct"
    first, second = (a, b) if a.id <= b.id else (b, a)
    return Match(first.id, second.id, probability, decision, rule, tuple(reasons))


def find_matches(
    prepared: Sequence[Prepared],
    *,
    model: Model | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    processes: int = 1,
) -> list[Match]:
    """Every candidate pair scored (weights estimated on these records unless given); pairs
    decided "distinct" are left out unless they carry a veto worth showing."""
    pairs = list(candidate_pairs(prepared))
    model = model or estimate(prepared, pairs)
    found = []
    for i, j in pairs:
        match = score_pair(prepared[i], prepared[j], model, threshold)
        if match.decision != "distinct":
            found.append(match)
    return found


def match_against(
    new: Prepared,
    existing: Sequence[Prepared],
    *,
    model: Model | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """A new record compared with a few candidates found by key (an entry check)."""
    model = model or default_model()
    return [score_pair(new, other, model, threshold) for other in existing]


def clusters(matches: Iterable[Match]) -> list[list[str]]:
    """Groups to review: ids joined by duplicate matches (connected components), and each
    possible pair on its own, so a weak link never pulls two groups into one."""
    matches = list(matches)
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for match in matches:
        if match.decision == "duplicate":
            ra, rb = root(match.a), root(match.b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for member in parent:
        groups[root(member)].append(member)
    found = [sorted(g) for g in groups.values() if len(g) > 1]
    for match in matches:
        if match.decision == "possible" and (
            match.a not in parent or match.b not in parent or root(match.a) != root(match.b)
        ):
            found.append([match.a, match.b])
    return sorted(found)
