"""Person records as typed, and their normalised form for comparison (pure, no Django)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from dossier.customers.names import name_pinyin, simplified

_HAN = re.compile(r"[\u3400-\u9fff]")
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"\d+")
#: company legal forms, dropped before comparing company names
_LEGAL = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|分公司|"
    r"\bco\b|\bltd\b|\blimited\b|\binc\b|\bcorp(oration)?\b|\bllc\b|\bgmbh\b|\bgroup\b)"
)


@dataclass(frozen=True, slots=True)
class Person:
    """One record as users typed it; every field optional."""

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


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record normalised for comparison: what blocking and scoring read."""

    id: str
    shown_name: str
    han: str  # the name in simplified characters, spaces removed ("" for latin names)
    numbers: tuple[str, ...]  # digit runs in the name (1号店, 客户12): differing ones differ
    syllables: tuple[str, ...]  # pinyin or latin tokens, in typed order
    joined: str  # syllables joined without spaces
    surname: str  # first syllable of a Chinese name, or the given surname
    phone: str
    email: str
    email_local: str
    birthday: str  # YYYY-MM-DD, or "" when unreadable
    id_number: str
    address: frozenset[str]
    city: str
    province: str
    postcode: str
    company: str


def clean(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case, spaces trimmed."""
    return simplified(text or "").strip() if text else ""


def phone_digits(text: str) -> str:
    """A phone's digits with +86 / 0086 / 86 dropped from Chinese mobiles."""
    digits = "".join(_DIGITS.findall(unicodedata.normalize("NFKC", text or "")))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})\D+(\d{1,2})\D+(\d{1,2})\D*$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def birthday_of(text: str) -> str:
    """A date typed as 1990-03-07, 19900307, 1990/3/7 or 1990年3月7日, as YYYY-MM-DD."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            year, month, day = (int(g) for g in found.groups())
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                return ""
    return ""


def name_parts(person: Person) -> tuple[str, str, tuple[str, ...], str]:
    """The shown name, its characters (and digits), its syllables and its surname."""
    shown = person.name or " ".join(p for p in (person.given_name, person.surname) if p)
    text = clean(shown)
    if _HAN.search(text):
        han = "".join(ch for ch in text if _HAN.match(ch) or ch.isdigit())
        syllables = tuple(s for s in name_pinyin(han) if s.isalpha())
        return shown, han, syllables, syllables[0] if syllables else ""
    syllables = tuple(_LATIN.findall(text))
    surname = clean(person.surname)
    return shown, "", syllables, surname.replace(" ", "")


def address_tokens(text: str) -> frozenset[str]:
    """Words of a latin address, character pairs of a Chinese one."""
    text = clean(text)
    tokens: set[str] = set()
    for word in _NOT_WORD.split(text):
        if not word:
            continue
        if _HAN.search(word):
            tokens.update(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        else:
            tokens.add(word)
    return frozenset(tokens)


def company_core(text: str) -> str:
    """A company's name without its legal form (有限公司, Co., Ltd. …)."""
    return _NOT_WORD.sub("", _LEGAL.sub(" ", clean(text)))


def prepare(person: Person) -> Prepared:
    """The normalised form of a record."""
    shown, han, syllables, surname = name_parts(person)
    email = clean(person.email)
    return Prepared(
        id=str(person.id),
        shown_name=shown.strip(),
        han=han,
        numbers=tuple(_DIGITS.findall(clean(shown))),
        syllables=syllables,
        joined="".join(syllables),
        surname=surname,
        phone=phone_digits(person.phone),
        email=email,
        email_local=email.split("@", 1)[0] if "@" in email else email,
        birthday=birthday_of(person.birthday),
        id_number=_NOT_WORD.sub("", clean(person.id_number)),
        address=address_tokens(person.address),
        city=_NOT_WORD.sub("", clean(person.city)).removesuffix("市"),
        province=_NOT_WORD.sub("", clean(person.province)),
        postcode=_NOT_WORD.sub("", clean(person.postcode)),
        company=company_core(person.company),
    )
