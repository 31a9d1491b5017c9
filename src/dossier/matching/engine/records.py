"""A person as typed by users, and the normalised features the matcher compares. Pure."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from dossier.core.fields.base import fold_width
from dossier.core.fields.cn import compact_identifier
from dossier.core.fields.contact import normalise_phone_text
from dossier.core.fields.dates import parse_date_text
from dossier.customers.names import name_pinyin, simplified
from dossier.matching.engine.forking import forked_map


@dataclass(frozen=True, slots=True)
class Person:
    """One customer record as users typed it; every field is optional text."""

    id: str
    name: str = ""
    given_name: str = ""
    surname: str = ""
    phone: str = ""
    email: str = ""
    birthday: str = ""
    id_number: str = ""
    address: str = ""
    city: str = ""
    province: str = ""
    district: str = ""
    postcode: str = ""
    company: str = ""
    kind: str = "person"


class Prepared(NamedTuple):
    """The normalised features of one record (a tuple: compact and picklable)."""

    id: str
    kind: str
    name: str  # as typed, for explanations
    han: str  # simplified Chinese characters, no spaces; "" for latin names
    surname: str  # pinyin or latin, lower case, no spaces
    given: str
    han_surname: str
    han_given: str
    phone: str  # digits, +86/0086 dropped
    email: str
    birthday: str  # YYYYMMDD (or eight digits as typed), "" when unknown
    id_number: str
    address: str
    city: str
    province: str
    postcode: str


_HAN = re.compile(r"[\u3400-\u9fff]")
_NOT_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\D+")
#: legal forms stripped from company names, longest first
_LEGAL_FORMS = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|"
    r"\b(co|ltd|inc|llc|corp|corporation|company|limited|gmbh|plc)\b\.?)",
    re.IGNORECASE,
)
#: where a Chinese name's given part begins (compound surnames take two characters)
_COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "公孙",
        "慕容",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "澹台",
        "轩辕",
        "端木",
        "呼延",
        "尉迟",
        "万俟",
        "长孙",
        "单于",
    ]
)
# Every pinyin syllable is an initial and a final; the product is a superset of the real
# syllables, which is all that splitting "zhangwei" into "zhang wei" needs.
_INITIALS = [
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "zh",
    "ch",
    "sh",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
    "",
]
_FINALS = [
    "a",
    "o",
    "e",
    "i",
    "u",
    "v",
    "ai",
    "ei",
    "ui",
    "ao",
    "ou",
    "iu",
    "ie",
    "ve",
    "ue",
    "er",
    "an",
    "en",
    "in",
    "un",
    "vn",
    "ang",
    "eng",
    "ing",
    "ong",
    "ia",
    "iao",
    "ian",
    "iang",
    "iong",
    "ua",
    "uo",
    "uai",
    "uan",
    "uang",
    "ueng",
]
_SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS)


def _intern(text: str) -> str:
    # cities, provinces and name parts repeat across a million records: keep one copy
    return sys.intern(text) if len(text) < 24 else text


@lru_cache(maxsize=4096)
def split_pinyin(word: str) -> tuple[str, ...]:
    """'zhangwei' → ('zhang', 'wei'): the fewest pinyin syllables, or () when not pinyin."""
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[0] = ()
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in _SYLLABLES:
                candidate = (*head, word[start:end])
                if best[end] is None or len(candidate) < len(best[end] or ()):
                    best[end] = candidate
    return best[-1] or ()


def _han_parts(han: str) -> tuple[str, str, str, str]:
    """Simplified characters → (surname pinyin, given pinyin, han surname, han given)."""
    size = 2 if han[:2] in _COMPOUND_SURNAMES and len(han) > 2 else 1
    syllables = name_pinyin(han)
    return "".join(syllables[:size]), "".join(syllables[size:]), han[:size], han[size:]


def _latin_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", fold_width(text).lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return [w for w in _NOT_WORD.split(text.replace("'", "")) if w]


def _name_parts(name: str, given: str, surname: str) -> tuple[str, str, str, str, str]:
    """(han, surname, given, han surname, han given) of a full name or of its two parts."""
    if not name and (given or surname):
        if _HAN.search(given + surname):
            han = _SPACES.sub("", simplified(surname + given))
            return (han, *_han_parts(han)) if han else ("", "", "", "", "")
        return "", "".join(_latin_words(surname)), "".join(_latin_words(given)), "", ""
    if _HAN.search(name):
        han = _SPACES.sub("", simplified(name))
        han = "".join(c for c in han if _HAN.match(c))
        return (han, *_han_parts(han)) if han else ("", "", "", "", "")
    words = _latin_words(name)
    if len(words) >= 2:
        # Western order (given first) is a guess: comparisons also try the swapped order
        return "", words[-1], "".join(words[:-1]), "", ""
    if len(words) == 1:
        syllables = split_pinyin(words[0])
        if 2 <= len(syllables) <= 4:
            return "", syllables[0], "".join(syllables[1:]), "", ""
        return "", words[0], "", "", ""
    return "", "", "", "", ""


def normalise_phone(raw: str) -> str:
    """Digits of a phone number, full-width folded and the +86/0086 prefix dropped."""
    if not raw:
        return ""
    text = normalise_phone_text(raw)
    digits = _DIGITS.sub("", text)
    if text.startswith("+86") or (len(digits) == 13 and digits.startswith("861")):
        digits = digits[2:]
    return digits


def normalise_birthday(raw: str) -> str:
    """YYYYMMDD from ISO, 19900307, 1990年3月7日, 1990/3/7…; eight digits as typed otherwise."""
    if not raw:
        return ""
    found = parse_date_text(raw)
    if found is not None:
        return f"{found.year:04d}{found.month:02d}{found.day:02d}"
    digits = _DIGITS.sub("", fold_width(raw))
    return digits if len(digits) == 8 else ""


def normalise_text(raw: str) -> str:
    """Lower-case simplified text with single spaces (addresses, cities, companies)."""
    if not raw:
        return ""
    text = simplified(raw) if not raw.isascii() else raw.lower()
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", text)).strip()


def company_name(raw: str) -> str:
    """A company's name without its legal form (有限公司, Co., Ltd., Inc …)."""
    return normalise_text(_LEGAL_FORMS.sub(" ", simplified(raw)))


def prepare(person: Person) -> Prepared:
    """The normalised features of one record; cheap, so a million take well under a minute."""
    if person.kind == "company":
        company = company_name(person.company or person.name)
        han, sur, giv, hs, hg = company.replace(" ", ""), company, "", "", ""
        shown = person.company or person.name
    else:
        han, sur, giv, hs, hg = _name_parts(
            person.name.strip(), person.given_name.strip(), person.surname.strip()
        )
        shown = person.name.strip() or " ".join(
            p for p in (person.surname.strip(), person.given_name.strip()) if p
        )
    han = _intern(han)
    email = fold_width(person.email).strip().lower()
    city = normalise_text(person.city)
    if city.endswith("市") and len(city) > 2:
        city = city[:-1]
    return Prepared(
        id=person.id,
        kind=_intern(person.kind),
        name=han if shown == han else shown,  # one string for both when typed in characters
        han=_intern(han),
        surname=_intern(sur),
        given=_intern(giv),
        han_surname=_intern(hs),
        han_given=_intern(hg),
        phone=normalise_phone(person.phone),
        email=email,
        birthday=_intern(normalise_birthday(person.birthday)),
        id_number=compact_identifier(person.id_number) if person.id_number else "",
        address=normalise_text(" ".join(p for p in (person.district, person.address) if p)),
        city=_intern(city),
        province=_intern(normalise_text(person.province)),
        postcode=_intern(_SPACES.sub("", fold_width(person.postcode))),
    )


#: records per chunk a worker prepares, and fewer records than are prepared in this process
PREPARE_CHUNK, PREPARE_FORK_FROM = 2_500, 10_000
# the records the worker processes prepare (inherited when forked)
_people: Sequence[Person] = ()


def _prepare_range(bounds: tuple[int, int]) -> list[Prepared]:
    return [prepare(person) for person in _people[bounds[0] : bounds[1]]]


def _shared_strings(p: Prepared) -> Prepared:
    # a worker's strings come back as copies: repeated ones are made one object again
    return Prepared(
        p.id,
        _intern(p.kind),
        _intern(p.han) if p.name == p.han else p.name,
        _intern(p.han),
        _intern(p.surname),
        _intern(p.given),
        _intern(p.han_surname),
        _intern(p.han_given),
        p.phone,
        p.email,
        _intern(p.birthday),
        p.id_number,
        p.address,
        _intern(p.city),
        _intern(p.province),
        _intern(p.postcode),
    )


def prepare_many(people: Sequence[Person], *, processes: int = 1) -> list[Prepared]:
    """``prepare`` of every record, in order; in forked worker processes when there are many."""
    global _people
    if processes <= 1 or len(people) < PREPARE_FORK_FROM:
        return [prepare(person) for person in people]
    _people = people
    try:
        ranges = [
            (k, min(k + PREPARE_CHUNK, len(people))) for k in range(0, len(people), PREPARE_CHUNK)
        ]
        return [
            _shared_strings(p)
            for part in forked_map(_prepare_range, ranges, processes=processes)
            for p in part
        ]
    finally:
        _people = ()
