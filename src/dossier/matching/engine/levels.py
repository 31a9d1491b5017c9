"""Comparison levels: how closely two prepared records agree on each field. Pure.

Each field compares to a level index (0 = agrees most) or -1 when either side is missing.
The Fellegi–Sunter model gives every level of every field its own weight.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from dossier.matching.engine.records import Prepared, split_pinyin

#: the compared fields and their levels, in order; the outcome each level reports
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("name", ("equal", "pinyin", "homophone", "close", "partial", "one_part", "differs")),
    ("birthday", ("equal", "near", "differs", "far")),
    ("phone", ("equal", "near", "differs")),
    ("email", ("equal", "near", "differs")),
    ("id_number", ("equal", "near", "differs")),
    ("address", ("equal", "close", "partial", "differs")),
    ("city", ("equal", "close", "differs")),
    ("province", ("equal", "differs")),
    ("postcode", ("equal", "near", "differs")),
)
FIELD_NAMES = tuple(name for name, _ in FIELDS)
NAME, BIRTHDAY, PHONE, EMAIL, ID_NUMBER, ADDRESS, CITY, PROVINCE, POSTCODE = range(len(FIELDS))
BIRTHDAY_FAR = 3
NAME_EQUAL, NAME_PINYIN, NAME_HOMOPHONE, NAME_CLOSE, NAME_PARTIAL, NAME_ONE_PART, NAME_DIFFERS = (
    range(7)
)
#: Jaro–Winkler similarity of whole names at which they count as close, or partly alike
CLOSE_NAME, PARTIAL_NAME = 0.92, 0.8
_DIGIT_RUNS = re.compile(r"\d+")
#: given names below this Jaro–Winkler similarity are different people's
DIFFERENT_GIVEN = 0.85
PINYIN_GIVEN = 0.95


class NameComparison(NamedTuple):
    """A name comparison: its level, similarity, how it was found, and whether given names
    clearly differ (for the household and twins vetoes)."""

    level: int
    similarity: float
    via: str  # "" | "pinyin" | "order" | "spelling" | "traditional" | "part"
    given_differs: bool
    surname_agrees: bool = False
    complete: bool = False  # both names have both parts


_MISSING_NAME = NameComparison(-1, 0.0, "", False)


def _jw(a: str, b: str) -> float | None:
    if not a or not b:
        return None
    return 1.0 if a == b else JaroWinkler.normalized_similarity(a, b)


def _mean(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _numbers(name: str) -> list[str]:
    return _DIGIT_RUNS.findall(unicodedata.normalize("NFKC", name))


def compare_names(a: Prepared, b: Prepared) -> NameComparison:
    """Order-free name comparison on simplified characters and pinyin (or latin spelling)."""
    if not (a.surname or a.given) or not (b.surname or b.given):
        return _MISSING_NAME
    numbers_a, numbers_b = _numbers(a.name), _numbers(b.name)
    if numbers_a and numbers_b and numbers_a != numbers_b:
        # 1号店 and 2号店, 客户1 and 客户2: names numbered apart are two
        return NameComparison(NAME_DIFFERS, 0.0, "", True, False, True)
    if a.han and a.han == b.han:
        return NameComparison(NAME_EQUAL, 1.0, "", False, True, bool(a.given and b.given))
    s1, g1 = _jw(a.surname, b.surname), _jw(a.given, b.given)
    s2, g2 = _jw(a.surname, b.given), _jw(a.given, b.surname)
    straight, swapped = _mean(s1, g1), _mean(s2, g2)
    if swapped is not None and (straight is None or swapped > straight):
        similarity, surname, given, via = swapped, s2, g2, "order"
    else:
        similarity, surname, given, via = straight or 0.0, s1, g1, ""
    complete = surname is not None and given is not None
    # which part is the surname is only known for Chinese names: for the others "a part
    # agrees" and "a part differs" are asked of both parts, so the answer is symmetric
    agrees = max(surname or 0.0, given or 0.0) >= CLOSE_NAME
    if a.han and b.han:
        # characters decide: 张伟 and 张卫 read alike but are written as two people's names
        differs = a.han_given != b.han_given and (given is None or given < 1.0)
    else:
        # pinyin against characters leaves room for few typos
        bar = DIFFERENT_GIVEN if not (a.han or b.han) else PINYIN_GIVEN
        differs = complete and min(surname or 0.0, given or 0.0) < bar
    if complete and surname == 1.0 and given == 1.0:
        if a.han and b.han:
            return NameComparison(NAME_HOMOPHONE, 1.0, "pinyin", differs, True, True)
        if a.han or b.han:
            return NameComparison(NAME_PINYIN, 1.0, "pinyin", False, True, True)
        return NameComparison(NAME_EQUAL, 1.0, via, False, True, True)
    if (a.han or b.han) and differs:
        # people type Chinese names by pinyin: a slip gives a homophone, not another sound
        return NameComparison(NAME_DIFFERS, similarity, "", differs, agrees, complete)
    via = "pinyin" if bool(a.han) != bool(b.han) else (via or "spelling")
    if complete and similarity >= CLOSE_NAME:
        return NameComparison(NAME_CLOSE, similarity, via, differs, agrees, complete)
    if similarity >= PARTIAL_NAME:
        return NameComparison(NAME_PARTIAL, similarity, via, differs, agrees, complete)
    # one part alike, in either field, the other not: a surname changed by marriage, a
    # nickname, a given name typed as the surname; less than a name, more than none
    part = max(v or 0.0 for v in (s1, g1, s2, g2))
    if part >= CLOSE_NAME and one_part_possible(a, b):
        return NameComparison(NAME_ONE_PART, part, "part", differs, True, complete)
    return NameComparison(NAME_DIFFERS, similarity, via, differs, agrees, complete)


@lru_cache(maxsize=65_536)
def _is_pinyin(word: str) -> bool:
    return bool(split_pinyin(word))


def _pinyin(p: Prepared) -> bool:
    return _is_pinyin(p.surname) and _is_pinyin(p.given)


def one_part_possible(a: Prepared, b: Prepared) -> bool:
    """Whether two names can be "one part alike": latin names of two parts each, not both in
    pinyin (a shared pinyin part is mostly a shared Chinese surname: a household's, or one of
    the few hundred that a billion people share, no sign of one person)."""
    return (
        not (a.han or b.han)
        and bool(a.surname and a.given and b.surname and b.given)
        and not (_pinyin(a) and _pinyin(b))
    )


def _near_digits(a: str, b: str) -> bool:
    """One typed digit wrong, or two neighbours swapped."""
    if len(a) != len(b):
        return Levenshtein.distance(a, b, score_cutoff=1) <= 1
    wrong = [i for i in range(len(a)) if a[i] != b[i]]
    if len(wrong) == 1:
        return True
    return (
        len(wrong) == 2
        and wrong[1] == wrong[0] + 1
        and a[wrong[0]] == b[wrong[1]]
        and a[wrong[1]] == b[wrong[0]]
    )


def _birthday(a: str, b: str) -> int:
    if not a or not b:
        return -1
    if a == b:
        return 0
    if _near_digits(a, b) or (a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]):
        return 1
    # two typed digits wrong is still a typo; more is another date
    return 2 if Levenshtein.distance(a, b, score_cutoff=3) <= 2 else BIRTHDAY_FAR


def _code(a: str, b: str) -> int:
    """Phone, ID number, postcode: equal, one typo apart, or different."""
    if not a or not b:
        return -1
    if a == b:
        return 0
    return 1 if _near_digits(a, b) else 2


def _phone(a: str, b: str) -> int:
    if not a or not b:
        return -1
    if a == b:
        return 0
    # a landline with and without its area code
    if len(a) >= 7 and len(b) >= 7 and (a.endswith(b[-8:]) or b.endswith(a[-8:])):
        return 1 if min(len(a), len(b)) >= 8 else 2
    return 1 if _near_digits(a, b) else 2


def _email(a: str, b: str) -> int:
    if not a or not b:
        return -1
    if a == b:
        return 0
    local_a, local_b = a.partition("@")[0], b.partition("@")[0]
    if (len(local_a) >= 4 and local_a == local_b) or Levenshtein.distance(a, b) <= 1:
        return 1
    return 2


def _address(a: str, b: str) -> tuple[int, float]:
    if not a or not b:
        return -1, 0.0
    if a == b:
        return 0, 1.0
    # word order is free (two address lines swapped), and so are spaces: a space typed in
    # or left out ("kellewayavenue", "co ttage") would otherwise split or join words
    similarity = (
        max(
            fuzz.token_sort_ratio(a, b),
            fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")),
        )
        / 100.0
    )
    if similarity >= 0.85:
        return 1, similarity
    return (2 if similarity >= 0.6 else 3), similarity


def _city(a: str, b: str) -> int:
    if not a or not b:
        return -1
    if a == b:
        return 0
    return 1 if JaroWinkler.normalized_similarity(a, b) >= 0.9 else 2


def compare_levels(a: Prepared, b: Prepared) -> tuple[tuple[int, ...], NameComparison, float]:
    """The level of every field (-1 missing), the name comparison and address similarity."""
    name = compare_names(a, b)
    address, address_similarity = _address(a.address, b.address)
    levels = (
        name.level,
        _birthday(a.birthday, b.birthday),
        _phone(a.phone, b.phone),
        _email(a.email, b.email),
        _code(a.id_number, b.id_number),
        address,
        _city(a.city, b.city),
        -1 if not a.province or not b.province else (0 if a.province == b.province else 1),
        _code(a.postcode, b.postcode),
    )
    return levels, name, address_similarity
